import Hummingbird
import Logging
import ServiceLifecycle
import SpliceCore
import Synchronization

/// The drain limit of a graceful shutdown: `grace` after it began.
package final class ShutdownDrain: Sendable {
    package let grace: Duration
    private let began = Mutex<ContinuousClock.Instant?>(nil)

    package init(grace: Duration) {
        self.grace = grace
    }

    /// When requests still running are answered; the first caller after graceful shutdown began fixes it.
    func deadline() -> ContinuousClock.Instant {
        began.withLock { began in
            let start = began ?? .now
            began = start
            return start + grace
        }
    }
}

/// Runs each request against the drain limit of a graceful shutdown. When the limit passes first, the
/// client gets 503 `shutting_down` (in the contract's envelope, with its request id) while the server
/// can still write it, instead of a connection cut without an answer; the handler is cancelled.
///
/// It wraps the router's responder rather than being a router middleware, because the handler has
/// to run in a task of its own to be raced. It picks the request id here (with
/// `RequestIdMiddleware`'s rules, which then keeps it) so that the 503 carries the same id as the
/// log lines of the request.
///
/// Graceful shutdown is seen through swift-service-lifecycle: the server's service is told first,
/// and each request runs in a task of that service.
struct DrainResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == SpliceRequestContext {
    typealias Context = SpliceRequestContext

    let inner: Inner
    /// `nil`: no drain limit (requests are cancelled, unanswered, when the service group gives up).
    let drain: ShutdownDrain?

    private enum Outcome: Sendable {
        case answered(Result<Response, any Error>)
        case drainLimitPassed
        case watchEnded
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        var context = context
        context.requestId = RequestIdMiddleware.requestId(for: request)
        guard let drain else { return try await inner.respond(to: request, context: context) }
        let requestContext = context
        let inner = self.inner
        let outcome = await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                do {
                    return .answered(.success(try await inner.respond(to: request, context: requestContext)))
                } catch {
                    return .answered(.failure(error))
                }
            }
            group.addTask {
                do {
                    try await gracefulShutdown()
                    try await Task.sleep(until: drain.deadline(), clock: .continuous)
                    return .drainLimitPassed
                } catch {
                    return .watchEnded
                }
            }
            while let outcome = await group.next() {
                if case .watchEnded = outcome { continue }
                group.cancelAll()
                return outcome
            }
            return .answered(.failure(CancellationError()))
        }
        switch outcome {
        case .answered(let result):
            return try result.get()
        case .drainLimitPassed, .watchEnded:
            let error = GatewayError(
                .shuttingDown, status: 503,
                message: "Splice is shutting down and could not finish this request in time; it may be retried",
                retryable: true)
            context.logger.warning(
                "answered before finishing: the shutdown grace period ended",
                metadata: [
                    "request_id": "\(context.requestId)", "method": "\(request.method.rawValue)",
                    "path": "\(CompleteRequest.printable(request.uri.path))", "status": "\(error.status)",
                    "code": "\(error.code)",
                ])
            return Response.envelope(for: error, requestId: context.requestId)
        }
    }
}
