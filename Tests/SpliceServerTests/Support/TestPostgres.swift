import Foundation
import Logging
import PostgresNIO
import SpliceCore
import Testing

@testable import SpliceStatePostgres

/// The PostgreSQL servers of `.ci/postgres.sh` (the same policy as `Tests/SpliceStatePostgresTests/TestDatabase.swift`:
/// skipped without `SPLICE_TEST_POSTGRES_URL`, failed when `CI` is set and it is missing). Each test works in a schema
/// of its own, dropped afterwards.
enum TestPostgres {
    static let logger: Logger = {
        var logger = Logger(label: "splice.test.postgres")
        logger.logLevel = .error
        return logger
    }()
    private static let environment = ProcessInfo.processInfo.environment
    static let url = environment["SPLICE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// The second server, used only by the test that stops and starts it, and the script that does so.
    static let outageURL = environment["SPLICE_TEST_POSTGRES_OUTAGE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let control = environment["SPLICE_TEST_POSTGRES_CTL"].flatMap { $0.isEmpty ? nil : $0 }
    static var isAvailable: Bool { url != nil }
    static var canRestart: Bool { outageURL != nil && control != nil }
    static let skipReason: Comment =
        "SPLICE_TEST_POSTGRES_URL is not set: skipped (run `.ci/postgres.sh start` and source the file it names)"
    static let noRestartReason: Comment =
        "SPLICE_TEST_POSTGRES_OUTAGE_URL or SPLICE_TEST_POSTGRES_CTL is not set: skipped (see `.ci/postgres.sh`)"

    struct MissingServer: Error {}

    /// A generous connect timeout: CI runs every suite at once on two cores.
    static func configuration(url: String?, schema: String) throws -> PostgresStateStore.Configuration {
        guard let url else { throw MissingServer() }
        var configuration = try PostgresStateStore.Configuration(url: url)
        configuration.connectTimeout = .seconds(20)
        configuration.schema = schema
        configuration.maximumConnections = 4
        return configuration
    }

    static func uniqueSchema() -> String {
        "splice_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// `count` stores on one fresh schema, each with its own pool (as that many Splice instances would have); all shut
    /// down and the schema dropped afterwards.
    static func withStores<Result>(
        _ count: Int, url: String? = TestPostgres.url, _ body: ([PostgresStateStore], String) async throws -> Result
    ) async throws -> Result {
        let schema = uniqueSchema()
        let configuration = try configuration(url: url, schema: schema)
        let stores = (0..<count).map { _ in PostgresStateStore(configuration: configuration, logger: logger) }
        let result: Swift.Result<Result, any Error>
        do {
            // Migrated once up front, so that the first requests do not all wait on the migration lock.
            try await stores[0].migrate()
            result = .success(try await body(stores, schema))
        } catch {
            result = .failure(error)
        }
        for store in stores { await store.shutdown() }
        try? await dropSchema(schema, url: url)
        return try result.get()
    }

    /// Every row of `table` in `schema` as text, `bytea` columns decoded as UTF-8 (so that a secret in a stored answer
    /// shows as itself, not as hex).
    static func rowsAsText(_ table: String, schema: String, url: String? = TestPostgres.url) async throws -> [String] {
        let sql =
            table == "splice_idempotency_keys"
            ? "SELECT t::text || ' ' || coalesce(convert_from(t.body, 'UTF8'), '') FROM \(schema).\(table) t"
            : "SELECT t::text FROM \(schema).\(table) t"
        return try await withAdmin(url: url, schema: schema) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect().map {
                try $0.decode(String.self)
            }
        }
    }

    static func dropSchema(_ schema: String, url: String?) async throws {
        try await withAdmin(url: url, schema: schema) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"), logger: logger)
        }
    }

    /// Runs SQL on a connection of its own (no migration).
    @discardableResult
    private static func withAdmin<Result: Sendable>(
        url: String?, schema: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let admin = PostgresStateStore(configuration: try configuration(url: url, schema: schema), logger: logger)
        do {
            let result = try await admin.withConnection("run a test's SQL", body)
            await admin.shutdown()
            return result
        } catch {
            await admin.shutdown()
            throw error
        }
    }

    /// Runs `SPLICE_TEST_POSTGRES_CTL stop|start` (pg_ctl, waiting until the server is down or up).
    /// Runs the cluster's stop/start script and waits for it (polling `waitpid`: Foundation's `Process` never
    /// reported the end of `start`, the server it leaves running holding what Foundation waits on).
    static func control(_ command: String) async throws {
        guard let control else { throw MissingServer() }
        let devNull = open("/dev/null", O_WRONLY)
        defer { close(devNull) }
        let child = try ChildProcess(
            executable: control, arguments: [command], environment: ProcessInfo.processInfo.environment,
            directory: FileManager.default.currentDirectoryPath, output: devNull)
        while child.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        let status = child.terminationStatus
        guard status == 0 else { throw ControlFailed(command: command, status: status) }
    }

    struct ControlFailed: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var description: String { "SPLICE_TEST_POSTGRES_CTL \(command) exited with \(status)" }
    }
}

/// CI must not pass by skipping the several-instances tests: with `CI` set, a missing server fails.
@Test("CI gives the server tests a PostgreSQL, and one they may restart")
func ciHasPostgresForServerTests() {
    guard ProcessInfo.processInfo.environment["CI"] != nil else { return }
    if !TestPostgres.isAvailable {
        Issue.record("CI is set but SPLICE_TEST_POSTGRES_URL is not: .ci/run must start .ci/postgres.sh and source its file")
    }
    if !TestPostgres.canRestart {
        Issue.record("CI is set but SPLICE_TEST_POSTGRES_OUTAGE_URL or SPLICE_TEST_POSTGRES_CTL is not (.ci/postgres.sh writes them)")
    }
}
