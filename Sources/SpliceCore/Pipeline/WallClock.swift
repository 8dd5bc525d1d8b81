import Foundation

/// The wall clock, for what is about dates rather than durations: Huawei's `X-Sdk-Date`, Tenovos token expiry.
/// Injected so that tests move time instead of sleeping.
package struct WallClock: Sendable {
    package let now: @Sendable () -> Date

    package init(now: @escaping @Sendable () -> Date) {
        self.now = now
    }

    package static let system = WallClock { Date() }
}
