import Foundation
import SQLiteNIO
import SpliceCore

extension SQLiteStateStore {
    /// One step of the schema, applied once, in its own transaction, and recorded in `schema_migrations`.
    struct Migration: Sendable {
        var version: Int
        var statements: [String]
    }

    /// The schema, oldest first. Append a step to change it; never edit a released one (files already carry it).
    static let migrations: [Migration] = [
        Migration(
            version: 1,
            statements: [
                // `client` is '' for anonymous: NULLs would be distinct and let one key be claimed twice.
                """
                CREATE TABLE idempotency_keys (
                    client TEXT NOT NULL,
                    route TEXT NOT NULL,
                    key TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('in_flight', 'final')),
                    claimed_at INTEGER NOT NULL,
                    status INTEGER,
                    body BLOB,
                    request_id TEXT,
                    expires_at INTEGER,
                    PRIMARY KEY (client, route, key)
                )
                """,
                "CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at) WHERE state = 'final'",
                // Times are integer milliseconds since 1970; `id` orders entries of the same millisecond.
                """
                CREATE TABLE ledger (
                    id INTEGER PRIMARY KEY,
                    time INTEGER NOT NULL,
                    request_id TEXT NOT NULL,
                    client TEXT,
                    route TEXT,
                    provider TEXT,
                    kind TEXT NOT NULL,
                    action TEXT NOT NULL,
                    upload_id TEXT,
                    file_id TEXT,
                    outcome TEXT NOT NULL,
                    http_status INTEGER NOT NULL,
                    upstream_status INTEGER,
                    attempts INTEGER NOT NULL,
                    upstream_ms REAL,
                    total_ms REAL NOT NULL,
                    idempotency_key TEXT,
                    replayed INTEGER NOT NULL
                )
                """,
                "CREATE INDEX ledger_time ON ledger (time)",
                "CREATE INDEX ledger_route_time ON ledger (route, time)",
                "CREATE INDEX ledger_client_time ON ledger (client, time)",
            ]
        )
    ]

    /// The newest schema version this Splice knows.
    package static var schemaVersion: Int { migrations.last?.version ?? 0 }

    /// Applies the steps the file lacks; refuses a file from a newer Splice rather than guess at its schema.
    static func migrate(_ connection: SQLiteConnection, path: String) async throws(StateStoreError) {
        try await run(
            connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
            doing: "create schema_migrations")
        let current = try await appliedVersion(connection)
        guard current <= schemaVersion else {
            throw .unavailable(
                "SQLite state store: \(path) has schema version \(current), newer than this Splice knows (\(schemaVersion)); "
                    + "run a newer Splice")
        }
        for migration in migrations where migration.version > current {
            try await transaction(connection, doing: "migrate to schema version \(migration.version)") { () async throws(StateStoreError) in
                // Another process may have applied it meanwhile: look again under the write lock.
                guard try await appliedVersion(connection) < migration.version else { return }
                for statement in migration.statements {
                    try await run(connection, statement, doing: "migrate to schema version \(migration.version)")
                }
                try await run(
                    connection, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    [.integer(migration.version), .integer(milliseconds(Date()))], doing: "record schema version \(migration.version)")
            }
        }
    }

    static func appliedVersion(_ connection: SQLiteConnection) async throws(StateStoreError) -> Int {
        let rows = try await run(connection, "SELECT MAX(version) AS version FROM schema_migrations", doing: "read the schema version")
        return rows.first?.column("version")?.integer ?? 0
    }
}
