import Foundation

/// Replaces secret values wherever they might surface in an answer (a provider echoing a key in its
/// error message, say), so that no secret, token or signature leaves Splice.
///
/// Every secret is redacted, whatever its length: a short one would be shown to a client otherwise. Route
/// credentials that are secrets are at least `RouteTable.minimumSecretLength` characters long (shorter ones
/// make their route unavailable), so redacting them does not mangle ordinary text.
package struct Redactor: Sendable {
    package static let replacement = "[redacted]"

    /// Longest first, so that a secret containing another is replaced whole.
    let secrets: [String]
    /// Each secret's bytes when it is ASCII, else `nil`: see `mayContain`.
    private let asciiSecrets: [[UInt8]?]

    package init(secrets: [String]) {
        // Each length once: counting characters is not cheap for kilobyte-long tokens, and a sort compares often.
        let sorted = Set(secrets.filter { !$0.isEmpty }).map { (length: $0.count, text: $0) }
            .sorted { ($0.length, $0.text) > ($1.length, $1.text) }
        self.secrets = sorted.map(\.text)
        self.asciiSecrets = self.secrets.map { secret in secret.utf8.allSatisfy { $0 < 0x80 } ? Array(secret.utf8) : nil }
    }

    package func redact(_ text: String) -> String {
        var result = text
        for (index, secret) in secrets.enumerated() where mayContain(result, secretAt: index) && result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.replacement)
        }
        return result
    }

    /// `false` only when `text` cannot contain the secret: both are ASCII and the secret's bytes are not in the text's
    /// (for ASCII text, characters that compare equal have equal bytes). Otherwise the search by characters decides.
    private func mayContain(_ text: String, secretAt index: Int) -> Bool {
        guard let needle = asciiSecrets[index] else { return true }
        var text = text
        return text.withUTF8 { haystack in
            guard haystack.allSatisfy({ $0 < 0x80 }) else { return true }
            guard needle.count <= haystack.count else { return false }
            for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
                if (1..<needle.count).allSatisfy({ haystack[start + $0] == needle[$0] }) { return true }
            }
            return false
        }
    }

    /// Whether any string in `value` (a key or a value) may contain a secret; a value without any is kept as it is.
    private func mayMentionSecret(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): return secrets.indices.contains { mayContain(text, secretAt: $0) }
        case .array(let values): return values.contains(where: mayMentionSecret)
        case .object(let object):
            return object.members.contains { member in
                secrets.indices.contains { mayContain(member.key, secretAt: $0) } || mayMentionSecret(member.value)
            }
        case .null, .bool, .number: return false
        }
    }

    /// A body's bytes with every secret replaced, when they are UTF-8 text; other bytes are returned as they are.
    package func redact(bytes: [UInt8]) -> [UInt8] {
        guard !secrets.isEmpty, let text = String(validating: bytes, as: UTF8.self) else { return bytes }
        return Array(redact(text).utf8)
    }

    package func redact(_ value: JSONValue) -> JSONValue {
        guard !secrets.isEmpty, mayMentionSecret(value) else { return value }
        switch value {
        case .string(let text): return .string(redact(text))
        case .array(let values): return .array(values.map(redact))
        case .object(let object):
            return .object(JSONObject(object.members.map { (key: redact($0.key), value: redact($0.value)) }))
        case .null, .bool, .number: return value
        }
    }

    package func redact(_ error: GatewayError) -> GatewayError {
        guard !secrets.isEmpty else { return error }
        var copy = error
        copy.message = redact(error.message)
        copy.upstream?.message = error.upstream?.message.map(redact)
        copy.upstream?.code = error.upstream?.code.map(redact)
        copy.upstream?.requestId = error.upstream?.requestId.map(redact)
        return copy
    }

    package func redact(_ success: CompleteSuccess) -> CompleteSuccess {
        guard !secrets.isEmpty else { return success }
        var copy = success
        copy.upstreamBody = success.upstreamBody.map(redact)
        copy.upstreamRequestId = success.upstreamRequestId.map(redact)
        return copy
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var remainder = self[...]
        while let range = remainder.range(of: target) {
            result += remainder[..<range.lowerBound]
            result += replacement
            remainder = remainder[range.upperBound...]
        }
        result += remainder
        return result
    }
}
