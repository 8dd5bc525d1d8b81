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
