/// The byte-level encodings of the canonical request (docs/huawei-signing.md, stage 1), written over UTF-8 bytes
/// so that they match Python's `urllib.parse.quote(s, safe='~')`, `unquote(s)` and `str.strip()` exactly rather
/// than whatever Foundation's character sets happen to contain.
extension HuaweiSigner {
    /// RFC 3986 unreserved characters: `A-Z a-z 0-9 - _ . ~`. Everything else is `%XX`.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
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

    /// Appends `byte` percent-encoded when needed: unreserved bytes are kept, and so is `/` when `keepSlash`;
    /// every other byte becomes `%XX` with upper-case hex digits.
    @inline(__always)
    private static func appendEncoded(_ byte: UInt8, keepSlash: Bool, to out: inout [UInt8]) {
        if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
            out.append(byte)
        } else {
            out.append(UInt8(ascii: "%"))
            out.append(upperHexDigits[Int(byte >> 4)])
            out.append(upperHexDigits[Int(byte & 0x0F)])
        }
    }

    /// RFC 3986 percent-encoding of the UTF-8 bytes of `string` (Python `quote(s, safe='~')`): unreserved characters
    /// kept, anything else, `/` included, as upper-case `%XX`. Used for query names and values.
    static func percentEncode(_ string: String) -> String {
        percentEncode(utf8: string.utf8, keepSlash: false, original: string)
    }

    /// Shared encoder: returns `original` untouched when nothing needs encoding (the common case).
    private static func percentEncode(
        utf8 bytes: some Collection<UInt8>,
        keepSlash: Bool,
        original: String?
    ) -> String {
        if let original, bytes.allSatisfy({ isUnreserved($0) || (keepSlash && $0 == UInt8(ascii: "/")) }) {
            return original
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        for byte in bytes {
            appendEncoded(byte, keepSlash: keepSlash, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-decoding as Python's `unquote_to_bytes`: each `%` followed by two hex digits (either case) becomes that
    /// byte; a `%` not followed by two hex digits is kept literally; every other byte is kept.
    static func percentDecode(_ string: String) -> [UInt8] {
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

    /// The canonical form of a wire path (pitfall 2): percent-decode the whole path (so `%2F` becomes a literal `/`),
    /// read it as UTF-8 (ill-formed sequences become U+FFFD, as Python's `unquote` does with `errors='replace'`),
    /// split on `/`, percent-encode each segment with RFC 3986 unreserved kept, and join with `/`. The trailing `/`
    /// is added by ``canonicalURI(_:)``, not here.
    static func canonicalPath(_ path: String) -> String {
        let utf8 = path.utf8
        // Fast path: nothing to decode and nothing to encode.
        if utf8.allSatisfy({ isUnreserved($0) || $0 == UInt8(ascii: "/") }) {
            return path
        }
        let decoded = percentDecode(path)
        // Re-reading through String repairs ill-formed UTF-8 with U+FFFD (maximal subparts, like CPython's decoder).
        // `/` is ASCII, so splitting before or after the repair gives the same segments: keeping `/` while encoding
        // is the same as split, encode each segment, join.
        let text = String(decoding: decoded, as: UTF8.self)
        return percentEncode(utf8: text.utf8, keepSlash: true, original: nil)
    }

    /// True for the characters Python's `str.isspace()` accepts, which `str.strip()` removes (pitfall 3).
    @inline(__always)
    static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// A header value trimmed as Python's `str.strip()`: leading and trailing whitespace removed, inner kept.
    static func trimmed(_ value: String) -> String {
        let scalars = value.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isPythonWhitespace($0) }),
            let last = scalars.lastIndex(where: { !isPythonWhitespace($0) })
        else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex {
            return value
        }
        return String(scalars[first...last])
    }

    /// Orders strings by Unicode code point, as Python compares `str` (UTF-8 byte order is code point order).
    /// Swift's own `<` compares canonically-equivalent forms and so can disagree with the SDK.
    @inline(__always)
    static func codePointLess(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// Equality of code points, as Python compares `str`; Swift's `==` also equates canonically-equivalent strings
    /// (`"e\u{301}" == "\u{E9}"`), which the SDK does not.
    @inline(__always)
    static func codePointEqual(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8)
    }
}

extension HuaweiSigner {
    /// The decoded `name=value` pairs of a query as it goes on the wire (without `?`), in order: split on `&`, then
    /// on the first `=`, each side percent-decoded (a `+` stays a `+`, as RFC 3986 and the SDK's encoder have it).
    /// For a signer or verifier that starts from a wire query; ``canonicalQuery(_:)`` sorts and re-encodes them.
    public static func queryPairs(_ rawQuery: String) -> [(name: String, value: String)] {
        rawQuery.split(separator: "&", omittingEmptySubsequences: true).map { item -> (name: String, value: String) in
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(decoding: percentDecode(String(pair[0])), as: UTF8.self)
            let value = pair.count > 1 ? String(decoding: percentDecode(String(pair[1])), as: UTF8.self) : ""
            return (name: name, value: value)
        }
    }
}
