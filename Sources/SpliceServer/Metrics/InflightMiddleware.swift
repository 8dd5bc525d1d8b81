import CoreMetrics
import Hummingbird

/// Counts the client requests being answered (`/complete` and passthrough) in `splice_inflight_requests`, from
/// their arrival until their answer's head is ready. The gateway's other endpoints (probes, `/metrics`) are not
/// counted: a scrape would otherwise always see itself.
struct InflightMiddleware: RouterMiddleware {
    typealias Context = SpliceRequestContext

    let metrics: GatewayMetrics
    /// Paths not counted (none on a route's own passthrough listener, where every path is the route's).
    let uncounted: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard !uncounted.contains(request.uri.path) else { return try await next(request, context) }
        metrics.inflight.increment()
        defer { metrics.inflight.decrement() }
        return try await next(request, context)
    }
}
