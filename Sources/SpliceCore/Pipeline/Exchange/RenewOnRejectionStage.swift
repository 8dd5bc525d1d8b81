import Logging

/// After a 401, renews the route's credentials once (a Tenovos session) and tries once more; authenticators
/// that cannot renew (static keys, signatures) decline, and the 401 is the answer.
package struct RenewOnRejectionStage: UpstreamStage {
    package init() {}

    package func send(
        _ request: UpstreamRequest, in exchange: UpstreamExchange, next: UpstreamExchange.Next
    ) async throws -> UpstreamResponse {
        let response = try await next(request)
        // The authenticator must see the credentials the refused attempt carried, which the inner stages added.
        // A streamed body is gone once sent: that request cannot be tried again.
        guard response.status == 401, request.isReplayable, let refused = exchange.lastSent,
            await exchange.authenticator.renewAfterRejection(of: refused)
        else { return response }
        exchange.logger.info(
            "provider refused the credentials; renewed them and retrying once", metadata: ["route": "\(exchange.route.name)"])
        return try await next(request)
    }
}
