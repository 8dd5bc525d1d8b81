import Logging
import Synchronization

/// Writes ledger entries off the request path: a request hands its entry over and goes on; `run()` appends them to
/// the store in batches. While the store cannot be written, entries wait in memory — at most `capacity`; beyond
/// that the oldest are dropped, counted and logged — and are written once it is back.
package final class LedgerRecorder: Sendable {
    /// Entries kept while the store is down (about 300 bytes each: 100,000 is some 30 MB).
    package static let defaultCapacity = 100_000
    static let batchSize = 256

    private struct State {
        var pending: [LedgerEntry] = []
        /// Entries handed over so far, and written so far (dropped ones count as written: nobody waits for them).
        var recorded = 0
        var written = 0
        var dropped = 0
        var writer: CheckedContinuation<Void, Never>?
        var flushes: [(upTo: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var stopping = false
        var storeDown = false
        /// Entries dropped since the store last took a batch, and whether that was logged yet.
        var droppedInOutage = 0
        var dropLogged = false
    }

    private let store: any StateStore
    private let capacity: Int
    private let retryDelay: Duration
    private let logger: Logger
    private let state = Mutex(State())

    package init(
        store: any StateStore, capacity: Int = LedgerRecorder.defaultCapacity, retryDelay: Duration = .seconds(1),
        logger: Logger
    ) {
        self.store = store
        self.capacity = max(1, capacity)
        self.retryDelay = retryDelay
        self.logger = logger
    }

    /// Hands `entry` over; never waits for the store.
    package func record(_ entry: LedgerEntry) {
        let (writer, firstDrop) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
            state.recorded += 1
            state.pending.append(entry)
            let firstDrop = Self.trim(&state, to: capacity)
            defer { state.writer = nil }
            return (state.writer, firstDrop)
        }
        writer?.resume()
        if firstDrop { logDropping() }
    }

    /// How many entries wait for the store now, and how many were dropped because the buffer was full.
    package var backlog: (pending: Int, dropped: Int) {
        state.withLock { ($0.pending.count, $0.dropped) }
    }

    /// Returns once every entry recorded before the call is in the store, or at once while the store is down.
    package func flush() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.written >= state.recorded || state.storeDown || state.stopping { return true }
                state.flushes.append((state.recorded, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Writes entries until `stop()`, then writes what is left (one attempt) and returns.
    package func run() async {
        while true {
            let (batch, stopping) = await nextBatch()
            if batch.isEmpty {
                if stopping { return }
                continue
            }
            do throws(StateStoreError) {
                try await store.append(batch)
                written(batch.count)
            } catch {
                failed(error, putBack: batch)
                if stopping { return }
                try? await Task.sleep(for: retryDelay)
            }
        }
    }

    /// Ends `run()` once what is pending has been tried.
    package func stop() {
        let (writer, flushes) = state.withLock { state in
            state.stopping = true
            defer {
                state.writer = nil
                state.flushes = []
            }
            return (state.writer, state.flushes)
        }
        writer?.resume()
        for flush in flushes { flush.continuation.resume() }
    }

    /// Drops the oldest entries beyond `capacity`; true when this is the outage's first drop (to be logged).
    private static func trim(_ state: inout State, to capacity: Int) -> Bool {
        let excess = state.pending.count - capacity
        guard excess > 0 else { return false }
        state.pending.removeFirst(excess)
        state.dropped += excess
        state.written += excess
        state.droppedInOutage += excess
        defer { state.dropLogged = true }
        return !state.dropLogged
    }

    /// Once per outage: the count comes with the notice that the store is back.
    private func logDropping() {
        logger.error(
            "the ledger's buffer is full while the store is down: the oldest entries are dropped",
            metadata: ["capacity": "\(capacity)"])
    }

    /// Takes the oldest pending entries (put back if they cannot be written), waiting for some when there are none.
    private func nextBatch() async -> (batch: [LedgerEntry], stopping: Bool) {
        while true {
            let ready = state.withLock { state -> (batch: [LedgerEntry], stopping: Bool)? in
                guard !state.pending.isEmpty || state.stopping else { return nil }
                let count = min(Self.batchSize, state.pending.count)
                defer { state.pending.removeFirst(count) }
                return (Array(state.pending.prefix(count)), state.stopping)
            }
            if let ready { return ready }
            await withCheckedContinuation { continuation in
                let wake = state.withLock { state -> Bool in
                    if !state.pending.isEmpty || state.stopping { return true }
                    state.writer = continuation
                    return false
                }
                if wake { continuation.resume() }
            }
        }
    }

    private func written(_ count: Int) {
        let (flushes, recovered, dropped) = state.withLock { state in
            state.written += count
            let recovered = state.storeDown
            state.storeDown = false
            let dropped = state.droppedInOutage
            state.droppedInOutage = 0
            state.dropLogged = false
            let due = state.flushes.filter { $0.upTo <= state.written }
            state.flushes.removeAll { $0.upTo <= state.written }
            return (due, recovered, dropped)
        }
        if recovered || dropped > 0 {
            logger.notice(
                "the state store is back; buffered ledger entries are written", metadata: ["dropped": "\(dropped)"])
        }
        for flush in flushes { flush.continuation.resume() }
    }

    private func failed(_ error: StateStoreError, putBack batch: [LedgerEntry]) {
        let (flushes, first, pending, firstDrop) = state.withLock { state in
            state.pending.insert(contentsOf: batch, at: 0)
            let firstDrop = Self.trim(&state, to: capacity)
            let first = !state.storeDown
            state.storeDown = true
            defer { state.flushes = [] }
            return (state.flushes, first, state.pending.count, firstDrop)
        }
        if firstDrop { logDropping() }
        if first {
            logger.warning(
                "the ledger cannot be written; entries are kept in memory until the store is back",
                metadata: ["reason": "\(error.reason)", "pending": "\(pending)", "capacity": "\(capacity)"])
        }
        for flush in flushes { flush.continuation.resume() }
    }
}
