import Foundation
import Logging
import NIOCore
import SQLiteNIO
import SpliceCore
import Synchronization

/// The embedded state store: one SQLite file (WAL mode), the default `state: sqlite:PATH`.
///
/// Every operation goes through one connection, one at a time (`SerialGate`), and each claim is a
/// `BEGIN IMMEDIATE` transaction, so concurrent requests in this process get exactly one `.claimed`, and so do
/// several processes opening the same file (they wait for the write lock up to `busyTimeout`).
///
/// Call `shutdown()` before dropping the store: it closes the connection.
package final class SQLiteStateStore: StateStore {
    /// The database file.
    package let path: String
    private let connection: SQLiteConnection
    private let gate = SerialGate()
    private let closed = Mutex(false)

    /// Opens (or creates) the database at `path`, sets WAL mode, and brings its schema up to date.
    ///
    /// The folder must exist. A file whose schema is newer than this Splice knows is refused (`.unavailable`).
    package init(path: String, busyTimeout: Duration = .seconds(5), logger: Logger = Logger(label: "splice.state"))
        async throws(StateStoreError)
    {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw Self.unavailable("open \(path)", error)
        }
        do {
            try await Self.configure(connection, path: path, busyTimeout: busyTimeout)
            try await Self.migrate(connection, path: path)
        } catch {
            try? await connection.close()
            throw error
        }
        self.path = path
        self.connection = connection
    }

    // MARK: - Idempotency keys

    package func claim(_ key: IdempotencyKey, fingerprint: String, now: Date, staleAfter: Duration) async throws(StateStoreError)
        -> IdempotencyClaim
    {
        let nowMs = Self.milliseconds(now)
        let staleBefore = nowMs - Self.milliseconds(staleAfter)
        let keyBinds = Self.binds(key)
        return try await serialized { () async throws(StateStoreError) -> IdempotencyClaim in
            try await Self.transaction(connection, doing: "claim an idempotency key") { () async throws(StateStoreError) -> IdempotencyClaim in
                let rows = try await Self.run(
                    connection,
                    """
                    SELECT fingerprint, state, claimed_at, status, body, request_id, expires_at FROM idempotency_keys
                    WHERE client = ? AND route = ? AND key = ?
                    """,
                    keyBinds, doing: "read an idempotency key")
                if let row = rows.first,
                    let found = try Self.existingClaim(row, fingerprint: fingerprint, nowMs: nowMs, staleBefore: staleBefore)
                {
                    return found
                }
                // Absent, expired or stale: this request takes the key.
                _ = try await Self.run(
                    connection,
                    """
                    INSERT INTO idempotency_keys (client, route, key, fingerprint, state, claimed_at)
                    VALUES (?, ?, ?, ?, 'in_flight', ?)
                    ON CONFLICT (client, route, key) DO UPDATE SET
                        fingerprint = excluded.fingerprint, state = 'in_flight', claimed_at = excluded.claimed_at,
                        status = NULL, body = NULL, request_id = NULL, expires_at = NULL
                    """,
                    keyBinds + [.text(fingerprint), .integer(nowMs)], doing: "claim an idempotency key")
                return .claimed
            }
        }
    }

    package func finish(_ key: IdempotencyKey, answer: StoredAnswer, expiresAt: Date) async throws(StateStoreError) {
        let binds: [SQLiteData] =
            [
                .integer(answer.status), .blob(ByteBuffer(bytes: answer.body)), .text(answer.requestId),
                .integer(Self.milliseconds(expiresAt)),
            ] + Self.binds(key)
        try await serialized { () async throws(StateStoreError) in
            _ = try await Self.run(
                connection,
                """
                UPDATE idempotency_keys SET state = 'final', status = ?, body = ?, request_id = ?, expires_at = ?
                WHERE client = ? AND route = ? AND key = ?
                """,
                binds, doing: "store a final answer")
        }
    }

    package func release(_ key: IdempotencyKey) async throws(StateStoreError) {
        try await serialized { () async throws(StateStoreError) in
            // Only a claim in flight: a final answer is never given up this way.
            _ = try await Self.run(
                connection, "DELETE FROM idempotency_keys WHERE client = ? AND route = ? AND key = ? AND state = 'in_flight'",
                Self.binds(key), doing: "release an idempotency key")
        }
    }

    package func removeExpired(now: Date) async throws(StateStoreError) -> Int {
        let nowMs = Self.milliseconds(now)
        return try await serialized { () async throws(StateStoreError) -> Int in
            let rows = try await Self.run(
                connection, "DELETE FROM idempotency_keys WHERE state = 'final' AND expires_at < ? RETURNING key",
                [.integer(nowMs)], doing: "remove expired idempotency keys")
            return rows.count
        }
    }

    // MARK: - Ledger

    package func append(_ entries: [LedgerEntry]) async throws(StateStoreError) {
        guard !entries.isEmpty else { return }
        try await serialized { () async throws(StateStoreError) in
            // One transaction: a buffered backlog is written whole or not at all (and far faster than one commit each).
            try await Self.transaction(connection, doing: "append to the ledger") { () async throws(StateStoreError) in
                // Many rows per statement: each statement is a trip to sqlite-nio's thread pool, and one per row kept
                // the writer behind a busy gateway.
                var start = entries.startIndex
                while start < entries.endIndex {
                    let chunk = entries[start..<min(start + Self.rowsPerInsert, entries.endIndex)]
                    _ = try await Self.run(
                        connection, Self.insertLedgerEntries(count: chunk.count), chunk.flatMap(Self.binds),
                        doing: "append to the ledger")
                    start = chunk.endIndex
                }
            }
        }
    }

    package func ledger(_ query: LedgerQuery) async throws(StateStoreError) -> [LedgerEntry] {
        var conditions: [String] = []
        var binds: [SQLiteData] = []
        if let route = query.route {
            conditions.append("route = ?")
            binds.append(.text(route))
        }
        if let client = query.client {
            conditions.append("client = ?")
            binds.append(.text(client))
        }
        if let since = query.since {
            conditions.append("time >= ?")
            binds.append(.integer(Self.milliseconds(since)))
        }
        binds.append(.integer(min(max(query.limit, 0), LedgerQuery.maximumLimit)))
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        // `id` breaks ties between entries of the same millisecond: the later append is the newer.
        let sql = "SELECT \(Self.ledgerColumns) FROM ledger\(filter) ORDER BY time DESC, id DESC LIMIT ?"
        return try await serialized { () async throws(StateStoreError) -> [LedgerEntry] in
            let rows = try await Self.run(connection, sql, binds, doing: "read the ledger")
            var entries: [LedgerEntry] = []
            entries.reserveCapacity(rows.count)
            for row in rows { entries.append(try Self.ledgerEntry(row)) }
            return entries
        }
    }

    // MARK: - Lifecycle

    package func shutdown() async {
        _ = try? await gate.run { () async throws(StateStoreError) in
            let wasClosed = closed.withLock { closed in
                defer { closed = true }
                return closed
            }
            guard !wasClosed else { return }
            // The future-based close: the async one gives up in a cancelled task (a server stopping), leaving the
            // file open and sqlite-nio asserting when the connection is released.
            let closing: EventLoopFuture<Void> = connection.close()
            try? await closing.get()
        }
    }

    /// Runs `body` alone on the connection, unless the store was shut down.
    private func serialized<T>(_ body: () async throws(StateStoreError) -> T) async throws(StateStoreError) -> T {
        try await gate.run { () async throws(StateStoreError) -> T in
            guard !closed.withLock({ $0 }) else { throw StateStoreError.unavailable("the SQLite state store is closed") }
            return try await body()
        }
    }
}

