import Foundation
import Logging
import PostgresNIO
import SpliceCore

extension PostgresStateStore {
    /// Rows per INSERT: 17 parameters each, well under PostgreSQL's 65,535 per statement.
    static let ledgerRowsPerInsert = 500

    private static let ledgerColumns = """
        time_ms, request_id, client, route, provider, kind, action, upload_id, file_id, outcome, http_status, \
        upstream_status, attempts, upstream_ms, total_ms, idempotency_key, replayed
        """

    package func append(_ entries: [LedgerEntry]) async throws(StateStoreError) {
        guard !entries.isEmpty else { return }
        try await ensureMigrated()
        let logger = self.logger
        let inserts = stride(from: 0, to: entries.count, by: Self.ledgerRowsPerInsert).map { start in
            Self.insert(entries[start..<min(start + Self.ledgerRowsPerInsert, entries.count)])
        }
        try await withConnection("append to the ledger") { connection in
            // A backlog is written whole or not at all, so a retry after a failure writes no entry twice.
            try await connection.withTransaction(logger: logger) { connection in
                for insert in inserts {
                    try await connection.query(insert, logger: logger)
                }
            }
        }
    }

    package func ledger(_ query: LedgerQuery) async throws(StateStoreError) -> [LedgerEntry] {
        try await ensureMigrated()
        var conditions: [String] = []
        var binds = PostgresBindings()
        if let route = query.route {
            binds.append(route)
            conditions.append("route = $\(binds.count)")
        }
        if let client = query.client {
            binds.append(client)
            conditions.append("client = $\(binds.count)")
        }
        if let since = query.since {
            binds.append(Self.milliseconds(since))
            conditions.append("time_ms >= $\(binds.count)")
        }
        binds.append(min(max(query.limit, 1), LedgerQuery.maximumLimit))
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        // The id breaks ties between entries of the same millisecond: the later append is the newer.
        let sql = "SELECT \(Self.ledgerColumns) FROM splice_ledger \(filter) ORDER BY time_ms DESC, id DESC LIMIT $\(binds.count)"
        let select = PostgresQuery(unsafeSQL: sql, binds: binds)
        let logger = self.logger
        return try await withConnection("read the ledger") { connection in
            try await connection.query(select, logger: logger).collect().map(Self.entry(from:))
        }
    }

    private static func insert(_ entries: ArraySlice<LedgerEntry>) -> PostgresQuery {
        var binds = PostgresBindings(capacity: entries.count * 17)
        var rows: [String] = []
        rows.reserveCapacity(entries.count)
        for entry in entries {
            let first = binds.count + 1
            binds.append(milliseconds(entry.time))
            binds.append(entry.requestId)
            binds.append(entry.client)
            binds.append(entry.route)
            binds.append(entry.provider)
            binds.append(entry.kind.rawValue)
            binds.append(entry.action)
            binds.append(entry.uploadId)
            binds.append(entry.fileId)
            binds.append(entry.outcome)
            binds.append(entry.httpStatus)
            binds.append(entry.upstreamStatus)
            binds.append(entry.attempts)
            binds.append(entry.upstreamMs)
            binds.append(entry.totalMs)
            binds.append(entry.idempotencyKey)
            binds.append(entry.replayed)
            rows.append("(" + (first..<(binds.count + 1)).map { "$\($0)" }.joined(separator: ", ") + ")")
        }
        return PostgresQuery(
            unsafeSQL: "INSERT INTO splice_ledger (\(ledgerColumns)) VALUES " + rows.joined(separator: ", "), binds: binds
        )
    }

    private static func entry(from row: PostgresRow) throws -> LedgerEntry {
        let (
            time, requestId, client, route, provider, kind, action, uploadId, fileId, outcome, httpStatus, upstreamStatus,
            attempts, upstreamMs, totalMs, idempotencyKey, replayed
        ) = try row.decode(
            (
                Int64, String, String?, String?, String?, String, String, String?, String?, String, Int, Int?, Int, Double?,
                Double, String?, Bool
            ).self
        )
        guard let kind = LedgerEntry.Kind(rawValue: kind) else { throw CorruptRow("a ledger entry of kind '\(kind)'") }
        return LedgerEntry(
            time: Date(timeIntervalSince1970: TimeInterval(time) / 1000), requestId: requestId, client: client, route: route,
            provider: provider, kind: kind, action: action, uploadId: uploadId, fileId: fileId, outcome: outcome,
            httpStatus: httpStatus, upstreamStatus: upstreamStatus, attempts: attempts, upstreamMs: upstreamMs, totalMs: totalMs,
            idempotencyKey: idempotencyKey, replayed: replayed
        )
    }

    /// Milliseconds since 1970, rounded: the ledger keeps times to the millisecond, exactly (an integer column).
    static func milliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        // Out-of-range dates cannot come from a clock; clamp them rather than trap.
        guard value.isFinite else { return 0 }
        return Int64(exactly: value) ?? (value < 0 ? Int64.min / 2 : Int64.max / 2)
    }
}
