import Crypto
import SpliceEncoding

/// The canonical request, string to sign and `Authorization` value written as UTF-8 bytes into one buffer, so that a
/// signature builds no intermediate `String`s. The public `String` stages are thin wrappers over these.
extension HuaweiSigner {
    /// The headers to sign: lower-cased names and trimmed values side by side in one byte buffer, then sorted.
    struct HeaderTable {
        struct Entry {
            var nameStart: Int
            /// The value follows the name directly: `nameEnd..<valueEnd`.
            var nameEnd: Int
            var valueEnd: Int
            var order: Int
        }

        private(set) var bytes: [UInt8] = []
        private(set) var entries: [Entry] = []

        init(capacity: Int) {
            bytes.reserveCapacity(capacity * 48)
            entries.reserveCapacity(capacity)
        }

        init(_ headers: [(name: String, value: String)]) {
            self.init(capacity: headers.count)
            for header in headers { add(name: header.name, value: header.value) }
            finish()
        }

        /// Adds one header as the SDK does: skipped when its name has a `_`, else the name lower-cased (byte by byte
        /// when ASCII, else as `lowercased()`) and the value trimmed like Python's `strip()`.
        mutating func add(name: String, value: String) {
            let nameStart = bytes.count
            // Copied in bulk, then checked and lower-cased in place: cheaper than appending byte by byte.
            bytes.append(contentsOf: name.utf8)
            var skip = false
            var isASCII = true
            bytes.withUnsafeMutableBufferPointer { buffer in
                for index in nameStart..<buffer.count {
                    let byte = buffer[index]
                    if byte == UInt8(ascii: "_") {
                        skip = true
                        return
                    }
                    if byte >= 0x80 { isASCII = false }
                    if isUpperASCII(byte) { buffer[index] = byte | 0x20 }
                }
            }
            if skip || !isASCII { bytes.removeLast(bytes.count - nameStart) }
            if skip { return }
            if !isASCII { bytes.append(contentsOf: name.lowercased().utf8) }
            let nameEnd = bytes.count
            appendTrimmed(value, to: &bytes)
            entries.append(Entry(nameStart: nameStart, nameEnd: nameEnd, valueEnd: bytes.count, order: entries.count))
        }

        /// Sorts by name in code point order (UTF-8 byte order), a repeated name in the order given, then keeps only
        /// the last value of each name, as the SDK's header dictionary does.
        mutating func finish() {
            var sorted = entries
            bytes.withUnsafeBufferPointer { buffer in
                sorted.sort { lhs, rhs in
                    switch HeaderTable.compareNames(buffer, lhs, rhs) {
                    case 0: return lhs.order < rhs.order
                    case let order: return order < 0
                    }
                }
                var kept = 0
                for index in sorted.indices {
                    if index + 1 < sorted.count, HeaderTable.compareNames(buffer, sorted[index], sorted[index + 1]) == 0 {
                        continue
                    }
                    sorted[kept] = sorted[index]
                    kept += 1
                }
                sorted.removeLast(sorted.count - kept)
            }
            entries = sorted
        }

        /// -1, 0 or 1 as the name of `lhs` sorts before, with or after that of `rhs`.
        private static func compareNames(_ buffer: UnsafeBufferPointer<UInt8>, _ lhs: Entry, _ rhs: Entry) -> Int {
            let lhsCount = lhs.nameEnd - lhs.nameStart
            let rhsCount = rhs.nameEnd - rhs.nameStart
            for offset in 0..<min(lhsCount, rhsCount) {
                let left = buffer[lhs.nameStart + offset]
                let right = buffer[rhs.nameStart + offset]
                if left != right { return left < right ? -1 : 1 }
            }
            return lhsCount == rhsCount ? 0 : (lhsCount < rhsCount ? -1 : 1)
        }

