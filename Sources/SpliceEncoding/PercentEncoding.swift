/// RFC 3986 percent-encoding over UTF-8 bytes, in the one place Splice's modules share: the signer's canonical
/// request, the ids Splice puts in upstream paths, and the paths it checks.
public enum PercentEncoding {
    /// RFC 3986 unreserved characters: `A-Z a-z 0-9 - _ . ~`. Inlinable: callers test it once per byte.
    @inlinable @inline(__always)
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let upperHexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// The UTF-8 bytes of `string` with every byte that `keep` refuses written as upper-case `%XX`. Returns
    /// `string` itself when nothing needs encoding (the common case).
    public static func encode(_ string: String, keeping keep: (UInt8) -> Bool) -> String {
        let bytes = string.utf8
        if bytes.allSatisfy(keep) { return string }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        for byte in bytes {
            if keep(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHexDigits[Int(byte >> 4)])
                out.append(upperHexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-decoding as Python's `unquote_to_bytes`: each `%` followed by two hex digits (either case) becomes that
    /// byte; a `%` not followed by two hex digits is kept literally; every other byte is kept.
    public static func decode(_ string: some StringProtocol) -> [UInt8] {
        let bytes = Array(string.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = Hex.value(ofDigit: bytes[index + 1]), let low = Hex.value(ofDigit: bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }
}
