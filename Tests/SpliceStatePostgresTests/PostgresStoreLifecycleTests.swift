import Foundation
import Logging
import PostgresNIO
import SpliceCore
import Testing

@testable import SpliceStatePostgres

private let now = Date(timeIntervalSince1970: 1_764_000_000)
private let someKey = IdempotencyKey(client: nil, route: "ar", key: "k")

/// `reason` of an `.unavailable` error, or nil for any other outcome.
private func reason(of operation: () async throws(StateStoreError) -> Void) async -> String? {
    do {
        try await operation()
        return nil
    } catch {
        guard case .unavailable(let reason) = error else { return nil }
        return reason
    }
}

@Suite("PostgresStateStore: migrations", .enabled(if: TestDatabase.isAvailable, TestDatabase.skipReason))
struct PostgresMigrationTests {
    @Test("stores starting at once apply each migration once")
    func concurrentMigrations() async throws {
        let schema = TestDatabase.uniqueSchema()
        let stores = try (0..<6).map { _ in try TestDatabase.store(schema: schema, maximumConnections: 2) }
        let failures = await withTaskGroup(of: String?.self) { group in
            for store in stores {
                group.addTask { await reason { () async throws(StateStoreError) in try await store.migrate() } }
            }
            var failures: [String] = []
            for await failure in group { failure.map { failures.append($0) } }
            return failures
        }
        for store in stores { await store.shutdown() }
        #expect(failures == [])
        let versions = try await TestDatabase.withAdmin { connection in
            try await connection.query(
                "SELECT version FROM \(unescaped: schema).splice_schema_migrations ORDER BY version", logger: TestDatabase.logger
            ).collect().map { try $0.decode(Int.self) }
        }
        #expect(versions == Array(1...PostgresStateStore.schemaVersion))
        try await TestDatabase.dropSchema(schema)
    }

    @Test("a schema newer than this Splice knows is refused")
    func newerSchemaRefused() async throws {
        try await TestDatabase.withStore { store, schema async throws in
            try await store.migrate()
            let newer = PostgresStateStore.schemaVersion + 1
            try await TestDatabase.withAdmin { connection in
                try await connection.query(
                    "INSERT INTO \(unescaped: schema).splice_schema_migrations (version) VALUES (\(newer))", logger: TestDatabase.logger
                )
            }
            let later = try TestDatabase.store(schema: schema)
            let failure = await reason { () async throws(StateStoreError) in
                _ = try await later.claim(someKey, fingerprint: "fp", now: now, staleAfter: .seconds(60))
            }
            await later.shutdown()
            #expect(failure?.contains("version \(newer)") == true)
            #expect(failure?.contains("newer") == true)
        }
    }

    @Test("every pooled connection has the store's schema and statement timeout")
    func sessionParameters() async throws {
        try await TestDatabase.withStore { store, schema async throws in
            let (path, timeout) = try await store.withConnection("read settings") { connection in
                let path = try await connection.query("SHOW search_path", logger: TestDatabase.logger).collect().first?.decode(String.self)
                let timeout = try await connection.query("SHOW statement_timeout", logger: TestDatabase.logger).collect().first?
                    .decode(String.self)
                return (path, timeout)
            }
            #expect(path == schema)
            #expect(timeout == "10s")
        }
    }

    @Test("a wrong password: unavailable, and the reason names no password")
    func wrongPassword() async throws {
        var configuration = try TestDatabase.configuration()
        configuration.password = "wrong-\(UUID().uuidString)"
        let password = try #require(configuration.password)
        let store = PostgresStateStore(configuration: configuration, logger: TestDatabase.logger)
        let failure = await reason { () async throws(StateStoreError) in
            _ = try await store.claim(someKey, fingerprint: "fp", now: now, staleAfter: .seconds(60))
        }
        await store.shutdown()
        let text = try #require(failure)
        #expect(!text.contains(password))
        #expect(text.contains("password authentication failed"))
        if let real = TestDatabase.password() { #expect(!text.contains(real)) }
    }

    @Test("after shutdown, calls answer unavailable instead of hanging")
    func afterShutdown() async throws {
        var configuration = try TestDatabase.configuration()
        configuration.schema = TestDatabase.uniqueSchema()
        let store = PostgresStateStore(configuration: configuration, logger: TestDatabase.logger)
        await store.shutdown()
        let failure = await reason { () async throws(StateStoreError) in try await store.append([]) }
        // An empty append does nothing, not even connect; a ledger read must fail.
        #expect(failure == nil)
        let read = await reason { () async throws(StateStoreError) in _ = try await store.ledger(LedgerQuery()) }
        #expect(read != nil)
    }
}

@Suite("PostgresStateStore: a server that is not there")
struct PostgresUnreachableTests {
    @Test("a claim against a port nothing listens on answers unavailable before the connect timeout, naming no password")
    func unreachable() async throws {
        let password = "do-not-print-\(UUID().uuidString)"
        let configuration = PostgresStateStore.Configuration(
            host: "127.0.0.1", port: 1, user: "splice", password: password, database: "splice", tls: .disable,
            connectTimeout: .seconds(30)
        )
        let store = PostgresStateStore(configuration: configuration, logger: TestDatabase.logger)
        let clock = ContinuousClock()
        var failure: String?
        let elapsed = await clock.measure {
            failure = await reason { () async throws(StateStoreError) in
                _ = try await store.claim(someKey, fingerprint: "fp", now: now, staleAfter: .seconds(60))
            }
        }
        await store.shutdown()
        let text = try #require(failure)
        // The direct probe finds the refusal after a second: the call does not wait out the 30 s.
        #expect(elapsed < .seconds(10))
        #expect(text.contains("cannot connect"))
        #expect(!text.contains(password))
        #expect(text.contains("127.0.0.1:1"))
        let error = StateStoreError.unavailable(text)
        #expect(!String(describing: error).contains(password))
        #expect(!String(reflecting: error).contains(password))
    }

    @Test("the URL is parsed, and neither its errors nor the configuration's description show the password")
    func urls() throws {
        let configuration = try PostgresStateStore.Configuration(
            url: "postgres://spl%40ice:p%40ss-secret@db.example:6543/splice_state?sslmode=require"
        )
        #expect(configuration.user == "spl@ice")
        #expect(configuration.password == "p@ss-secret")
        #expect(configuration.host == "db.example")
        #expect(configuration.port == 6543)
        #expect(configuration.database == "splice_state")
        #expect(configuration.tls == .require)
        #expect(!String(describing: configuration).contains("secret"))
        #expect(try PostgresStateStore.Configuration(url: "postgresql://u:p@h/db").port == 5432)

        for bad in [
            "mysql://u:secret@h/db", "postgres://u:secret@/db", "postgres://:secret@h/db", "postgres://u:secret@h",
            "postgres://u:secret@h/db?sslmode=verify-full", "postgres://u:secret@h/db?application=x", "postgres://u:secret@h:0/db",
        ] {
            let error = #expect(throws: PostgresStateStore.InvalidURL.self) { try PostgresStateStore.Configuration(url: bad) }
            #expect(error.map { !String(describing: $0).contains("secret") } == true, "\(bad)")
        }
    }
}
