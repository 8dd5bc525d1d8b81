import Hummingbird
import NIOCore
import SpliceCore

/// Per-request state shared by the middleware and the handlers.
package struct SpliceRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The client's `X-Request-Id`, or one Splice made; set by `RequestIdMiddleware`.
    package var requestId: String = ""
    /// Who is calling and which routes it may use; set by `ClientAuthMiddleware`.
    package var client: ClientIdentity = .anonymous
    /// The connection's verified TLS client certificate, when the listener asks for one (`tls.clientCA`).
    package var peer: PeerCertificate?
    /// The configuration this request uses from start to end; set by `ConfigurationMiddleware`.
    package var configuration: GatewayConfiguration = .empty
    /// The connection, for what only it knows (the peer's address).
    private let channel: any Channel

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.peer = PeerCertificateBox.current?.certificate
    }

    /// The peer's address (read when asked: most requests never need it).
    package var remoteAddress: SocketAddress? { channel.remoteAddress }
}
