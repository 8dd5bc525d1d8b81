import Foundation
import Synchronization

@testable import SpliceCore

/// A wall clock that moves only when a test says so.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    var wallClock: WallClock { WallClock { self.now } }
}

/// Time for the retry stage that passes only by waiting (or when a test says so): sleeping records the wait and
/// moves both the monotonic and the wall clock, at once.
final class RetryTestClock: Sendable {
    let wall: TestClock
    private let start = ContinuousClock.now
    private let state = Mutex((elapsed: Duration.zero, sleeps: [Duration]()))

    init(wall: TestClock = TestClock()) {
        self.wall = wall
    }

    /// Time since the clock was made.
    var elapsed: Duration { state.withLock { $0.elapsed } }
    /// Every wait asked for, in order.
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func advance(by duration: Duration) {
        state.withLock { $0.elapsed += duration }
        wall.advance(by: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    var retryClock: RetryClock {
        RetryClock(
            now: { self.start + self.elapsed }, wallClock: wall.wallClock,
            sleep: { duration in
                self.state.withLock { $0.sleeps.append(duration) }
                self.advance(by: duration)
            })
    }
}
