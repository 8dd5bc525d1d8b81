import Foundation
import Hummingbird
import SpliceCore

/// Records a ledger entry for a `POST /complete` that client authentication refuses (docs/idempotency.md: every request
/// refused on `/complete` has one). It sits outside `ClientAuthMiddleware`; every other refusal is recorded by
/// `CompleteController` itself, which knows the client's name.
package struct UnauthenticatedLedgerMiddleware: RouterMiddleware {
    package typealias Context = SpliceRequestContext

    let finished: FinishedRequests

    package init(finished: FinishedRequests) {
        self.finished = finished
    }

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard !finished.isEmpty, request.method == .post else { return try await next(request, context) }
        let arrived = Date()
        let clock = ContinuousClock()
        let started = clock.now
        do {
            return try await next(request, context)
        } catch let error as GatewayError where error.code == .unauthorized {
            finished.record(
                LedgerEntry(
                    time: arrived, requestId: context.requestId, client: nil, route: nil, provider: nil, kind: .complete,
                    action: "complete", outcome: error.code.rawValue, httpStatus: error.status,
                    totalMs: started.duration(to: clock.now).milliseconds))
            throw error
        }
    }
}
