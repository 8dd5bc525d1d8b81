import Hummingbird
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

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peer = PeerCertificateBox.current?.certificate
    }
}