// MARK: - Statements and conversions

extension SQLiteStateStore {
    /// Sets the connection up. WAL lets readers (`splice ledger`) run beside the gateway's writes; `synchronous=NORMAL`
    /// is durable across crashes of the process in WAL mode and avoids an fsync per commit.
    static func configure(_ connection: SQLiteConnection, path: String, busyTimeout: Duration) async throws(StateStoreError) {
        // sqlite-nio installs a busy handler that retries forever; busy_timeout replaces it with a bound.
        _ = try await run(connection, "PRAGMA busy_timeout = \(milliseconds(busyTimeout))", doing: "set busy_timeout")
        let mode = try await run(connection, "PRAGMA journal_mode = WAL", doing: "switch to WAL")
        guard mode.first?.column("journal_mode")?.string?.lowercased() == "wal" else {
            throw .unavailable("SQLite state store: \(path) cannot use WAL journal mode")
        }
        _ = try await run(connection, "PRAGMA synchronous = NORMAL", doing: "set synchronous")
    }

    /// Runs one statement; a failure becomes `.unavailable` naming the operation and SQLite's reason, never values.
    @discardableResult
    static func run(_ connection: SQLiteConnection, _ sql: String, _ binds: [SQLiteData] = [], doing what: String)
        async throws(StateStoreError) -> [SQLiteRow]
    {
        do {
            return try await connection.query(sql, binds)
        } catch {
            throw unavailable(what, error)
        }
    }

    /// `BEGIN IMMEDIATE` takes the write lock up front, so that a read-then-write (a claim) is atomic across
    /// processes too; a failure rolls back.
    static func transaction<T>(
        _ connection: SQLiteConnection, doing what: String, _ body: () async throws(StateStoreError) -> T
    ) async throws(StateStoreError) -> T {
        try await run(connection, "BEGIN IMMEDIATE", doing: what)
        do {
            let result = try await body()
            try await run(connection, "COMMIT", doing: what)
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK")
            throw error
        }
    }

