import Hummingbird
import SpliceCore

/// Per-request state shared by the middleware and the handlers.
package struct SpliceRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The client's `X-Request-Id`, or one Splice made; set by `RequestIdMiddleware`.
    package var requestId: String = ""
    /// Which routes the client may use; set by `ClientAuthMiddleware`.
    package var access: ClientAccess = .allRoutes

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
