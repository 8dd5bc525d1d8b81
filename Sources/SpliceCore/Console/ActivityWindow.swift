import Foundation
import Synchronization

/// The last 15 minutes of finished requests, per route and per minute, for the operator's page: counts by outcome
/// code and upstream times. Fixed memory per route (a ring of minute buckets, each with a log-scale histogram of
/// upstream times), so that neither a busy gateway nor a long-running one grows it.
package final class ActivityWindow: FinishedRequestObserver {
    /// How many minutes the window covers.
    package static let minutes = 15

    private let clock: WallClock
    private let routes = Mutex<[String?: Ring]>([:])

    package init(clock: WallClock = .system) {
        self.clock = clock
    }

    /// Counted at the minute it is reported (the request has just finished).
    package func observe(_ entry: LedgerEntry) {
        let minute = Self.minute(of: clock.now())
        routes.withLock { routes in
            routes[entry.route, default: Ring()].add(entry, minute: minute)
        }
    }

    /// What the window holds now, oldest minute first; `nil` stands for requests that named no known route.
    package func snapshot() -> [String?: RouteActivity] {
        let minute = Self.minute(of: clock.now())
        // Summed under the lock rather than copied out: a copy would make the next request copy its bucket.
        return routes.withLock { routes in routes.mapValues { $0.activity(endingAt: minute) } }
    }

    static func minute(of date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 60).rounded(.down))
    }

    /// One route's minutes, each bucket holding the minute it counts (a bucket of an older minute is stale).
    private struct Ring {
        var buckets = [Bucket](repeating: Bucket(), count: ActivityWindow.minutes)

        mutating func add(_ entry: LedgerEntry, minute: Int) {
            let index = Self.index(of: minute)
            if buckets[index].minute != minute { buckets[index].reset(minute: minute) }
            buckets[index].add(entry)
        }

        func activity(endingAt minute: Int) -> RouteActivity {
            var activity = RouteActivity()
            var histogram = UpstreamHistogram()
            var outcomes: [String: Tally] = [:]
            for offset in 0..<ActivityWindow.minutes {
                let wanted = minute - (ActivityWindow.minutes - 1) + offset
                let bucket = buckets[Self.index(of: wanted)]
                guard bucket.minute == wanted else {
                    activity.perMinute.append(MinuteCounts())
                    continue
                }
                activity.perMinute.append(MinuteCounts(requests: bucket.requests, errors: bucket.errors))
                outcomes.merge(bucket.outcomes) { Tally(count: $0.count + $1.count, isError: $0.isError || $1.isError) }
                histogram.merge(bucket.upstream)
            }
            activity.requests = activity.perMinute.reduce(0) { $0 + $1.requests }
            activity.errors = activity.perMinute.reduce(0) { $0 + $1.errors }
            activity.outcomes = outcomes.map { OutcomeCount(code: $0.key, count: $0.value.count, isError: $0.value.isError) }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.code < $1.code }
            activity.upstreamP50 = histogram.percentile(0.50)
            activity.upstreamP99 = histogram.percentile(0.99)
            return activity
        }

        static func index(of minute: Int) -> Int {
            ((minute % ActivityWindow.minutes) + ActivityWindow.minutes) % ActivityWindow.minutes
        }
    }

    private struct Tally {
        var count: Int
        var isError: Bool
    }

    private struct Bucket {
        /// The minute (since 1970) counted here; `Int.min`: never used.
        var minute = Int.min
        var requests = 0
        var errors = 0
        var outcomes: [String: Tally] = [:]
        var upstream = UpstreamHistogram()

        mutating func reset(minute: Int) {
            self.minute = minute
            requests = 0
            errors = 0
            outcomes.removeAll(keepingCapacity: true)
            upstream.reset()
        }

        mutating func add(_ entry: LedgerEntry) {
            requests += 1
            if entry.httpStatus >= 400 { errors += 1 }
            outcomes[entry.outcome, default: Tally(count: 0, isError: false)].count += 1
            if entry.httpStatus >= 400 { outcomes[entry.outcome]?.isError = true }
            if let milliseconds = entry.upstreamMs { upstream.add(milliseconds) }
        }
    }
}

/// One route's last 15 minutes.
package struct RouteActivity: Sendable, Equatable {
    package var requests = 0
    /// Answers of status 400 or more.
    package var errors = 0
    /// Outcome code (`completed`, `upstream_timeout`, ...) and how many, most frequent first.
    package var outcomes: [OutcomeCount] = []
    /// Oldest minute first, the current one last: always `ActivityWindow.minutes` of them.
    package var perMinute: [MinuteCounts] = []
    /// Upstream time in milliseconds, `nil` when no request reached the provider.
    package var upstreamP50: Double?
    package var upstreamP99: Double?

    package init() {}
}

package struct OutcomeCount: Sendable, Equatable {
    package var code: String
    package var count: Int
    /// Answered with a status of 400 or more.
    package var isError: Bool

    package init(code: String, count: Int, isError: Bool) {
        self.code = code
        self.count = count
        self.isError = isError
    }
}

package struct MinuteCounts: Sendable, Equatable {
    package var requests = 0
    package var errors = 0

    package init(requests: Int = 0, errors: Int = 0) {
        self.requests = requests
        self.errors = errors
    }
}

/// Upstream times on a log scale, four bins per doubling from 1/16 ms to about 36 minutes (each bin some 19 % wide),
/// plus the exact smallest and largest: a percentile is the middle of its bin, kept within those two (and is one of
/// them in the first and last bins, which also hold what is off the scale).
struct UpstreamHistogram: Sendable {
    static let binsPerDoubling = 4.0
    /// The first bin starts at 2^-4 ms.
    static let smallestExponent = -4.0
    static let binCount = 100

    private(set) var counts = [Int](repeating: 0, count: UpstreamHistogram.binCount)
    private(set) var total = 0
    private(set) var smallest = Double.infinity
    private(set) var largest = -Double.infinity

    static func bin(of milliseconds: Double) -> Int {
        guard milliseconds > 0, milliseconds.isFinite else { return 0 }
        let position = (log2(milliseconds) - smallestExponent) * binsPerDoubling
        return min(binCount - 1, max(0, Int(position.rounded(.down))))
    }

    /// The geometric middle of `bin`.
    static func middle(of bin: Int) -> Double {
        exp2((Double(bin) + 0.5) / binsPerDoubling + smallestExponent)
    }

    mutating func add(_ milliseconds: Double) {
        guard milliseconds.isFinite, milliseconds >= 0 else { return }
        counts[Self.bin(of: milliseconds)] += 1
        total += 1
        smallest = min(smallest, milliseconds)
        largest = max(largest, milliseconds)
    }

    mutating func merge(_ other: UpstreamHistogram) {
        guard other.total > 0 else { return }
        for bin in 0..<Self.binCount { counts[bin] += other.counts[bin] }
        total += other.total
        smallest = min(smallest, other.smallest)
        largest = max(largest, other.largest)
    }

    mutating func reset() {
        for bin in 0..<Self.binCount { counts[bin] = 0 }
        total = 0
        smallest = .infinity
        largest = -.infinity
    }

    /// The value below which `fraction` of the times fall (nearest rank), `nil` when there is none.
    func percentile(_ fraction: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(total)).rounded(.up)))
        var seen = 0
        for bin in 0..<Self.binCount {
            seen += counts[bin]
            guard seen >= rank else { continue }
            // The first and last bins also hold whatever is below or above the scale.
            if bin == 0 { return smallest }
            if bin == Self.binCount - 1 { return largest }
            return min(largest, max(smallest, Self.middle(of: bin)))
        }
        return largest
    }
}
