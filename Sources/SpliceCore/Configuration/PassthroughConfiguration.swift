/// A route's `passthrough:` setting: the provider's own API, served for existing clients.
package struct PassthroughConfiguration: Sendable, Equatable {
    /// `passthrough: false` turns it off (404 `not_found`).
    package var enabled: Bool
    /// `listen: HOST:PORT`: also serve this route alone, at the root of its own port (for SDKs that drop a path).
    package var listen: ListenAddress?
    /// `allow`: `METHOD PATH` patterns; empty allows every method and path.
    package var allow: [PassthroughRule]

    package init(enabled: Bool = true, listen: ListenAddress? = nil, allow: [PassthroughRule] = []) {
        self.enabled = enabled
        self.listen = listen
        self.allow = allow
    }

    /// Whether `method` on `path` (the path below the route, as received) may pass.
    package func allows(method: String, path: String) -> Bool {
        allow.isEmpty || allow.contains { $0.matches(method: method, path: path) }
    }
}

/// `HOST:PORT` (`[::1]:9101` for IPv6).
package struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    package init?(parsing text: String) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (1...65535).contains(port) else { return nil }
        self.init(host: String(hostPart), port: port)
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// One `allow` pattern: `METHOD PATH`, where `*` as the method is any method, `*` in the path one segment, and
/// `**` (last) any rest, including nothing. Literal segments compare with the path as received.
package struct PassthroughRule: Sendable, Equatable, CustomStringConvertible {
    package enum Segment: Sendable, Equatable {
        case literal(String)
        case one
        case rest
    }

    /// Upper-case, or `nil` for any method.
    package var method: String?
    package var segments: [Segment]
    package let description: String

    package init?(parsing text: String) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[1].hasPrefix("/") else { return nil }
        let method = String(parts[0])
        guard method == "*" || method.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        let segments: [Segment] = parts[1].dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            switch $0 {
            case "*": .one
            case "**": .rest
            default: .literal(String($0))
            }
        }
        guard !segments.dropLast().contains(.rest) else { return nil }
        self.method = method == "*" ? nil : method.uppercased()
        self.segments = segments
        self.description = text
    }

    package func matches(method: String, path: String) -> Bool {
        if let expected = self.method, expected != method.uppercased() { return false }
        let actual = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .rest: return true
            case .one: guard index < actual.count, !actual[index].isEmpty else { return false }
            case .literal(let text): guard index < actual.count, actual[index] == text else { return false }
            }
        }
        return actual.count == segments.count
    }
}
