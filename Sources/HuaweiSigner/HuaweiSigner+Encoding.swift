import SpliceEncoding

/// The byte-level encodings of the canonical request (docs/huawei-signing.md, stage 1), written over UTF-8 bytes
/// so that they match Python's `urllib.parse.quote(s, safe='~')`, `unquote(s)` and `str.strip()` exactly rather
/// than whatever Foundation's character sets happen to contain.
extension HuaweiSigner {
    /// RFC 3986 unreserved characters: `A-Z a-z 0-9 - _ . ~`. Everything else is `%XX`.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool { PercentEncoding.isUnreserved(byte) }

    /// RFC 3986 percent-encoding of the UTF-8 bytes of `string` (Python `quote(s, safe='~')`): unreserved characters
    /// kept, anything else, `/` included, as upper-case `%XX`. Used for query names and values.
    static func percentEncode(_ string: String) -> String {
        PercentEncoding.encode(string, keeping: PercentEncoding.isUnreserved)
    }

    /// Percent-decoding as Python's `unquote_to_bytes`.
    static func percentDecode(_ string: String) -> [UInt8] { PercentEncoding.decode(string) }

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
        // Fast path: nothing to trim when both ends are ASCII and not whitespace (the usual header value).
        if let first = value.utf8.first, let last = value.utf8.last, first < 0x80, last < 0x80,
            !isPythonWhitespace(Unicode.Scalar(first)), !isPythonWhitespace(Unicode.Scalar(last))
        {
            return value
        }
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
