import Foundation
import Logging
import Synchronization
import Testing

@testable import SpliceCore

/// A store whose ledger can be switched off; it keeps what it was given.
private final class SwitchableLedgerStore: StateStore {
    let down = Atomic(true)
    let entries = Mutex<[LedgerEntry]>([])

    func claim(_ key: IdempotencyKey, fingerprint: String, now: Date, staleAfter: Duration) async throws(StateStoreError)
        -> IdempotencyClaim
    { .claimed }
    func finish(_ key: IdempotencyKey, answer: StoredAnswer, expiresAt: Date) async throws(StateStoreError) {}
    func release(_ key: IdempotencyKey) async throws(StateStoreError) {}
    func removeExpired(now: Date) async throws(StateStoreError) -> Int { 0 }
    func append(_ entries: [LedgerEntry]) async throws(StateStoreError) {
        if down.load(ordering: .relaxed) { throw .unavailable("down for the test") }
        self.entries.withLock { $0.append(contentsOf: entries) }
    }
    func ledger(_ query: LedgerQuery) async throws(StateStoreError) -> [LedgerEntry] { entries.withLock { $0 } }
    func shutdown() async {}
}

/// Collects log messages with their level and metadata.
private struct CollectingLogHandler: LogHandler {
    let sink: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        sink.lines.withLock { $0.append((event.level, "\(event.message)", event.metadata ?? [:])) }
    }
}

private final class LogLines: Sendable {
    let lines = Mutex<[(Logger.Level, String, Logger.Metadata)]>([])
}

@Suite struct LedgerRecorderTests {
    static func entry(_ index: Int) -> LedgerEntry {
        LedgerEntry(
            time: Date(timeIntervalSince1970: 1_764_000_000), requestId: "r\(index)", client: nil, route: "ar",
            provider: "autorender", kind: .complete, action: "complete", outcome: "completed", httpStatus: 200,
            totalMs: 1)
    }

    @Test("a full buffer drops the oldest entries, logs it once, and reports the count when the store is back")
    func droppedEntriesAreLogged() async throws {
        let store = SwitchableLedgerStore()
        let log = LogLines()
        let logger = Logger(label: "test") { _ in CollectingLogHandler(sink: log) }
        let recorder = LedgerRecorder(store: store, capacity: 3, retryDelay: .milliseconds(10), logger: logger)
        let writer = Task { await recorder.run() }
        for index in 0..<5 { recorder.record(Self.entry(index)) }
        // Wait until the recorder has met the store down (the backlog stays at capacity).
        while !log.lines.withLock({ $0.contains { $0.1.hasPrefix("the ledger cannot be written") } }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(recorder.backlog.pending == 3)
        #expect(recorder.backlog.dropped == 2)
        let drops = log.lines.withLock { $0.filter { $0.1.contains("the oldest entries are dropped") } }
        #expect(drops.count == 1)
        #expect(drops.first?.0 == .error)

        store.down.store(false, ordering: .relaxed)
        await recorder.flush()
        while recorder.backlog.pending > 0 { try await Task.sleep(for: .milliseconds(10)) }
        recorder.stop()
        await writer.value
        #expect(store.entries.withLock { $0.map(\.requestId) } == ["r2", "r3", "r4"])
        let back = log.lines.withLock { $0.first { $0.1.hasPrefix("the state store is back") } }
        #expect(back?.2["dropped"] == "2")
    }
}
