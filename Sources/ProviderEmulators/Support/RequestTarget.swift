import Foundation

/// A raw request target split into path segments and query, percent-encoding untouched.
struct RequestTarget: Sendable {
    /// The path as received, without the query.
    let path: String
    /// The query as received (without `?`), `nil` when there is none.
    let query: String?
    /// The path's segments as received (still percent-encoded), without the leading empty one.
    let segments: [String]

    init(_ raw: String) {
        if let mark = raw.firstIndex(of: "?") {
            self.path = String(raw[..<mark])
            self.query = String(raw[raw.index(after: mark)...])
        } else {
            self.path = raw
            self.query = nil
        }
        var segments = self.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if segments.first == "" {
            segments.removeFirst()
        }
        self.segments = segments
    }

    /// Matches the segments against `pattern`, where `{name}` captures one non-empty, percent-decoded
    /// segment; `nil` when they do not match.
    func match(_ pattern: String) -> [String: String]? {
        let expected = pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard expected.count == self.segments.count else { return nil }
        var captures: [String: String] = [:]
        for (want, have) in zip(expected, self.segments) {
            if want.hasPrefix("{") && want.hasSuffix("}") {
                guard !have.isEmpty, let decoded = have.removingPercentEncoding else { return nil }
                captures[String(want.dropFirst().dropLast())] = decoded
            } else if want != have {
                return nil
            }
        }
        return captures
    }
}

extension ReceivedRequest {
    /// Whether `Content-Type` is `application/json` (parameters such as `charset` allowed).
    var hasJSONContentType: Bool {
        guard let value = self.header("Content-Type") else { return false }
        let mediaType = value.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }
}
