import Logging
import PostgresNIO
import SpliceCore

/// The database holds a Splice schema newer than this Splice knows: writing to it could lose what the newer one keeps.
struct SchemaTooNew: Error {
    var found: Int
    var known: Int
}

extension PostgresStateStore {
    /// The schema's versions, in order: version N is `migrations[N - 1]`. Append a step for every change; never edit
    /// one that shipped. The tables match the SQLite store's, column for column.
    static let migrations: [[String]] = [
        // 1: idempotency keys and the ledger.
        [
            """
            CREATE TABLE splice_idempotency_keys (
                client text NOT NULL,
                route text NOT NULL,
                key text NOT NULL,
                fingerprint text NOT NULL,
                state text NOT NULL CHECK (state IN ('in_flight', 'final')),
                claimed_at timestamptz NOT NULL,
                status integer,
                body bytea,
                request_id text,
                expires_at timestamptz,
                PRIMARY KEY (client, route, key)
            )
            """,
            "CREATE INDEX splice_idempotency_keys_expires_at ON splice_idempotency_keys (expires_at) WHERE state = 'final'",
            """
            CREATE TABLE splice_ledger (
                id bigserial PRIMARY KEY,
                time_ms bigint NOT NULL,
                request_id text NOT NULL,
                client text,
                route text,
                provider text,
                kind text NOT NULL,
                action text NOT NULL,
                upload_id text,
                file_id text,
                outcome text NOT NULL,
                http_status integer NOT NULL,
                upstream_status integer,
                attempts integer NOT NULL,
                upstream_ms double precision,
                total_ms double precision NOT NULL,
                idempotency_key text,
                replayed boolean NOT NULL
            )
            """,
            "CREATE INDEX splice_ledger_time ON splice_ledger (time_ms)",
            "CREATE INDEX splice_ledger_route_time ON splice_ledger (route, time_ms)",
            "CREATE INDEX splice_ledger_client_time ON splice_ledger (client, time_ms)",
        ]
    ]

    /// The newest schema version this Splice writes.
    package static var schemaVersion: Int { migrations.count }

    /// The advisory lock every Splice instance takes to migrate: instances starting together apply each step once.
    /// The name whose hash is the migrations' advisory lock (`pg_advisory_xact_lock(hashtextextended(name, 0))`).
    static func migrationLockName(schema: String?) -> String {
        "splice-migrations:" + (schema ?? "")
    }

    /// Applies the versions the database lacks, all in one transaction under the migration lock.
    func applyMigrations() async throws(StateStoreError) {
        let schema = configuration.schema
        if let schema, !Self.isPlainIdentifier(schema) {
            throw .unavailable("the PostgreSQL schema name '\(schema)' is not lowercase letters, digits and _")
        }
        let logger = self.logger
        let lockName = Self.migrationLockName(schema: schema)
        let steps = Self.migrations
        let applied = try await withConnection("migrate the schema") { connection in
            try await connection.withTransaction(logger: logger) { connection in
                // Held until COMMIT or ROLLBACK: a second instance on the same schema waits here, then finds the steps
                // applied. One lock per schema: stores of different schemas never wait for each other.
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(lockName), 0))", logger: logger)
                if let schema {
                    try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)", logger: logger)
                }
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS splice_schema_migrations (
                        version integer PRIMARY KEY,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """,
                    logger: logger
                )
                let rows = try await connection.query(
                    "SELECT coalesce(max(version), 0) FROM splice_schema_migrations", logger: logger
                ).collect()
                let current = try rows.first?.decode(Int.self) ?? 0
                guard current <= steps.count else { throw SchemaTooNew(found: current, known: steps.count) }
                var applied: [Int] = []
                for version in (current + 1)..<(steps.count + 1) {
                    for statement in steps[version - 1] {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("INSERT INTO splice_schema_migrations (version) VALUES (\(version))", logger: logger)
                    applied.append(version)
                }
                return applied
            }
        }
        if !applied.isEmpty {
            logger.info("state store schema migrated", metadata: ["versions": "\(applied)", "server": "\(configuration)"])
        }
    }

    private static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63, first == UInt8(ascii: "_") || (0x61...0x7A).contains(first)
        else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
    }
}
