/// A route's `upstream`: scheme, host, port and an optional path prefix that is kept in front of every
/// provider path (Tenovos v1 hosts serve under `/content-store-v1`).
package struct UpstreamURL: Sendable, Equatable, CustomStringConvertible {
    package enum Scheme: String, Sendable {
        case http
        case https

        package var defaultPort: Int { self == .https ? 443 : 80 }
    }

    package var scheme: Scheme
    /// Host name or IP address; IPv6 without brackets.
    package var host: String
    /// The explicit port, `nil` when the URL has none.
    package var port: Int?
    /// Path prefix without a trailing slash (`""` or e.g. `/content-store-v1`), percent-encoded as written.
    package var pathPrefix: String

    /// The `Host` header value that goes on the wire: the port only when it is not the scheme's default.
    package var hostHeader: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        if let port, port != scheme.defaultPort { return "\(hostPart):\(port)" }
        return hostPart
    }

    /// `scheme://host[:port]`
    package var origin: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme.rawValue)://\(hostPart)" + (port.map { ":\($0)" } ?? "")
    }

    package var description: String { origin + pathPrefix }

    /// Loopback hosts may be reached over plain `http` (emulators, tests); everything else needs `https`.
    package var isLoopback: Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" { return true }
        let octets = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Why a string is not a usable upstream URL.
    package struct ParseError: Error, Sendable, Equatable {
        package var reason: String
    }

    /// Parses `http(s)://host[:port][/prefix]`. User info, queries and fragments are refused:
    /// credentials belong in `credentials`, and a query would be silently dropped.
    package init(parsing text: String) throws(ParseError) {
        let rest: Substring
        if text.lowercased().hasPrefix("https://") {
            scheme = .https
            rest = text.dropFirst("https://".count)
        } else if text.lowercased().hasPrefix("http://") {
            scheme = .http
            rest = text.dropFirst("http://".count)
        } else {
            throw ParseError(reason: "must start with https:// (or http:// for a loopback host)")
        }
        if rest.contains("?") || rest.contains("#") {
            throw ParseError(reason: "must not contain a query or fragment")
        }
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        if authority.contains("@") {
            throw ParseError(reason: "must not contain user info; put credentials under 'credentials'")
        }

        var hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw ParseError(reason: "has an unclosed '['") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ParseError(reason: "has text after the IPv6 address") }
                portPart = after.dropFirst()
            }
            guard !hostPart.isEmpty, hostPart.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw ParseError(reason: "has an invalid IPv6 address")
            }
        } else {
            let pieces = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            hostPart = pieces[0]
            portPart = pieces.count > 1 ? pieces[1] : nil
            let allowed = hostPart.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
            guard !hostPart.isEmpty, allowed else { throw ParseError(reason: "has no valid host name") }
        }
        host = String(hostPart).lowercased()
        if let portPart {
            guard let number = Int(portPart), (1...65535).contains(number) else {
                throw ParseError(reason: "has an invalid port")
            }
            port = number
        } else {
            port = nil
        }

        var prefix = String(path)
        while prefix.hasSuffix("/") { prefix.removeLast() }
        let pathAllowed = prefix.unicodeScalars.allSatisfy { PathEncoding.isAllowedInPath($0) }
        guard pathAllowed else { throw ParseError(reason: "has characters in its path that must be percent-encoded") }
        pathPrefix = prefix
    }
}
