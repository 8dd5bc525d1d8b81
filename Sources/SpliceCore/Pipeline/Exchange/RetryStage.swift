import HTTPTypes
import Logging

/// Tries an attempt again when the route's `retries` allow it and it is safe (see `RetryPolicy`). Outermost in
/// the chain, so that every retry goes through renewal and authorization afresh: a new signature, the current
/// session. The answer is the last attempt's; attempts count every request put on the wire.
package struct RetryStage: UpstreamStage {
    let clock: RetryClock

    package init(clock: RetryClock = .system) {
        self.clock = clock
    }

    package func send(
        _ request: UpstreamRequest, in exchange: UpstreamExchange, next: UpstreamExchange.Next
    ) async throws -> UpstreamResponse {
        let policy = RetryPolicy(route: exchange.route)
        // A streamed body is gone once sent.
        guard policy.attempts > 1, request.isReplayable else { return try await next(request) }
        let started = clock.now()
        while true {
            let result: Result<UpstreamResponse, UpstreamTransportError>
            let attempt: RetryPolicy.Attempt
            do {
                let response = try await next(request)
                result = .success(response)
                attempt = .answered(status: response.status, retryAfter: response.headers[.retryAfter])
            } catch let error as UpstreamTransportError {
                result = .failure(error)
                attempt = .failed(error)
            }
            let made = exchange.attempts
            guard let delay = policy.delay(after: attempt, attempt: made, now: clock.wallClock.now()),
                let deadline = policy.nextDeadline(afterWaiting: delay, elapsed: started.duration(to: clock.now()))
            else { return try result.get() }
            exchange.logger.info(
                "retrying the upstream request",
                metadata: [
                    "route": "\(exchange.route.name)", "attempt": "\(made)", "after": "\(attempt.logDescription)",
                    "delay_ms": "\(delay.milliseconds)",
                ])
            try await clock.sleep(delay)
            exchange.limitLaterAttempts(to: deadline)
        }
    }
}

extension RetryPolicy.Attempt {
    /// For logs: a status or a fixed phrase, never a value.
    var logDescription: String {
        switch self {
        case .answered(let status, _): "HTTP \(status)"
        case .failed(let error): error.logDescription
        }
    }
}
