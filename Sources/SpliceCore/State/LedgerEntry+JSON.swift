import Foundation

extension LedgerEntry {
    /// The entry as `GET /ledger` and `splice ledger --format json` write it: every field, `null` where absent,
    /// `time` in UTC with milliseconds (`2026-12-01T22:40:03.123Z`).
    package var json: JSONValue {
        func number(_ value: Int?) -> JSONValue { value.map(JSONValue.init) ?? .null }
        func milliseconds(_ value: Double?) -> JSONValue {
            value.map { .number(String(($0 * 1000).rounded() / 1000)) } ?? .null
        }
        return .object([
            "time": .string(Self.timestamp(time)),
            "requestId": .string(requestId),
            "client": JSONValue(client),
            "route": JSONValue(route),
            "provider": JSONValue(provider),
            "kind": .string(kind.rawValue),
            "action": .string(action),
            "uploadId": JSONValue(uploadId),
            "fileId": JSONValue(fileId),
            "outcome": .string(outcome),
            "httpStatus": JSONValue(httpStatus),
            "upstreamStatus": number(upstreamStatus),
            "attempts": JSONValue(attempts),
            "upstreamMs": milliseconds(upstreamMs),
            "totalMs": milliseconds(totalMs),
            "idempotencyKey": JSONValue(idempotencyKey),
            "replayed": .bool(replayed),
        ])
    }

    /// RFC 3339 in UTC with milliseconds.
    package static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var utc = tm()
        guard gmtime_r(&seconds, &utc) != nil else { return "-" }
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(utc.tm_year + 1900, 4))-\(pad(utc.tm_mon + 1, 2))-\(pad(utc.tm_mday, 2))T\(pad(utc.tm_hour, 2)):"
            + "\(pad(utc.tm_min, 2)):\(pad(utc.tm_sec, 2)).\(pad(Int32(milliseconds % 1000), 3))Z"
    }

    /// An RFC 3339 time (`2026-12-01T22:40:03Z`, fractions and offsets allowed), for `since=`.
    package static func parseTimestamp(_ text: String) -> Date? {
        // RFC 3339 (§5.6) allows a lower-case `t` and `z`; the formatter reads only upper-case ones.
        let text = text.uppercased()
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)
    }
}

extension LedgerQuery {
    /// `route=&client=&since=&limit=` as `GET /ledger` and `splice ledger` take them; the reason when one is wrong.
    package static func parse(route: String?, client: String?, since: String?, limit: String?) -> Result<
        LedgerQuery, GatewayError
    > {
        var query = LedgerQuery(route: route.flatMap { $0.isEmpty ? nil : $0 }, client: client.flatMap { $0.isEmpty ? nil : $0 })
        if let since, !since.isEmpty {
            guard let date = LedgerEntry.parseTimestamp(since) else {
                return .failure(.invalidRequest("since must be an RFC 3339 time, e.g. 2026-12-01T09:30:00Z"))
            }
            query.since = date
        }
        if let limit, !limit.isEmpty {
            guard let count = Int(limit), count >= 1 else {
                return .failure(.invalidRequest("limit must be a whole number from 1 to \(maximumLimit)"))
            }
            query.limit = min(count, maximumLimit)
        }
        return .success(query)
    }
}
