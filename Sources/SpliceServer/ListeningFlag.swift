import Synchronization

/// Remembers whether the server got as far as listening (a failure before that is exit code 2).
package final class ListeningFlag: Sendable {
    private let value = Mutex(false)

    package init() {}

    package func set() { value.withLock { $0 = true } }
    package var isSet: Bool { value.withLock { $0 } }
}
