import Foundation

/// Time as the retry stage sees it: a monotonic now (the deadline budget), the date (an HTTP-date `Retry-After`)
/// and waiting. Injected so that tests move time instead of sleeping.
package struct RetryClock: Sendable {
    package let now: @Sendable () -> ContinuousClock.Instant
    package let wallClock: WallClock
    package let sleep: @Sendable (Duration) async throws -> Void

    package init(
        now: @escaping @Sendable () -> ContinuousClock.Instant, wallClock: WallClock,
        sleep: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.now = now
        self.wallClock = wallClock
        self.sleep = sleep
    }

    package static let system = RetryClock(
        now: { ContinuousClock.now }, wallClock: .system, sleep: { try await Task.sleep(for: $0) })
}
