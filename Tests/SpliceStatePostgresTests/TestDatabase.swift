import Foundation
import Logging
import PostgresNIO
import SpliceCore
import Testing

@testable import SpliceStatePostgres

/// The PostgreSQL server the tests use: `SPLICE_TEST_POSTGRES_URL` (`.ci/postgres.sh start` writes it). Each test
/// works in a schema of its own, dropped afterwards, so tests run in parallel on one database.
enum TestDatabase {
    /// Errors only: the pool logs every failed connect at `info`, and some tests fail connects on purpose.
    static let logger: Logger = {
        var logger = Logger(label: "splice.test.postgres")
        logger.logLevel = .error
        return logger
    }()
    static let url = ProcessInfo.processInfo.environment["SPLICE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var isAvailable: Bool { url != nil }
    static let skipReason: Comment =
        "SPLICE_TEST_POSTGRES_URL is not set: skipped (run `.ci/postgres.sh start` and source the file it names)"

    /// The server's configuration with no schema of its own. A generous connect timeout: CI runs every suite at
    /// once on two cores, where opening a connection (SCRAM included) can take seconds.
    static func configuration() throws -> PostgresStateStore.Configuration {
        guard let url else { throw MissingServer() }
        var configuration = try PostgresStateStore.Configuration(url: url)
        configuration.connectTimeout = .seconds(20)
        return configuration
    }

    static func password() -> String? {
        (try? configuration())?.password
    }

    /// A schema name no other test uses.
    static func uniqueSchema() -> String {
        "splice_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// A store in a fresh schema; `body` gets it and the schema, both shut down and dropped afterwards.
    static func withStore<Result>(
        maximumConnections: Int = 4, _ body: (PostgresStateStore, String) async throws -> Result
    ) async throws -> Result {
        let schema = uniqueSchema()
        var configuration = try configuration()
        configuration.schema = schema
        configuration.maximumConnections = maximumConnections
        let store = PostgresStateStore(configuration: configuration, logger: TestDatabase.logger)
        do {
            let result = try await body(store, schema)
            await store.shutdown()
            try await dropSchema(schema)
            return result
        } catch {
            await store.shutdown()
            try? await dropSchema(schema)
            throw error
        }
    }

    /// A store on `schema` (for tests that need several instances on one schema).
    static func store(schema: String, maximumConnections: Int = 4) throws -> PostgresStateStore {
        var configuration = try configuration()
        configuration.schema = schema
        configuration.maximumConnections = maximumConnections
        return PostgresStateStore(configuration: configuration, logger: TestDatabase.logger)
    }

    /// Runs SQL outside any store's schema handling (no migration).
    @discardableResult
    static func withAdmin<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let admin = PostgresStateStore(configuration: try configuration(), logger: TestDatabase.logger)
        do {
            let result = try await admin.withConnection("run a test's SQL", body)
            await admin.shutdown()
            return result
        } catch {
            await admin.shutdown()
            throw error
        }
    }

    static func dropSchema(_ schema: String) async throws {
        try await withAdmin { connection in
            try await connection.query("DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE", logger: logger)
        }
    }
}

struct MissingServer: Error {}

/// CI must not pass by skipping every PostgreSQL test: with `CI` set, a missing server fails.
@Test("CI gives the PostgreSQL tests a server")
func ciHasPostgres() {
    if ProcessInfo.processInfo.environment["CI"] != nil, !TestDatabase.isAvailable {
        Issue.record("CI is set but SPLICE_TEST_POSTGRES_URL is not: .ci/run must start .ci/postgres.sh and source its file")
    }
}
