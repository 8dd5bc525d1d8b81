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

    package init(secrets: [String]) {
        self.secrets = Array(Set(secrets.filter { !$0.isEmpty })).sorted { ($0.count, $0) > ($1.count, $1) }
    }

    package func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.replacement)
        }
        return result
    }

    /// A body's bytes with every secret replaced, when they are UTF-8 text; other bytes are returned as they are.
    package func redact(bytes: [UInt8]) -> [UInt8] {
        guard !secrets.isEmpty, let text = String(validating: bytes, as: UTF8.self) else { return bytes }
        return Array(redact(text).utf8)
    }

    package func redact(_ value: JSONValue) -> JSONValue {
        guard !secrets.isEmpty else { return value }
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
