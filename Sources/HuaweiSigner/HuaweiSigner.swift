import Crypto
import Foundation
import SpliceEncoding

/// Huawei Cloud AK/SK request signer, byte for byte the official SDK's `Signer` (`SDK-HMAC-SHA256`) and
/// `DerivationAKSKSigner` (`V11-HMAC-SHA256`) of huaweicloudsdkcore 3.1.219 (docs/huawei-signing.md).
///
/// One function per stage, as in soto-core's SigV4 signer:
/// ``canonicalRequest(_:)`` → ``stringToSign(canonicalRequest:sdkDate:)`` → ``signature(stringToSign:sdkDate:)``
/// → ``authorization(signedHeaders:signature:sdkDate:)``. The clock is never read: the date comes from the
/// input's `X-Sdk-Date` header, or from the `date:` argument of ``sign(method:host:path:query:headers:body:date:)``.
public struct HuaweiSigner: Sendable {
    /// The access key and secret key.
    public let credentials: HuaweiCredentials
    /// `SDK-HMAC-SHA256` or the derived `V11-HMAC-SHA256`.
    public let algorithm: HuaweiSigningAlgorithm
    /// The secret key's UTF-8 bytes as a key, built once: the `SDK-HMAC-SHA256` signing key and the V11 HKDF input.
    private let secretKey: SymmetricKey
    /// HMAC-SHA256 already keyed with `secretKey` (ipad and opad blocks hashed): a value type, copied per signature
    /// instead of keying again.
    private let secretKeyMAC: HMAC<SHA256>

    public init(credentials: HuaweiCredentials, algorithm: HuaweiSigningAlgorithm = .sdkHMACSHA256) {
        self.credentials = credentials
        self.algorithm = algorithm
        self.secretKey = SymmetricKey(data: Array(credentials.secretKey.utf8))
        self.secretKeyMAC = HMAC<SHA256>(key: secretKey)
    }

    // MARK: Constants

    /// SHA-256 of the empty string: the payload hash of an absent or empty body.
    static let emptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// The payload hash of a request that carries `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`.
    static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// Lower-cased header names the signer looks up.
    static let contentSHA256Header = "x-sdk-content-sha256"
    static let dateHeader = "x-sdk-date"
    static let hostHeader = "host"

    // MARK: Stage 1: canonical request

