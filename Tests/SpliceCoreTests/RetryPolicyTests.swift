import Foundation
import Testing

@testable import SpliceCore

/// The retry decision table and `Retry-After`, without any transport.
@Suite struct RetryPolicyTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    static func policy(idempotent: Bool, attempts: Int = 3, maxDelay: Duration = .seconds(5)) -> RetryPolicy {
        RetryPolicy(attempts: attempts, maxDelay: maxDelay, idempotent: idempotent, timeout: .seconds(30))
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var attempt: RetryPolicy.Attempt
        /// The wait after the first attempt for a provider that is not idempotent, and for one that is.
        var other: Duration?
        var idempotent: Duration?
        var testDescription: String { "\(attempt)" }
    }

    static let backoff = Duration.milliseconds(100)

    static let table: [Row] = [
        Row(attempt: .failed(.unreachable(reason: "connection refused")), other: backoff, idempotent: backoff),
        Row(attempt: .failed(.noConnection(waited: .seconds(10))), other: backoff, idempotent: backoff),
        Row(attempt: .failed(.timeout), other: nil, idempotent: backoff),
        Row(attempt: .failed(.connectionClosed), other: nil, idempotent: backoff),
        Row(attempt: .failed(.responseTooLarge(status: 200, limit: 1)), other: nil, idempotent: nil),
        Row(attempt: .failed(.invalidRequest(reason: "x")), other: nil, idempotent: nil),
        Row(attempt: .answered(status: 429, retryAfter: "1"), other: .seconds(1), idempotent: .seconds(1)),
        Row(attempt: .answered(status: 503, retryAfter: "5"), other: .seconds(5), idempotent: .seconds(5)),
        Row(attempt: .answered(status: 429, retryAfter: "0"), other: .zero, idempotent: .zero),
        Row(attempt: .answered(status: 429, retryAfter: "6"), other: nil, idempotent: nil),
        Row(attempt: .answered(status: 429, retryAfter: nil), other: nil, idempotent: nil),
        Row(attempt: .answered(status: 503, retryAfter: nil), other: nil, idempotent: nil),
        Row(attempt: .answered(status: 429, retryAfter: "soon"), other: nil, idempotent: nil),
        Row(attempt: .answered(status: 500, retryAfter: "1"), other: nil, idempotent: nil),
        Row(attempt: .answered(status: 502, retryAfter: nil), other: nil, idempotent: backoff),
        Row(attempt: .answered(status: 504, retryAfter: nil), other: nil, idempotent: backoff),
        Row(attempt: .answered(status: 200, retryAfter: nil), other: nil, idempotent: nil),
        Row(attempt: .answered(status: 400, retryAfter: "1"), other: nil, idempotent: nil),
        Row(attempt: .answered(status: 401, retryAfter: nil), other: nil, idempotent: nil),
        Row(attempt: .answered(status: 409, retryAfter: nil), other: nil, idempotent: nil),
    ]

    @Test(arguments: table)
    func decisionTable(_ row: Row) {
        #expect(Self.policy(idempotent: false).delay(after: row.attempt, attempt: 1, now: Self.now) == row.other)
        #expect(Self.policy(idempotent: true).delay(after: row.attempt, attempt: 1, now: Self.now) == row.idempotent)
    }

    @Test func noRetryOnceTheAttemptsAreUsedUp() {
        let refused = RetryPolicy.Attempt.failed(.unreachable(reason: "connection refused"))
        #expect(Self.policy(idempotent: true, attempts: 1).delay(after: refused, attempt: 1, now: Self.now) == nil)
        #expect(Self.policy(idempotent: true, attempts: 3).delay(after: refused, attempt: 3, now: Self.now) == nil)
        #expect(Self.policy(idempotent: true, attempts: 3).delay(after: refused, attempt: 2, now: Self.now) == .milliseconds(200))
    }

    @Test func theBackoffGrowsWithTheAttemptAndStopsAtTheCap() {
        let lost = RetryPolicy.Attempt.failed(.connectionClosed)
        let policy = Self.policy(idempotent: true, attempts: 10, maxDelay: .milliseconds(250))
        #expect((1...4).map { policy.delay(after: lost, attempt: $0, now: Self.now) } == [100, 200, 250, 250].map { .milliseconds($0) })
        let none = Self.policy(idempotent: true, maxDelay: .zero)
        #expect(none.delay(after: lost, attempt: 1, now: Self.now) == .zero)
    }

    @Test func retryAfterIsSecondsOrAnHTTPDate() {
        #expect(RetryAfter.delay("120", now: Self.now) == .seconds(120))
        #expect(RetryAfter.delay(" 3 ", now: Self.now) == .seconds(3))
        #expect(RetryAfter.delay("0", now: Self.now) == .zero)
        // 1_790_000_000 is Mon, 21 Sep 2026 14:13:20 GMT.
        #expect(RetryAfter.delay("Mon, 21 Sep 2026 14:13:22 GMT", now: Self.now) == .seconds(2))
        #expect(RetryAfter.delay("Monday, 21-Sep-26 14:13:25 GMT", now: Self.now) == .seconds(5))
        #expect(RetryAfter.delay("Mon Sep 21 14:13:21 2026", now: Self.now) == .seconds(1))
        // A date already past asks for no wait.
        #expect(RetryAfter.delay("Mon, 21 Sep 2026 14:00:00 GMT", now: Self.now) == .zero)
        for invalid in ["", "-1", "1.5", "3 s", "soon", "99999999999999999999999", "21 Sep 2026"] {
            #expect(RetryAfter.delay(invalid, now: Self.now) == nil, "\(invalid)")
        }
    }

    @Test func theAttemptsShareTheDeadlineBudget() {
        // timeout 30 s × 3 attempts = 90 s in all.
        let idempotent = Self.policy(idempotent: true)
        #expect(idempotent.nextDeadline(afterWaiting: .seconds(1), elapsed: .seconds(10)) == .seconds(30))
        #expect(idempotent.nextDeadline(afterWaiting: .seconds(1), elapsed: .seconds(70)) == .seconds(19))
        #expect(idempotent.nextDeadline(afterWaiting: .seconds(5), elapsed: .seconds(85)) == nil)
        #expect(idempotent.nextDeadline(afterWaiting: .zero, elapsed: .milliseconds(89_950)) == nil)
        // Another provider's attempt keeps its whole deadline, or does not start.
        let other = Self.policy(idempotent: false)
        #expect(other.nextDeadline(afterWaiting: .seconds(5), elapsed: .seconds(55)) == .seconds(30))
        #expect(other.nextDeadline(afterWaiting: .seconds(5), elapsed: .seconds(56)) == nil)
    }
}
