import Foundation
import SpliceCore
import Testing

@testable import SpliceStatePostgres

private func entry(_ index: Int, route: String? = "ar", client: String? = "studio", timeMs: Int64) -> LedgerEntry {
    LedgerEntry(
        time: Date(timeIntervalSince1970: TimeInterval(timeMs) / 1000), requestId: "req-\(index)", client: client, route: route,
        provider: "autorender", kind: .complete, action: "complete", outcome: "completed", httpStatus: 200, totalMs: 1.5
    )
}

@Suite("PostgresStateStore: the ledger", .enabled(if: TestDatabase.isAvailable, TestDatabase.skipReason))
struct PostgresLedgerTests {
    @Test("every field round-trips, nils included, time to the exact millisecond")
    func roundTrip() async throws {
        try await TestDatabase.withStore { store, _ async throws in
            let full = LedgerEntry(
                time: Date(timeIntervalSince1970: 1_764_000_000.123), requestId: "req-full", client: "studio", route: "tenovos",
                provider: "tenovos", kind: .passthrough, action: "PUT /api/v2/assets/1", uploadId: "up-1", fileId: "file-1",
                outcome: "upstream_rejected", httpStatus: 502, upstreamStatus: 400, attempts: 2, upstreamMs: 12.25, totalMs: 13.5,
                idempotencyKey: "idem-1", replayed: true
            )
            let bare = LedgerEntry(
                time: Date(timeIntervalSince1970: 1_764_000_000.001), requestId: "req-bare", client: nil, route: nil, provider: nil,
                kind: .complete, action: "complete", outcome: "unknown_route", httpStatus: 404, totalMs: 0.25
            )
            try await store.append([bare, full])
            let entries = try await store.ledger(LedgerQuery())
            #expect(entries == [full, bare])
            // The millisecond is kept exactly, not approximately.
            #expect(entries.first.map { ($0.time.timeIntervalSince1970 * 1000).rounded() } == 1_764_000_000_123)
        }
    }

    @Test("a time between milliseconds is kept to the nearest millisecond")
    func subMillisecond() async throws {
        try await TestDatabase.withStore { store, _ async throws in
            var between = entry(1, timeMs: 0)
            between.time = Date(timeIntervalSince1970: 1_764_000_000.1236)
            try await store.append([between])
            let stored = try await store.ledger(LedgerQuery())
            #expect(stored.first?.time == Date(timeIntervalSince1970: 1_764_000_000.124))
        }
    }

    @Test("filters by route, client and since (inclusive), newest first")
    func filters() async throws {
        try await TestDatabase.withStore { store, _ async throws in
            try await store.append([
                entry(1, route: "ar", client: "studio", timeMs: 1_000),
                entry(2, route: "ar", client: "other", timeMs: 2_000),
                entry(3, route: "tenovos", client: "studio", timeMs: 3_000),
                entry(4, route: nil, client: nil, timeMs: 4_000),
            ])
            func ids(_ query: LedgerQuery) async throws -> [String] { try await store.ledger(query).map(\.requestId) }
            #expect(try await ids(LedgerQuery()) == ["req-4", "req-3", "req-2", "req-1"])
            #expect(try await ids(LedgerQuery(route: "ar")) == ["req-2", "req-1"])
            #expect(try await ids(LedgerQuery(client: "studio")) == ["req-3", "req-1"])
            #expect(try await ids(LedgerQuery(route: "ar", client: "studio")) == ["req-1"])
            #expect(try await ids(LedgerQuery(since: Date(timeIntervalSince1970: 2))) == ["req-4", "req-3", "req-2"])
            #expect(try await ids(LedgerQuery(route: "ar", since: Date(timeIntervalSince1970: 2.001))) == [])
            #expect(try await ids(LedgerQuery(limit: 2)) == ["req-4", "req-3"])
        }
    }

    @Test("entries of the same millisecond: the later append is the newer")
    func ties() async throws {
        try await TestDatabase.withStore { store, _ async throws in
            try await store.append([entry(1, timeMs: 5_000), entry(2, timeMs: 5_000)])
            try await store.append([entry(3, timeMs: 5_000)])
            #expect(try await store.ledger(LedgerQuery()).map(\.requestId) == ["req-3", "req-2", "req-1"])
        }
    }

    @Test("the limit is clamped to 1...1000; a backlog larger than one INSERT is written whole")
    func limitClamp() async throws {
        try await TestDatabase.withStore { store, _ async throws in
            let backlog = (0..<1_205).map { entry($0, timeMs: 1_000 + Int64($0)) }
            try await store.append(backlog)
            let all = try await store.ledger(LedgerQuery(limit: 5_000))
            #expect(all.count == LedgerQuery.maximumLimit)
            #expect(all.first?.requestId == "req-1204")
            #expect(try await store.ledger(LedgerQuery(limit: 0)).map(\.requestId) == ["req-1204"])
            #expect(try await store.ledger(LedgerQuery(limit: -3)).count == 1)
            #expect(try await store.ledger(LedgerQuery(since: Date(timeIntervalSince1970: 2.2))).count == 5)
            try await store.append([])
        }
    }
}
