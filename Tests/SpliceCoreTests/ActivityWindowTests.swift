import Foundation
import SpliceCore
import Synchronization
import Testing

/// The console's 15-minute window: per-minute buckets in a ring, counts by outcome, upstream percentiles.
@Suite struct ActivityWindowTests {
    /// A wall clock the test moves by hand.
    final class TestClock: Sendable {
        private let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))  // 2027-01-15T08:00:00Z, a minute's start

        func advance(minutes: Double) {
            now.withLock { $0 = $0.addingTimeInterval(minutes * 60) }
        }

        var wallClock: WallClock { WallClock { self.now.withLock { $0 } } }
    }

    static func entry(
        route: String? = "autorender", outcome: String = "completed", status: Int = 200, upstreamMs: Double? = 10
    ) -> LedgerEntry {
        LedgerEntry(
            time: Date(), requestId: "r", client: nil, route: route, provider: route, kind: .complete, action: "complete",
            outcome: outcome, httpStatus: status, upstreamMs: upstreamMs, totalMs: (upstreamMs ?? 0) + 1)
    }

    @Test func countsRequestsAndErrorsByOutcomePerRoute() throws {
        let clock = TestClock()
        let window = ActivityWindow(clock: clock.wallClock)
        for _ in 0..<3 { window.observe(Self.entry()) }
        window.observe(Self.entry(outcome: "upstream_timeout", status: 504, upstreamMs: 5000))
        window.observe(Self.entry(route: "tenovos", outcome: "cancelled"))
        window.observe(Self.entry(route: nil, outcome: "unknown_route", status: 404, upstreamMs: nil))

        let snapshot = window.snapshot()
        let autorender = try #require(snapshot["autorender"])
        #expect(autorender.requests == 4)
        #expect(autorender.errors == 1)
        #expect(
            autorender.outcomes == [
                OutcomeCount(code: "completed", count: 3, isError: false),
                OutcomeCount(code: "upstream_timeout", count: 1, isError: true),
            ])
        #expect(autorender.perMinute.count == ActivityWindow.minutes)
        #expect(autorender.perMinute.last == MinuteCounts(requests: 4, errors: 1))
        #expect(autorender.perMinute.dropLast().allSatisfy { $0 == MinuteCounts() })
        #expect(snapshot["tenovos"]?.requests == 1)
        #expect(snapshot["tenovos"]?.errors == 0)
        let unrouted = try #require(snapshot[String?.none])
        #expect(unrouted.requests == 1)
        #expect(unrouted.upstreamP50 == nil)
        #expect(snapshot["spatialgen"] == nil)
    }

    @Test func eachMinuteHasItsOwnBarAndTheOldestFallsOutAfterFifteen() throws {
        let clock = TestClock()
        let window = ActivityWindow(clock: clock.wallClock)
        window.observe(Self.entry())  // minute 0
        clock.advance(minutes: 1)
        window.observe(Self.entry())
        window.observe(Self.entry(outcome: "upstream_error", status: 502))  // minute 1

        var activity = try #require(window.snapshot()["autorender"])
        #expect(activity.perMinute.suffix(2) == [MinuteCounts(requests: 1, errors: 0), MinuteCounts(requests: 2, errors: 1)])
        #expect(activity.requests == 3)

        // Minute 14: minute 0 is the oldest bar still shown.
        clock.advance(minutes: 13)
        activity = try #require(window.snapshot()["autorender"])
        #expect(activity.perMinute.first == MinuteCounts(requests: 1, errors: 0))
        #expect(activity.perMinute[1] == MinuteCounts(requests: 2, errors: 1))
        #expect(activity.requests == 3)

        // Minute 15 reuses minute 0's bucket: the old count is gone, the new one alone is there.
        clock.advance(minutes: 1)
        activity = try #require(window.snapshot()["autorender"])
        #expect(activity.requests == 2)
        #expect(activity.perMinute.first == MinuteCounts(requests: 2, errors: 1))
        window.observe(Self.entry(outcome: "upstream_timeout", status: 504))
        activity = try #require(window.snapshot()["autorender"])
        #expect(activity.perMinute.last == MinuteCounts(requests: 1, errors: 1))
        #expect(activity.requests == 3)
        #expect(activity.outcomes.map(\.code) == ["completed", "upstream_error", "upstream_timeout"])

        // Long after: nothing left, every bar at zero.
        clock.advance(minutes: 60)
        activity = try #require(window.snapshot()["autorender"])
        #expect(activity.requests == 0)
        #expect(activity.outcomes.isEmpty)
        #expect(activity.perMinute == Array(repeating: MinuteCounts(), count: ActivityWindow.minutes))
        #expect(activity.upstreamP50 == nil)
    }

    @Test func percentilesOfUpstreamTimes() throws {
        let clock = TestClock()
        let window = ActivityWindow(clock: clock.wallClock)
        // 1, 2, ..., 100 ms over three minutes: p50 is 50 ms, p99 is 99 ms, within a bin (about 19 %).
        for milliseconds in 1...100 {
            if milliseconds % 40 == 0 { clock.advance(minutes: 1) }
            window.observe(Self.entry(upstreamMs: Double(milliseconds)))
        }
        window.observe(Self.entry(outcome: "invalid_request", status: 400, upstreamMs: nil))  // never reached the provider
        let activity = try #require(window.snapshot()["autorender"])
        let p50 = try #require(activity.upstreamP50)
        let p99 = try #require(activity.upstreamP99)
        #expect(abs(p50 - 50) / 50 < 0.1, "p50 \(p50)")
        #expect(abs(p99 - 99) / 99 < 0.1, "p99 \(p99)")
        #expect(p50 < p99)
        #expect(p99 <= 100)
    }

    @Test func aSingleTimeIsItsOwnPercentile() throws {
        let window = ActivityWindow(clock: TestClock().wallClock)
        window.observe(Self.entry(upstreamMs: 123.4))
        let activity = try #require(window.snapshot()["autorender"])
        #expect(activity.upstreamP50 == 123.4)
        #expect(activity.upstreamP99 == 123.4)
    }

    @Test func aSlowTailShowsInP99NotP50() throws {
        let window = ActivityWindow(clock: TestClock().wallClock)
        for _ in 0..<98 { window.observe(Self.entry(upstreamMs: 20)) }
        for _ in 0..<2 { window.observe(Self.entry(upstreamMs: 3000)) }
        let activity = try #require(window.snapshot()["autorender"])
        let p50 = try #require(activity.upstreamP50)
        let p99 = try #require(activity.upstreamP99)
        #expect(abs(p50 - 20) / 20 < 0.1, "p50 \(p50)")
        #expect(abs(p99 - 3000) / 3000 < 0.1, "p99 \(p99)")
    }

    @Test func extremeTimesAreKeptWithinRange() throws {
        let window = ActivityWindow(clock: TestClock().wallClock)
        window.observe(Self.entry(upstreamMs: 0))
        window.observe(Self.entry(upstreamMs: 10_000_000))
        window.observe(Self.entry(upstreamMs: .nan))
        let activity = try #require(window.snapshot()["autorender"])
        #expect(activity.requests == 3)
        #expect(activity.upstreamP50 == 0)
        #expect(activity.upstreamP99 == 10_000_000)
    }
}
