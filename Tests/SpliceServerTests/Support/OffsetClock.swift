import Foundation
import SpliceCore
import Synchronization

/// The gateway's wall clock, ahead of real time by what a test says: the emulators keep real time, so the
/// gateway can be made to see its tokens near or past expiry without the test sleeping.
final class OffsetClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    func advance(by seconds: TimeInterval) {
        offset.withLock { $0 += seconds }
    }

    var wallClock: WallClock { WallClock { Date().addingTimeInterval(self.offset.withLock { $0 }) } }
}
