import SpliceEncoding

/// Percent-encoding of ids that go into an upstream URL path.
package enum PathEncoding {
    /// Encodes `value` as exactly one path segment: everything but RFC 3986 unreserved characters is
    /// percent-encoded, so `/`, `?`, `#` and `%` in an id can never change which endpoint is called.
    /// A segment made only of dots (`.`, `..`) is encoded too, so that no one normalizes it away.
    package static func segment(_ value: String) -> String {
        let dotsOnly = value.allSatisfy { $0 == "." }
        return PercentEncoding.encode(value) { isUnreserved($0) && !(dotsOnly && $0 == UInt8(ascii: ".")) }
    }

    /// Percent-decodes a path segment (`%2e%2E` is `..`); a `%` not followed by two hex digits is kept.
    package static func decoded(_ segment: Substring) -> String {
        String(decoding: PercentEncoding.decode(segment), as: UTF8.self)
    }

    package static func isUnreserved(_ byte: UInt8) -> Bool { PercentEncoding.isUnreserved(byte) }

    /// Characters that may stand in a path as written (unreserved, sub-delims, ':', '@', '/', and '%' escapes).
    static func isAllowedInPath(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        let byte = UInt8(scalar.value)
        return isUnreserved(byte) || "!$&'()*+,;=:@/%".utf8.contains(byte)
    }
}
