import Crypto
import HTTPTypes
import SpliceEncoding

extension HTTPField.Name {
    /// A client's key for making its own retries safe (IETF httpapi draft).
    package static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// On a stored answer given again: `true`.
    package static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

/// The `Idempotency-Key` header: 1–255 visible ASCII characters (0x21–0x7E), bare (`abc-123`) or as a quoted
/// structured-field string (`"abc-123"`, with `\"` and `\\` escapes) as the IETF httpapi draft writes it.
package enum IdempotencyKeyHeader {
    package static let lengthRange = 1...255

    /// The key, or the reason it is malformed (for a 400 that names no value).
    package static func parse(_ value: String) -> Result<String, GatewayError> {
        let bytes = Array(value.utf8)
        guard let first = bytes.first else { return .failure(malformed("it is empty")) }
        var key: [UInt8] = []
        if first == UInt8(ascii: "\"") {
            var index = 1
            var closed = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") {
                    guard index + 1 < bytes.count,
                        bytes[index + 1] == UInt8(ascii: "\"") || bytes[index + 1] == UInt8(ascii: "\\")
                    else { return .failure(malformed("a quoted key may escape only \" and \\")) }
                    key.append(bytes[index + 1])
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    closed = true
                    index += 1
                    break
                }
                key.append(byte)
                index += 1
            }
            guard closed, index == bytes.count else { return .failure(malformed("the quoted string is not closed")) }
        } else {
            key = bytes
        }
        guard lengthRange.contains(key.count) else {
            return .failure(malformed("it must be 1 to 255 characters long"))
        }
        guard key.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return .failure(malformed("it must be visible ASCII characters"))
        }
        return .success(String(decoding: key, as: UTF8.self))
    }

    private static func malformed(_ reason: String) -> GatewayError {
        .invalidRequest("malformed Idempotency-Key: \(reason)")
    }
}

extension CompleteRequest {
    /// What identifies the request for `Idempotency-Key`: SHA-256 over every parsed field (the route included), so
    /// that the same request written with other spacing or key order has the same fingerprint.
    package var fingerprint: String {
        var members: [(key: String, value: JSONValue)] = [
            ("route", .string(route)), ("action", .string(action.rawValue)),
        ]
        func add(_ name: String, _ value: String?) {
            if let value { members.append((name, .string(value))) }
        }
        add("uploadId", uploadId)
        add("sessionId", sessionId)
        add("fileId", fileId)
        add("projectId", projectId)
        add("fileName", fileName)
        if let fileSize { members.append(("fileSize", JSONValue(fileSize))) }
        add("originalFileId", originalFileId)
        if let parts {
            members.append(
                (
                    "parts",
                    .array(
                        parts.map {
                            .object(JSONObject([("partNumber", JSONValue($0.partNumber)), ("etag", .string($0.etag))]))
                        })
                ))
        }
        var optionMembers: [(key: String, value: JSONValue)] = []
        if let value = options.autoMetaAnalysis { optionMembers.append(("autoMetaAnalysis", .bool(value))) }
        if let value = options.appUserId { optionMembers.append(("appUserId", .string(value))) }
        if let value = options.allowPartialComplete { optionMembers.append(("allowPartialComplete", .bool(value))) }
        if !optionMembers.isEmpty { members.append(("options", .object(JSONObject(optionMembers)))) }
        return Hex.lowercase(SHA256.hash(data: JSONValue.object(JSONObject(members)).serialized()))
    }
}
