import HTTPTypes
import Foundation

/// Reading providers' answers: the parts every provider shares.
package enum ProviderResponse {
    /// Reads a 2xx body as JSON. An empty body gives `nil` when `allowEmpty`; a body that is not JSON or
    /// is cut short is `bad_upstream_response` — never a success.
    package static func successBody(
        _ response: UpstreamResponse, provider: String, allowEmpty: Bool, requestId: String? = nil
    ) throws(GatewayError) -> JSONValue? {
        if response.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard allowEmpty else {
                throw .badResponse(
                    status: response.status, provider: provider, reason: "an empty body where JSON was expected",
                    upstream: .init(status: response.status, requestId: requestId))
            }
            return nil
        }
        do {
            return try JSONValue.parse(response.body)
        } catch {
            let cutShort = error.offset >= response.body.count
            throw .badResponse(
                status: response.status, provider: provider,
                reason: cutShort ? "a JSON body that is cut short" : "a body that is not JSON",
                upstream: .init(status: response.status, message: cutShort ? nil : excerpt(response.body), requestId: requestId))
        }
    }

    /// Reads a 2xx body that must be a JSON object (every provider but MetaStudio answers with one).
    package static func successObject(_ response: UpstreamResponse, provider: String) throws(GatewayError) -> JSONValue {
        guard let body = try successBody(response, provider: provider, allowEmpty: false), body.objectValue != nil else {
            throw .badResponse(status: response.status, provider: provider, reason: "a JSON body that is not an object")
        }
        return body
    }

    /// The contract's error for a non-2xx answer. `fields` reads the provider's own code and message
    /// from a JSON body, and `bodyRequestId` its request id when the body carries one; other bodies
    /// (an HTML error page) give only a short plain-text excerpt.
    package static func error(
        from response: UpstreamResponse,
        provider: String,
        requestId: String? = nil,
        bodyRequestId: (JSONValue) -> String? = { _ in nil },
        fields: (JSONValue) -> (code: String?, message: String?)
    ) -> GatewayError {
        var code: String?
        var message: String?
        var idInBody: String?
        if let json = try? JSONValue.parse(response.body) {
            (code, message) = fields(json)
            idInBody = bodyRequestId(json)
        } else {
            message = excerpt(response.body)
        }
        return .fromProvider(
            status: response.status, provider: provider, code: code, message: message,
            requestId: requestId ?? idInBody, retryAfter: response.headers[.retryAfter])
    }

    /// The first value among `keys` that is a non-empty string (or a number, for codes).
    package static func firstString(_ object: JSONValue, _ keys: [String]) -> String? {
        for key in keys {
            switch object[key] {
            case .string(let text) where !text.isEmpty: return text
            case .number(let text): return text
            default: continue
            }
        }
        return nil
    }

    /// A short plain-text excerpt of a non-JSON body: an HTML page's title (e.g. Varnish's
    /// "503 Backend fetch failed"), or the first words of text. Raw markup never leaks.
    package static func excerpt(_ body: [UInt8], limit: Int = 120) -> String? {
        let text = String(decoding: body.prefix(16_384), as: UTF8.self)
        if let title = between(text, "<title>", "</title>") ?? between(text, "<h1>", "</h1>") {
            return clean(stripTags(title), limit: limit)
        }
        if text.contains("<") && text.contains(">") {
            return clean(stripTags(text), limit: limit)
        }
        return clean(text, limit: limit)
    }

    private static func between(_ text: String, _ open: String, _ close: String) -> String? {
        guard let start = text.range(of: open, options: .caseInsensitive),
            let end = text.range(of: close, options: .caseInsensitive, range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }

    private static func stripTags(_ text: String) -> String {
        var output = ""
        var inTag = false
        for character in text {
            if character == "<" {
                inTag = true
                output.append(" ")
            } else if character == ">" {
                inTag = false
            } else if !inTag {
                output.append(character)
            }
        }
        return output
    }

    private static func clean(_ text: String, limit: Int) -> String? {
        let words = text.split { $0.isWhitespace || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } }
        let joined = words.joined(separator: " ")
        guard !joined.isEmpty else { return nil }
        return joined.count > limit ? String(joined.prefix(limit)) + "…" : joined
    }

    /// The body as JSON text, for requests.
    package static func jsonBody(_ object: JSONObject) -> [UInt8] {
        JSONValue.object(object).serialized()
    }
}
