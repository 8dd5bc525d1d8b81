import Foundation

/// When an attempt may be tried again, and after how long: the decision table of the retry stage.
///
/// Safe means the provider did not act, or acting twice is harmless:
/// - the request never reached the provider (refused, DNS, TLS, no connection): always, after a short backoff;
/// - 429 or 503 with a `Retry-After` no longer than `maxDelay`: the provider says it did not act; wait as asked;
/// - for a provider whose complete is idempotent, also 502/504, a timeout and a lost connection, after a backoff.
/// Nothing else is retried: a non-idempotent complete that may have reached the provider is never sent twice.
package struct RetryPolicy: Sendable, Equatable {
    package var attempts: Int
    package var maxDelay: Duration
    package var idempotent: Bool
    /// One attempt's deadline; the attempts share `timeout × attempts`.
    package var timeout: Duration

    /// The backoff step: the n-th retry waits n × this (capped by `maxDelay`).
    package static let backoffStep: Duration = .milliseconds(100)
    /// The least time worth giving an idempotent attempt cut short by the budget.
    package static let shortestAttempt: Duration = .milliseconds(100)

    package init(attempts: Int, maxDelay: Duration, idempotent: Bool, timeout: Duration) {
        self.attempts = attempts
        self.maxDelay = maxDelay
        self.idempotent = idempotent
        self.timeout = timeout
    }

    package init(route: Route) {
        self.init(
            attempts: route.configuration.retries.attempts, maxDelay: route.configuration.retries.maxDelay,
            idempotent: route.provider.completeIsIdempotent, timeout: route.configuration.timeout)
    }

    /// How one attempt ended, as far as retrying is concerned.
    package enum Attempt: Sendable, Equatable {
        case answered(status: Int, retryAfter: String?)
        case failed(UpstreamTransportError)
    }

    /// The wait before trying again after attempt number `attempt` ended as `result`; `nil`: that is the answer.
    /// `now` is the date an HTTP-date `Retry-After` is counted from.
    package func delay(after result: Attempt, attempt: Int, now: Date) -> Duration? {
        guard attempt < attempts else { return nil }
        let backoff = min(Self.backoffStep * attempt, maxDelay)
        switch result {
        case .failed(let error) where error.neverSent:
            return backoff
        case .failed(.timeout), .failed(.connectionClosed):
            return idempotent ? backoff : nil
        case .failed:
            return nil
        case .answered(let status, let retryAfter) where status == 429 || status == 503:
            guard let retryAfter, let wait = RetryAfter.delay(retryAfter, now: now), wait <= maxDelay else { return nil }
            return wait
        case .answered(let status, _) where status == 502 || status == 504:
            return idempotent ? backoff : nil
        case .answered:
            return nil
        }
    }

    /// The deadline the next attempt gets when it starts after waiting `delay`, `elapsed` into the exchange; `nil`
    /// when the shared budget does not allow it. A non-idempotent attempt must keep its whole deadline: one cut
    /// short would more likely end "sent, answer lost", which cannot be retried.
    package func nextDeadline(afterWaiting delay: Duration, elapsed: Duration) -> Duration? {
        let remaining = timeout * attempts - elapsed - delay
        let least = idempotent ? min(timeout, Self.shortestAttempt) : timeout
        guard remaining >= least else { return nil }
        return min(timeout, remaining)
    }
}
