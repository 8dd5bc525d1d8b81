import SpliceCore
import Synchronization

/// Lets one operation at a time use the store's single connection, in arrival order.
///
/// An actor is not enough: it interleaves calls at every `await`, and a transaction spans several awaited statements
/// (`BEGIN IMMEDIATE` from a second task inside the first's transaction would fail).
final class SerialGate: Sendable {
    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func run<T>(_ body: () async throws(StateStoreError) -> T) async throws(StateStoreError) -> T {
        await enter()
        defer { leave() }
        return try await body()
    }

    private func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let enteredNow = state.withLock { state in
                guard state.busy else {
                    state.busy = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if enteredNow { continuation.resume() }
        }
    }

    private func leave() {
        // The gate stays busy when handed to the next waiter, so that no newcomer slips in between.
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
