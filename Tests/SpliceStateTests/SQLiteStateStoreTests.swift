import Foundation
import SQLiteNIO
import SpliceCore
import Testing

@testable import SpliceState

@Suite struct SQLiteStateStoreTests {
    /// A fresh temporary folder; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splice-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Runs `body` with a store on a new file, and shuts it down whatever happens.
    static func withStore(_ body: (SQLiteStateStore, String) async throws -> Void) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        let store = try await SQLiteStateStore(path: path)
        do {
            try await body(store, path)
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }

    /// Runs one statement on the file through a connection of its own, as another program would.
    static func rawQuery(_ path: String, _ sql: String) async throws -> [SQLiteRow] {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        do {
            let rows = try await connection.query(sql)
            try await connection.close()
            return rows
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func reason(_ error: any Error) -> String {
        guard case .unavailable(let reason) = error as? StateStoreError else { return "not a StateStoreError: \(error)" }
        return reason
    }

    // MARK: - The store-agnostic checks

    @Test(arguments: StateStoreConformance.checks)
    func conformance(_ check: StateStoreConformance.Check) async throws {
        try await Self.withStore { store, _ in try await check.run(store) }
    }

    // MARK: - SQLite only

    /// A backlog is written many rows per statement: one that is not a multiple of the rows per statement loses none.
    @Test func aBacklogLargerThanOneStatementIsWrittenWhole() async throws {
        try await Self.withStore { store, _ in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let count = SQLiteStateStore.rowsPerInsert * 3 + 7
            let entries = (0..<count).map {
                StateStoreConformance.entry("r\($0)", at: start.addingTimeInterval(Double($0) / 1000))
            }
            try await store.append(entries)
            let read = try await store.ledger(LedgerQuery(limit: LedgerQuery.maximumLimit))
            #expect(read.count == count)
            #expect(read.map(\.requestId) == entries.reversed().map(\.requestId))
        }
    }

    @Test func walModeIsOn() async throws {
        try await Self.withStore { _, path in
            // WAL is a property of the file: another connection sees it.
            let rows = try await Self.rawQuery(path, "PRAGMA journal_mode")
            #expect(rows.first?.column("journal_mode")?.string == "wal")
        }
    }

    @Test func migrationsRecordedOnceAcrossReopens() async throws {
        try await Self.withStore { store, path in
            await store.shutdown()
            for _ in 0..<2 {
                let reopened = try await SQLiteStateStore(path: path)
                await reopened.shutdown()
            }
            let rows = try await Self.rawQuery(path, "SELECT version, applied_at FROM schema_migrations ORDER BY version")
            #expect(rows.compactMap { $0.column("version")?.integer } == Array(1...SQLiteStateStore.schemaVersion))
            #expect(rows.allSatisfy { ($0.column("applied_at")?.integer ?? 0) > 0 })
            let tables = try await Self.rawQuery(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            #expect(tables.compactMap { $0.column("name")?.string } == ["idempotency_keys", "ledger", "schema_migrations"])
        }
    }

    @Test func futureSchemaIsRefused() async throws {
        try await Self.withStore { store, path in
            await store.shutdown()
            let future = SQLiteStateStore.schemaVersion + 1
            _ = try await Self.rawQuery(path, "INSERT INTO schema_migrations (version, applied_at) VALUES (\(future), 0)")
            do {
                let reopened = try await SQLiteStateStore(path: path)
                await reopened.shutdown()
                Issue.record("a database of schema version \(future) was opened")
            } catch {
                let reason = Self.reason(error)
                #expect(reason.contains("schema version \(future)"))
                #expect(reason.contains("newer than this Splice knows (\(SQLiteStateStore.schemaVersion))"))
            }
        }
    }

    @Test func unwritablePathIsUnavailable() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A path under a regular file cannot be created, even by root.
        let file = directory.appendingPathComponent("not-a-folder")
        try Data("x".utf8).write(to: file)
        let path = file.appendingPathComponent("state.db").path
        do {
            let store = try await SQLiteStateStore(path: path)
            await store.shutdown()
            Issue.record("a store was opened at \(path)")
        } catch {
            #expect(Self.reason(error).hasPrefix("SQLite state store: cannot open \(path)"))
        }
    }

    @Test func dataSurvivesCloseAndReopen() async throws {
        let key = StateStoreConformance.key()
        let t0 = StateStoreConformance.t0
        let entry = StateStoreConformance.entry("r1", at: t0)
        try await Self.withStore { store, path in
            #expect(try await store.claim(key, fingerprint: "fp", now: t0, staleAfter: .seconds(60)) == .claimed)
            try await store.finish(key, answer: StateStoreConformance.answer, expiresAt: t0 + 3600)
            try await store.append([entry])
            await store.shutdown()

            let reopened = try await SQLiteStateStore(path: path)
            let claim = try await reopened.claim(key, fingerprint: "fp", now: t0 + 1, staleAfter: .seconds(60))
            let entries = try await reopened.ledger(LedgerQuery())
            await reopened.shutdown()
            #expect(claim == .replay(StateStoreConformance.answer))
            #expect(entries == [entry])
        }
    }

    /// Two connections to one file (as two processes would have): `BEGIN IMMEDIATE` still gives one `.claimed`.
    @Test func twoStoresOnOneFileClaimOnce() async throws {
        try await Self.withStore { first, path in
            let second = try await SQLiteStateStore(path: path)
            let stores: [any StateStore] = [first, second]
            let key = StateStoreConformance.key("shared")
            let t0 = StateStoreConformance.t0
            let claims = await withTaskGroup(of: IdempotencyClaim?.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try? await stores[index % 2].claim(key, fingerprint: "fp", now: t0, staleAfter: .seconds(60))
                    }
                }
                var claims: [IdempotencyClaim?] = []
                for await claim in group { claims.append(claim) }
                return claims
            }
            await second.shutdown()
            #expect(claims.filter { $0 == .claimed }.count == 1)
            #expect(claims.filter { $0 == .inFlight }.count == 39)
        }
    }

    @Test func closedStoreIsUnavailable() async throws {
        try await Self.withStore { store, _ in
            await store.shutdown()
            await store.shutdown()  // a second shutdown is harmless
            await #expect(throws: StateStoreError.unavailable("the SQLite state store is closed")) {
                try await store.ledger(LedgerQuery())
            }
        }
    }
}
