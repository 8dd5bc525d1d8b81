import Foundation
import Logging
import NIOCore
import PostgresNIO
import SpliceCore
import Synchronization

/// The state store of several Splice instances sharing one PostgreSQL database: idempotency claims that hold across
/// instances (the database decides who claims a key, in one statement) and one ledger for all of them.
///
/// Lifecycle: `init` starts the connection pool in a task the store owns; nothing connects until the first call.
/// The schema is migrated before the first operation (or eagerly with `migrate()`), and a failed migration is retried
/// by the next call, so a database that is down at start-up makes calls answer `.unavailable` until it is back.
/// `shutdown()` cancels the pool's task and waits for it.
package final class PostgresStateStore: StateStore {
    package let configuration: Configuration
    let client: PostgresClient
    let logger: Logger
    private let runTask: Task<Void, Never>
    private let migrationState = Mutex(MigrationState.idle)
    /// The last finding of `diagnoseNoConnection()`.
    let lastDiagnosis = Mutex<Diagnosis?>(nil)

    private enum MigrationState {
        case idle
        case running(Task<Void, any Error>)
        case done
    }

    package init(configuration: Configuration, logger: Logger = Logger(label: "splice.state.postgres")) {
        self.configuration = configuration
        self.logger = logger
        let client = PostgresClient(configuration: Self.clientConfiguration(configuration), backgroundLogger: logger)
        self.client = client
        self.runTask = Task { await client.run() }
    }

    private static func clientConfiguration(_ configuration: Configuration) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch configuration.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var client = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user, password: configuration.password,
            database: configuration.database, tls: tls
        )
        client.options.maximumConnections = max(1, configuration.maximumConnections)
        client.options.connectTimeout = configuration.connectTimeout
        // Run-time parameters in the startup message: every connection gets them, pooled or new.
        var parameters = [("statement_timeout", "\(wholeMilliseconds(configuration.statementTimeout))")]
        if let schema = configuration.schema {
            parameters.append(("search_path", schema))
        }
        client.options.additionalStartupParameters = parameters
        return client
    }

    package func shutdown() async {
        runTask.cancel()
        await runTask.value
    }

    // MARK: Idempotency keys

    package func claim(_ key: IdempotencyKey, fingerprint: String, now: Date, staleAfter: Duration) async throws(StateStoreError)
        -> IdempotencyClaim
    {
        try await ensureMigrated()
        let client = key.client ?? ""
        let route = key.route
        let name = key.key
        let stale = now.addingTimeInterval(-timeInterval(staleAfter))
        return try await withConnection("claim an idempotency key") { connection in
            // A few rounds at most: a row can vanish (released, expired) or go stale between the two statements.
            for _ in 0..<5 {
                // The claim itself: one statement, so that of two instances racing for a key exactly one gets a row
                // back. A new key is inserted; an existing one is taken over only if its claim is stale or its
                // answer expired (the conflicting row is locked and the WHERE re-checked on its latest version).
                let claimed = try await connection.query(
                    """
                    INSERT INTO splice_idempotency_keys AS k (client, route, key, fingerprint, state, claimed_at)
                    VALUES (\(client), \(route), \(name), \(fingerprint), 'in_flight', \(now))
                    ON CONFLICT (client, route, key) DO UPDATE
                    SET fingerprint = EXCLUDED.fingerprint, state = 'in_flight', claimed_at = EXCLUDED.claimed_at,
                        status = NULL, body = NULL, request_id = NULL, expires_at = NULL
                    WHERE (k.state = 'in_flight' AND k.claimed_at < \(stale))
                       OR (k.state = 'final' AND k.expires_at <= \(now))
                    RETURNING 1
                    """,
                    logger: self.logger
                ).collect()
                if !claimed.isEmpty { return .claimed }

                let rows = try await connection.query(
                    """
                    SELECT fingerprint, state, claimed_at, status, body, request_id, expires_at
                    FROM splice_idempotency_keys WHERE client = \(client) AND route = \(route) AND key = \(name)
                    """,
                    logger: self.logger
                ).collect()
                guard let row = rows.first else { continue }
                let (storedFingerprint, state, claimedAt, status, body, requestId, expiresAt) = try row.decode(
                    (String, String, Date, Int?, ByteBuffer?, String?, Date?).self
                )
                switch state {
                case "final":
                    guard let expiresAt, expiresAt > now else { continue }
                    guard storedFingerprint == fingerprint else { return .mismatch }
                    guard let status, let body, let requestId else { throw CorruptRow("a final answer without its status, body or id") }
                    return .replay(StoredAnswer(status: status, body: Array(body.readableBytesView), requestId: requestId))
                case "in_flight":
                    guard claimedAt >= stale else { continue }
                    return storedFingerprint == fingerprint ? .inFlight : .mismatch
                default:
                    throw CorruptRow("an idempotency key in state '\(state)'")
                }
            }
            // The key keeps changing hands: another request is using it right now.
            return .inFlight
        }
    }

    package func finish(_ key: IdempotencyKey, answer: StoredAnswer, expiresAt: Date) async throws(StateStoreError) {
        try await ensureMigrated()
        let client = key.client ?? ""
        let route = key.route
        let name = key.key
        let body = ByteBuffer(bytes: answer.body)
        try await withConnection("store a final answer") { connection in
            // Only the claim in flight becomes final: a key released or expired meanwhile is left alone.
            try await connection.query(
                """
                UPDATE splice_idempotency_keys
                SET state = 'final', status = \(answer.status), body = \(body), request_id = \(answer.requestId),
                    expires_at = \(expiresAt)
                WHERE client = \(client) AND route = \(route) AND key = \(name) AND state = 'in_flight'
                """,
                logger: self.logger
            )
        }
    }

    package func release(_ key: IdempotencyKey) async throws(StateStoreError) {
        try await ensureMigrated()
        let client = key.client ?? ""
        let route = key.route
        let name = key.key
        try await withConnection("release an idempotency key") { connection in
            try await connection.query(
                """
                DELETE FROM splice_idempotency_keys
                WHERE client = \(client) AND route = \(route) AND key = \(name) AND state = 'in_flight'
                """,
                logger: self.logger
            )
        }
    }

    package func removeExpired(now: Date) async throws(StateStoreError) -> Int {
        try await ensureMigrated()
        return try await withConnection("remove expired answers") { connection in
            let rows = try await connection.query(
                """
                WITH removed AS (DELETE FROM splice_idempotency_keys WHERE state = 'final' AND expires_at < \(now) RETURNING 1)
                SELECT count(*) FROM removed
                """,
                logger: self.logger
            ).collect()
            return try rows.first?.decode(Int.self) ?? 0
        }
    }

    // MARK: Migrations and connections

    /// Brings the schema to this Splice's version (see `PostgresStateStore+Migrations.swift`). Every operation does
    /// it first; call it at start-up to find a bad URL or a newer schema before the first request.
    package func migrate() async throws(StateStoreError) {
        try await ensureMigrated()
    }

    func ensureMigrated() async throws(StateStoreError) {
        // One migration at a time per store; callers arriving meanwhile wait for the same one.
        let task: Task<Void, any Error>? = migrationState.withLock { state -> Task<Void, any Error>? in
            switch state {
            case .done:
                return nil
            case .running(let task):
                return task
            case .idle:
                let task = Task { try await self.applyMigrations() }
                state = .running(task)
                return task
            }
        }
        guard let task else { return }
        do {
            try await task.value
            migrationState.withLock { $0 = .done }
        } catch {
            // The next call tries again (the database may be back by then).
            migrationState.withLock { state in
                if case .running(let running) = state, running == task { state = .idle }
            }
            if let error = error as? StateStoreError { throw error }
            throw unavailable("migrate the schema", error)
        }
    }

    /// Runs `body` on a pooled connection. Waiting for the connection is bounded by `connectTimeout` (the pool
    /// itself would retry a down server for 15 s before failing the request); the statements are bounded by the
    /// server's `statement_timeout`.
    @discardableResult
    func withConnection<Result: Sendable>(
        _ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws(StateStoreError) -> Result {
        let leased = LeaseFlag()
        let client = self.client
        let timeout = configuration.connectTimeout
        do {
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        leased.set()
                        return try await body(connection)
                    }
                }
                group.addTask {
                    // A lease late by `probeAfter` makes one direct connection: a definite refusal fails the call
                    // now; a server that answers (a busy or slow pool) gets the rest of `connectTimeout`.
                    let clock = ContinuousClock()
                    let deadline = clock.now.advanced(by: timeout)
                    try await Task.sleep(for: min(Self.probeAfter, timeout))
                    if leased.isSet { return nil }
                    let finding = await self.probe(within: clock.now.duration(to: deadline))
                    if leased.isSet { return nil }
                    if case .failed(let reason) = finding { throw NoConnection(reason: reason) }
                    try await Task.sleep(until: deadline, clock: clock)
                    if leased.isSet { return nil }
                    throw NoConnection(
                        reason: finding == .connected
                            ? "the pool's \(self.configuration.maximumConnections) connections stayed busy for \(timeout)"
                            : "no connection within \(timeout) (is the server running and reachable?)"
                    )
                }
                while let next = try await group.next() {
                    if let result = next {
                        group.cancelAll()
                        return result
                    }
                }
                throw NoConnection(reason: "no connection")  // not reached: the first child returns a result or throws
            }
        } catch {
            // The pool backing off after failed connects (its error type is not exported): name the failure.
            if "\(type(of: error))" == "ConnectionPoolError", case .failed(let reason) = await probe(within: timeout) {
                throw unavailable(what, NoConnection(reason: reason))
            }
            throw unavailable(what, error)
        }
    }
}

/// Set once a connection is leased, after which the lease timeout no longer applies.
private final class LeaseFlag: Sendable {
    private let value = Atomic(false)

    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// No connection came: why, as far as Splice could tell.
struct NoConnection: Error {
    var reason: String
}

/// A row Splice did not write as it is.
struct CorruptRow: Error {
    var what: String

    init(_ what: String) {
        self.what = what
    }
}

func timeInterval(_ duration: Duration) -> TimeInterval {
    let (seconds, attoseconds) = duration.components
    return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
}

func wholeMilliseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1000 + attoseconds / 1_000_000_000_000_000
}