    static func unavailable(_ what: String, _ error: any Error) -> StateStoreError {
        // SQLite's own message may quote SQL; the reason code is enough and names nothing stored.
        guard let error = error as? SQLiteError else { return .unavailable("SQLite state store: cannot \(what)") }
        return .unavailable("SQLite state store: cannot \(what) (\(error.reason))")
    }

    static func unreadable(_ table: String) -> StateStoreError {
        .unavailable("SQLite state store: a row of \(table) cannot be read")
    }

    static func milliseconds(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    static func date(milliseconds: Int) -> Date {
        // Dividing (rather than multiplying by 0.001) gives back exactly the `Date` a whole millisecond came from.
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// An anonymous client is stored as '' so that the primary key (NULLs are distinct in SQLite) still holds.
    static func binds(_ key: IdempotencyKey) -> [SQLiteData] {
        [.text(key.client ?? ""), .text(key.route), .text(key.key)]
    }

    /// What an existing row means for a new claim; `nil` when the row counts as absent (expired, or stale in flight).
    static func existingClaim(_ row: SQLiteRow, fingerprint: String, nowMs: Int, staleBefore: Int) throws(StateStoreError)
        -> IdempotencyClaim?
    {
        guard let stored = row.column("fingerprint")?.string, let state = row.column("state")?.string else {
            throw unreadable("idempotency_keys")
        }
        switch state {
        case "final":
            guard let expiresAt = row.column("expires_at")?.integer, expiresAt > nowMs else { return nil }
            guard stored == fingerprint else { return .mismatch }
            guard let status = row.column("status")?.integer, let requestId = row.column("request_id")?.string else {
                throw unreadable("idempotency_keys")
            }
            // An empty body is bound as NULL by sqlite-nio.
            let body = row.column("body")?.blob.map { Array($0.readableBytesView) } ?? []
            return .replay(StoredAnswer(status: status, body: body, requestId: requestId))
        case "in_flight":
            guard let claimedAt = row.column("claimed_at")?.integer else { throw unreadable("idempotency_keys") }
            // A claim older than `staleAfter` is a crashed instance's: it never stored an outcome, so it is taken
            // over whatever its fingerprint.
            guard claimedAt > staleBefore else { return nil }
            return stored == fingerprint ? .inFlight : .mismatch
        default:
            throw unreadable("idempotency_keys")
        }
    }

    static let ledgerColumns = """
        time, request_id, client, route, provider, kind, action, upload_id, file_id, outcome, http_status, \
        upstream_status, attempts, upstream_ms, total_ms, idempotency_key, replayed
        """

    /// Rows per INSERT: 17 binds each, far below SQLite's limit of 32,766 binds per statement.
    static let rowsPerInsert = 64
    static let ledgerRow = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    static func insertLedgerEntries(count: Int) -> String {
        "INSERT INTO ledger (\(ledgerColumns)) VALUES " + Array(repeating: ledgerRow, count: count).joined(separator: ", ")
    }

    static func binds(_ entry: LedgerEntry) -> [SQLiteData] {
        func text(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }
        return [
            .integer(milliseconds(entry.time)), .text(entry.requestId), text(entry.client), text(entry.route),
            text(entry.provider), .text(entry.kind.rawValue), .text(entry.action), text(entry.uploadId),
            text(entry.fileId), .text(entry.outcome), .integer(entry.httpStatus),
            entry.upstreamStatus.map { .integer($0) } ?? .null, .integer(entry.attempts),
            entry.upstreamMs.map { .float($0) } ?? .null, .float(entry.totalMs), text(entry.idempotencyKey),
            .integer(entry.replayed ? 1 : 0),
        ]
    }

    static func ledgerEntry(_ row: SQLiteRow) throws(StateStoreError) -> LedgerEntry {
        func optionalText(_ name: String) -> String? { row.column(name)?.string }
        guard let time = row.column("time")?.integer, let requestId = optionalText("request_id"),
            let kind = optionalText("kind").flatMap(LedgerEntry.Kind.init(rawValue:)), let action = optionalText("action"),
            let outcome = optionalText("outcome"), let httpStatus = row.column("http_status")?.integer,
            let attempts = row.column("attempts")?.integer, let totalMs = row.column("total_ms")?.double,
            let replayed = row.column("replayed")?.bool
        else { throw unreadable("ledger") }
        return LedgerEntry(
            time: date(milliseconds: time), requestId: requestId, client: optionalText("client"), route: optionalText("route"),
            provider: optionalText("provider"), kind: kind, action: action, uploadId: optionalText("upload_id"),
            fileId: optionalText("file_id"), outcome: outcome, httpStatus: httpStatus,
            upstreamStatus: row.column("upstream_status")?.integer, attempts: attempts,
            upstreamMs: row.column("upstream_ms")?.double, totalMs: totalMs, idempotencyKey: optionalText("idempotency_key"),
            replayed: replayed)
    }
}
