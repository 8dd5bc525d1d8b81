/// Percent-encoding of ids that go into an upstream URL path.
package enum PathEncoding {
    /// Encodes `value` as exactly one path segment: everything but RFC 3986 unreserved characters is
    /// percent-encoded, so `/`, `?`, `#` and `%` in an id can never change which endpoint is called.
    /// A segment made only of dots (`.`, `..`) is encoded too, so that no one normalizes it away.
    package static func segment(_ value: String) -> String {
        let dotsOnly = value.allSatisfy { $0 == "." }
        var output = ""
        output.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            if isUnreserved(byte) && !(dotsOnly && byte == UInt8(ascii: ".")) {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output += "%" + hex(byte >> 4) + hex(byte & 0x0F)
            }
        }
        return output
    }

    /// Percent-decodes a path segment (`%2e%2E` is `..`); a `%` not followed by two hex digits is kept.
    package static func decoded(_ segment: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(segment.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2, let high = hexValue(utf8[utf8.startIndex]),
                let low = hexValue(utf8[utf8.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    package static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// Characters that may stand in a path as written (unreserved, sub-delims, ':', '@', '/', and '%' escapes).
    static func isAllowedInPath(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        let byte = UInt8(scalar.value)
        return isUnreserved(byte) || "!$&'()*+,;=:@/%".utf8.contains(byte)
    }

    private static func hex(_ nibble: UInt8) -> String {
        String(UnicodeScalar(nibble < 10 ? nibble + 48 : nibble + 55))
    }
}
