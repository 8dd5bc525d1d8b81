import Hummingbird
import SpliceCore

/// Gives the request the configuration in use when it arrives; everything after it reads
/// `context.configuration`, so that a reload during the request does not change it half-way.
package struct ConfigurationMiddleware: RouterMiddleware {
    package typealias Context = SpliceRequestContext

    let live: LiveConfiguration

    package init(live: LiveConfiguration) {
        self.live = live
    }

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.configuration = live.current
        return try await next(request, context)
    }
}
