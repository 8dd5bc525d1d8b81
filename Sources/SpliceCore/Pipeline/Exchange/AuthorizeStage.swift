/// Adds the route's credentials to every attempt just before it goes out: a fresh signature each time, the
/// current session, or static key headers.
package struct AuthorizeStage: UpstreamStage {
    package init() {}

    package func send(
        _ request: UpstreamRequest, in exchange: UpstreamExchange, next: UpstreamExchange.Next
    ) async throws -> UpstreamResponse {
        var authorized = request
        try await exchange.authenticator.authorize(&authorized)
        return try await next(authorized)
    }
}
