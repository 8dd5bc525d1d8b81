import Hummingbird
import NIOCore

/// The request context of every emulator: keeps the connection's channel so that the
/// `closeConnection` fault can drop it without answering.
struct EmulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Request bodies over this size are refused by `collectBody`.
    var maxUploadSize: Int { 8 * 1024 * 1024 }
}