    /// `CanonicalURI` (docs/huawei-signing.md, stage 1): the wire path percent-decoded as a whole (so a `%2F` inside
    /// a path parameter becomes a literal `/`), split on `/`, each segment re-encoded with RFC 3986 unreserved
    /// characters kept and everything else as upper-case UTF-8 `%XX` (`~` kept, `:` → `%3A`), joined with `/`,
    /// then ending in exactly one added `/` unless it already ends in `/`.
    ///
    /// The trailing `/` exists only here: the request is sent with its path unchanged.
    public static func canonicalURI(_ path: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(path.utf8.count + 1)
        appendCanonicalURI(path, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `CanonicalQuery` (docs/huawei-signing.md, stage 1): the decoded pairs sorted by raw name then raw value (Unicode code point
    /// order, as Python sorts), each written `enc(name)=enc(value)` with RFC 3986 encoding (space → `%20`,
    /// `/` → `%2F`, `+` → `%2B`, `~` kept), joined with `&`; the empty string when there are no pairs.
    ///
    /// The SDK also sends exactly this string as the query, so a client may use it for the wire URL too.
    /// List values are repeated pairs; booleans are `true`/`false` (the caller's job, as pairs are strings).
    public static func canonicalQuery(_ pairs: [(name: String, value: String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        var out: [UInt8] = []
        appendCanonicalQuery(pairs, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `SignedHeaders` (docs/huawei-signing.md, stage 1): the lower-cased names of every header whose name has no `_`,
    /// sorted, joined with `;`, e.g. `content-type;host;x-sdk-date`.
    ///
    /// Names containing `_` are dropped (the SDK never signs them), names are lower-cased, values trimmed like
    /// Python's `strip()` (inner whitespace kept), sorted by name. A name given more than once (in any case) keeps its
    /// last value, as the SDK's header dictionary does.
    public static func signedHeaders(_ headers: [(name: String, value: String)]) -> String {
        var out: [UInt8] = []
        HeaderTable(headers).appendSignedHeaders(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `CanonicalHeaders` (docs/huawei-signing.md, stage 1): `name:value\n` for each signed header, in `SignedHeaders`
    /// order; names lower-cased, values trimmed (so `X-App-UserId: "  user-42  "` is `x-app-userid:user-42`).
    /// `Host` is signed verbatim, `:port` included. Ends with `\n`.
    public static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> String {
        var out: [UInt8] = []
        HeaderTable(headers).appendCanonicalHeaders(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `PayloadHash` (docs/huawei-signing.md, stage 1): lower-case hex SHA-256 of the exact body bytes (an empty body gives
    /// `e3b0c442…b855`), or the literal `UNSIGNED-PAYLOAD`.
    public static func payloadHash(_ payload: HuaweiPayload) -> String {
        switch payload {
        case .bytes(let body): return body.isEmpty ? emptyBodyHash : Hex.lowercase(SHA256.hash(data: body))
        case .unsigned: return unsignedPayload
        }
    }

    /// `CanonicalRequest` (docs/huawei-signing.md, stage 1):
    /// `METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash`.
    /// `CanonicalHeaders` already ends in `\n`, so a blank line precedes `SignedHeaders`; the method is upper-cased.
    public static func canonicalRequest(_ input: HuaweiSigningInput) -> String {
        let headers = HeaderTable(input.headers)
        var out = signingBuffer(path: input.path, query: input.query, headers: headers)
        appendCanonicalRequest(
            method: input.method, path: input.path, query: input.query, headers: headers,
            payload: PayloadHashSource(input.payload), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `CanonicalRequest` for `input` (see the static ``canonicalRequest(_:)``; it does not depend on the key).
    public func canonicalRequest(_ input: HuaweiSigningInput) -> String {
        Self.canonicalRequest(input)
    }

    // MARK: Stage 2: string to sign

    /// The V11 credential scope `YYYYMMDD/region/service`, the date part taken from `X-Sdk-Date`
    /// (docs/huawei-signing.md, V11-HMAC-SHA256); nil for `SDK-HMAC-SHA256`.
    public func scope(sdkDate: String) -> String? {
        guard case .derivedV11(let region, let service) = algorithm else { return nil }
        return String(sdkDate.prefix(8)) + "/" + region + "/" + service
    }

    /// `StringToSign` (docs/huawei-signing.md, stage 2): `SDK-HMAC-SHA256 \n X-Sdk-Date \n hex(SHA256(CanonicalRequest))`, or for
    /// V11 `V11-HMAC-SHA256 \n X-Sdk-Date \n scope \n hex(SHA256(CanonicalRequest))`.
    public func stringToSign(canonicalRequest: String, sdkDate: String) -> String {
        var canonical = canonicalRequest
        // Hashed in place: the canonical request is large, and a copy of its bytes would cost more than the hash.
        let digest = canonical.withUTF8 { Self.sha256(UnsafeRawBufferPointer($0)) }
        var out: [UInt8] = []
        out.reserveCapacity(128)
        appendStringToSign(digest: digest, sdkDate: sdkDate, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Stage 3: signature

    /// The HMAC key (docs/huawei-signing.md, stage 3 and V11-HMAC-SHA256): the secret key's UTF-8 bytes for
    /// `SDK-HMAC-SHA256`; for V11 the 64-character lower-case hex of `HKDF-SHA256(IKM = SK, salt = AK, info = scope,
    /// L = 32)`, used as ASCII bytes.
    func signingKey(sdkDate: String) -> SymmetricKey {
        guard let scope = scope(sdkDate: sdkDate) else { return secretKey }
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secretKey,
            salt: Array(credentials.accessKey.utf8),
            info: Array(scope.utf8),
            outputByteCount: 32
        )
        let hex = derived.withUnsafeBytes { Hex.lowercase($0) }
        return SymmetricKey(data: Array(hex.utf8))
    }

    /// `Signature` (docs/huawei-signing.md, stage 3): lower-case hex `HMAC-SHA256(signing key, StringToSign)`. `sdkDate` only
    /// matters for V11, whose key is derived per day.
    public func signature(stringToSign: String, sdkDate: String) -> String {
        var text = stringToSign
        var mac = keyedMAC(sdkDate: sdkDate)
        text.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return Hex.lowercase(mac.finalize())
    }

    /// The HMAC keyed for `sdkDate`: a copy of the one keyed in `init` for `SDK-HMAC-SHA256`, keyed afresh with the
    /// per-day derived key for V11.
    func keyedMAC(sdkDate: String) -> HMAC<SHA256> {
        guard case .derivedV11 = algorithm else { return secretKeyMAC }
        return HMAC<SHA256>(key: signingKey(sdkDate: sdkDate))
    }

    // MARK: Stage 4: Authorization

    /// The `Authorization` value (docs/huawei-signing.md, stage 4):
    /// `SDK-HMAC-SHA256 Access=AK, SignedHeaders=…, Signature=…`, or for V11
    /// `V11-HMAC-SHA256 Credential=AK/scope, SignedHeaders=…, Signature=…` (the scope needs `sdkDate`).
    public func authorization(signedHeaders: String, signature: String, sdkDate: String) -> String {
        var out = algorithm.name
        if let scope = scope(sdkDate: sdkDate) {
            out.append(" Credential=")
            out.append(credentials.accessKey)
            out.append("/")
            out.append(scope)
        } else {
            out.append(" Access=")
            out.append(credentials.accessKey)
        }
        out.append(", SignedHeaders=")
        out.append(signedHeaders)
        out.append(", Signature=")
        out.append(signature)
        return out
    }

    // MARK: All stages

    /// The whole `Authorization` value for `input`: signs exactly the headers of `input.headers` whose name has no
    /// `_`, with the date of its `X-Sdk-Date` header (any case; trimmed). Without an `X-Sdk-Date` the date is empty
    /// and the result can never verify.
    public func authorization(for input: HuaweiSigningInput) -> String {
        let sdkDate = Self.lastValue(of: Self.dateHeader, in: input.headers) ?? ""
        let headers = HeaderTable(input.headers)
        var out = Self.signingBuffer(path: input.path, query: input.query, headers: headers)
        Self.appendCanonicalRequest(
            method: input.method, path: input.path, query: input.query, headers: headers,
            payload: PayloadHashSource(input.payload), to: &out)
        return authorization(canonicalRequest: &out, headers: headers, sdkDate: sdkDate)
    }

    /// Convenience for a client, doing what the SDK's `sign_request` does: adds `X-Sdk-Date` (from `date`) and
    /// `Host` (unless `headers` already has one, in any case) to `headers`, signs every header (names without `_`),
    /// and returns the headers to ADD to the request: `[("X-Sdk-Date", …), ("Authorization", …)]`.
    ///
    /// - `host` is exactly the `Host` value that goes on the wire (with `:port` when not the scheme default).
    /// - `path` is the wire path (percent-encoded), `query` the decoded pairs (send ``canonicalQuery(_:)``).
    /// - The payload hash follows the SDK: an absent or empty `body` gives the empty-body hash; otherwise an
    ///   `X-Sdk-Content-Sha256` header in `headers` (e.g. `UNSIGNED-PAYLOAD`) is used literally; otherwise the body
    ///   is hashed. Hash exactly the bytes you send (pitfall 6).
    /// - If `headers` already holds an `X-Sdk-Date` (any case), that value is signed, as the SDK reuses it, and the
    ///   result holds only `Authorization`.
    public func sign(
        method: String,
        host: String,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)],
        body: [UInt8]?,
        date: Date
    ) -> [(name: String, value: String)] {
        // The added headers go into the table after the given ones, as if appended to them (no copy of `headers`).
        var table = HeaderTable(capacity: headers.count + 2)
        for header in headers { table.add(name: header.name, value: header.value) }
        let existingDate = Self.lastValue(of: Self.dateHeader, in: headers)
        let sdkDate = existingDate ?? Self.sdkDate(date)
        if existingDate == nil { table.add(name: "X-Sdk-Date", value: sdkDate) }
        if Self.lastValue(of: Self.hostHeader, in: headers) == nil { table.add(name: "Host", value: host) }
        table.finish()
        var out = Self.signingBuffer(path: path, query: query, headers: table)
        Self.appendCanonicalRequest(
            method: method, path: path, query: query, headers: table,
            payload: PayloadHashSource(body: body, headers: headers), to: &out)
        let value = authorization(canonicalRequest: &out, headers: table, sdkDate: sdkDate)
        if existingDate == nil {
            return [(name: "X-Sdk-Date", value: sdkDate), (name: "Authorization", value: value)]
        }
        return [(name: "Authorization", value: value)]
    }

    // MARK: Helpers

    /// The trimmed value of the last header named `lowercasedName` (ASCII case-insensitive), if any.
    static func lastValue(of lowercasedName: String, in headers: [(name: String, value: String)]) -> String? {
        for header in headers.reversed() where asciiCaseInsensitiveEquals(header.name, lowercasedName) {
            return trimmed(header.value)
        }
        return nil
    }

    /// `name` equals `lowercased` when ASCII letters of `name` are lower-cased.
    static func asciiCaseInsensitiveEquals(_ name: String, _ lowercased: String) -> Bool {
        guard name.utf8.count == lowercased.utf8.count else { return false }
        for (byte, expected) in zip(name.utf8, lowercased.utf8) {
            let folded = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            if folded != expected { return false }
        }
        return true
    }
}