        /// `CanonicalHeaders`: `name:value\n` per entry.
        func appendCanonicalHeaders(to out: inout [UInt8]) {
            bytes.withUnsafeBufferPointer { buffer in
                for entry in entries {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[entry.nameStart..<entry.nameEnd]))
                    out.append(UInt8(ascii: ":"))
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[entry.nameEnd..<entry.valueEnd]))
                    out.append(UInt8(ascii: "\n"))
                }
            }
        }

        /// `SignedHeaders`: the names joined with `;`.
        func appendSignedHeaders(to out: inout [UInt8]) {
            bytes.withUnsafeBufferPointer { buffer in
                for (index, entry) in entries.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ";")) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[entry.nameStart..<entry.nameEnd]))
                }
            }
        }
    }

    @inline(__always)
    static func isUpperASCII(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// Appends `value` trimmed like Python's `str.strip()` (see ``trimmed(_:)``).
    static func appendTrimmed(_ value: String, to out: inout [UInt8]) {
        // Fast path: both ends ASCII and not whitespace (the usual header value): the bytes as they are.
        if let first = value.utf8.first, let last = value.utf8.last, first < 0x80, last < 0x80,
            !isPythonWhitespace(Unicode.Scalar(first)), !isPythonWhitespace(Unicode.Scalar(last))
        {
            out.append(contentsOf: value.utf8)
        } else {
            out.append(contentsOf: trimmed(value).utf8)
        }
    }

    /// Appends `%XX` (upper-case hex) for every byte `keep` refuses, the byte itself otherwise.
    @inline(__always)
    static func appendPercentEncoded(_ bytes: some Sequence<UInt8>, keepingSlash: Bool, to out: inout [UInt8]) {
        for byte in bytes {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHexDigit(byte >> 4))
                out.append(upperHexDigit(byte & 0x0F))
            }
        }
    }

    @inline(__always)
    static func upperHexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }

    private static let lowerHexDigits: StaticString = "0123456789abcdef"

    /// Appends lower-case hex of `bytes`, two characters per byte.
    static func appendHex(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        // Written on the stack, then appended in one copy: appending byte by byte checks capacity and uniqueness each time.
        // Digits from a static table: no branch and no overflow check per nibble.
        let digits = lowerHexDigits.utf8Start
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count * 2) { hex in
            var index = 0
            for byte in bytes {
                hex[index] = digits[Int(byte >> 4)]
                hex[index &+ 1] = digits[Int(byte & 0x0F)]
                index &+= 2
            }
            out.append(contentsOf: UnsafeBufferPointer(hex))
        }
    }

    /// SHA-256 of raw bytes (swift-crypto's `hash(bufferPointer:)` is not public; `hash(data:)` goes through regions).
    static func sha256(_ bytes: UnsafeRawBufferPointer) -> SHA256.Digest {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        return hasher.finalize()
    }

    /// Appends `CanonicalURI` (pitfall 2, see ``canonicalURI(_:)``): the whole wire path percent-decoded (so `%2F`
    /// becomes a literal `/`), read as UTF-8 (ill-formed sequences become U+FFFD, as Python's `unquote` does with
    /// `errors='replace'`), every byte but unreserved ones and `/` encoded as `%XX`, then a `/` unless it ends in one.
    static func appendCanonicalURI(_ path: String, to out: inout [UInt8]) {
        let start = out.count
        // Scanned as contiguous bytes when the string has them (native strings do), not through the UTF-8 view.
        let plain =
            path.utf8.withContiguousStorageIfAvailable { bytes in
                bytes.allSatisfy { isUnreserved($0) || $0 == UInt8(ascii: "/") }
            } ?? path.utf8.allSatisfy { isUnreserved($0) || $0 == UInt8(ascii: "/") }
        if plain {
            // Nothing to decode and nothing to encode.
            out.append(contentsOf: path.utf8)
        } else {
            let decoded = percentDecode(path)
            if decoded.allSatisfy({ $0 < 0x80 }) {
                // ASCII is well-formed UTF-8: no repair, so no String.
                appendPercentEncoded(decoded, keepingSlash: true, to: &out)
            } else {
                // Re-reading through String repairs ill-formed UTF-8 with U+FFFD (maximal subparts, like CPython's
                // decoder). `/` is ASCII, so keeping it while encoding is the same as split, encode each segment, join.
                appendPercentEncoded(String(decoding: decoded, as: UTF8.self).utf8, keepingSlash: true, to: &out)
            }
        }
        if out.count == start || out[out.count - 1] != UInt8(ascii: "/") {
            out.append(UInt8(ascii: "/"))
        }
    }

    /// Appends `CanonicalQuery` (see ``canonicalQuery(_:)``).
    static func appendCanonicalQuery(_ pairs: [(name: String, value: String)], to out: inout [UInt8]) {
        guard !pairs.isEmpty else { return }
        let sorted = pairs.sorted { lhs, rhs in
            codePointEqual(lhs.name, rhs.name)
                ? codePointLess(lhs.value, rhs.value) : codePointLess(lhs.name, rhs.name)
        }
        for (offset, pair) in sorted.enumerated() {
            if offset > 0 { out.append(UInt8(ascii: "&")) }
            appendPercentEncoded(pair.name.utf8, keepingSlash: false, to: &out)
            out.append(UInt8(ascii: "="))
            appendPercentEncoded(pair.value.utf8, keepingSlash: false, to: &out)
        }
    }

    /// What the last line of the canonical request holds.
    enum PayloadHashSource {
        /// SHA-256 of these bytes (never empty).
        case hash([UInt8])
        /// A literal: the empty-body hash, `UNSIGNED-PAYLOAD`, or a declared `X-Sdk-Content-Sha256`.
        case literal(String)

        init(_ payload: HuaweiPayload) {
            switch payload {
            case .bytes(let body): self = body.isEmpty ? .literal(emptyBodyHash) : .hash(body)
            case .unsigned: self = .literal(unsignedPayload)
            }
        }

        /// Exactly as the SDK decides it from a request: an absent or empty body gives the empty-body hash; otherwise
        /// the (trimmed) value of an `X-Sdk-Content-Sha256` header, whatever it is, when present; otherwise the
        /// SHA-256 of the body.
        init(body: [UInt8]?, headers: [(name: String, value: String)]) {
            guard let body, !body.isEmpty else {
                self = .literal(emptyBodyHash)
                return
            }
            if let declared = lastValue(of: contentSHA256Header, in: headers) {
                self = .literal(declared)
            } else {
                self = .hash(body)
            }
        }

        func append(to out: inout [UInt8]) {
            switch self {
            case .hash(let body):
                let digest = body.withUnsafeBytes { HuaweiSigner.sha256($0) }
                digest.withUnsafeBytes { appendHex($0, to: &out) }
            case .literal(let text):
                out.append(contentsOf: text.utf8)
            }
        }
    }

    /// Appends `CanonicalRequest` (see ``canonicalRequest(_:)``).
    static func appendCanonicalRequest(
        method: String,
        path: String,
        query: [(name: String, value: String)],
        headers: HeaderTable,
        payload: PayloadHashSource,
        to out: inout [UInt8]
    ) {
        if method.utf8.contains(where: { (0x61...0x7A).contains($0) }) {
            if method.utf8.allSatisfy({ $0 < 0x80 }) {
                for byte in method.utf8 { out.append((0x61...0x7A).contains(byte) ? byte - 0x20 : byte) }
            } else {
                out.append(contentsOf: method.uppercased().utf8)
            }
        } else {
            out.append(contentsOf: method.utf8)
        }
        out.append(UInt8(ascii: "\n"))
        appendCanonicalURI(path, to: &out)
        out.append(UInt8(ascii: "\n"))
        appendCanonicalQuery(query, to: &out)
        out.append(UInt8(ascii: "\n"))
        headers.appendCanonicalHeaders(to: &out)
        out.append(UInt8(ascii: "\n"))
        headers.appendSignedHeaders(to: &out)
        out.append(UInt8(ascii: "\n"))
        payload.append(to: &out)
    }

    /// A buffer with room for a whole signature's bytes, so that it rarely grows.
    static func signingBuffer(path: String, query: [(name: String, value: String)], headers: HeaderTable) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + path.utf8.count * 3 + headers.bytes.count * 2 + (query.isEmpty ? 0 : 256))
        return out
    }

    // MARK: Signing from bytes

    /// Appends `StringToSign` for a canonical request whose SHA-256 is `digest`.
    func appendStringToSign(digest: SHA256.Digest, sdkDate: String, to out: inout [UInt8]) {
        out.append(contentsOf: algorithm.name.utf8)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: sdkDate.utf8)
        out.append(UInt8(ascii: "\n"))
        if let scope = scope(sdkDate: sdkDate) {
            out.append(contentsOf: scope.utf8)
            out.append(UInt8(ascii: "\n"))
        }
        digest.withUnsafeBytes { Self.appendHex($0, to: &out) }
    }

    /// The `Authorization` value for the canonical request that fills `out`, built from `headers`. The string to sign
    /// and the value are written after it in the same buffer.
    func authorization(canonicalRequest out: inout [UInt8], headers: HeaderTable, sdkDate: String) -> String {
        let digest = out.withUnsafeBytes { Self.sha256($0) }
        let stringToSignStart = out.count
        appendStringToSign(digest: digest, sdkDate: sdkDate, to: &out)
        var mac = keyedMAC(sdkDate: sdkDate)
        out.withUnsafeBytes { mac.update(data: UnsafeRawBufferPointer(rebasing: $0[stringToSignStart...])) }
        let code = mac.finalize()

        let valueStart = out.count
        out.append(contentsOf: algorithm.name.utf8)
        if let scope = scope(sdkDate: sdkDate) {
            out.append(contentsOf: " Credential=".utf8)
            out.append(contentsOf: credentials.accessKey.utf8)
            out.append(UInt8(ascii: "/"))
            out.append(contentsOf: scope.utf8)
        } else {
            out.append(contentsOf: " Access=".utf8)
            out.append(contentsOf: credentials.accessKey.utf8)
        }
        out.append(contentsOf: ", SignedHeaders=".utf8)
        // Written again from the table: copying it from `out` into `out` would copy the whole buffer.
        headers.appendSignedHeaders(to: &out)
        out.append(contentsOf: ", Signature=".utf8)
        code.withUnsafeBytes { Self.appendHex($0, to: &out) }
        return String(decoding: out[valueStart...], as: UTF8.self)
    }
}
