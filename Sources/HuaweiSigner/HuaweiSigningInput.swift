/// An access key / secret key pair for Huawei Cloud AK/SK signing (docs/huawei-signing.md).
///
/// The secret key is used as the HMAC key as its UTF-8 bytes (`SDK-HMAC-SHA256`), or as the HKDF
/// input keying material (`V11-HMAC-SHA256`).
public struct HuaweiCredentials: Sendable, Equatable {
    /// The access key (AK), sent in clear in the `Authorization` header.
    public var accessKey: String
    /// The secret key (SK), never sent.
    public var secretKey: String

    public init(accessKey: String, secretKey: String) {
        self.accessKey = accessKey
        self.secretKey = secretKey
    }
}

/// The signing algorithm (docs/huawei-signing.md).
public enum HuaweiSigningAlgorithm: Sendable, Equatable {
    /// `SDK-HMAC-SHA256`: HMAC-SHA256 keyed with the secret key. What the official SDK uses for MetaStudio.
    case sdkHMACSHA256
    /// `V11-HMAC-SHA256` (the SDK's `DerivationAKSKSigner`): the HMAC key is derived per day, region and
    /// service with HKDF-SHA256, and the string to sign carries the scope `YYYYMMDD/region/service`.
    case derivedV11(region: String, service: String)

    /// The algorithm token that opens the `Authorization` value and the string to sign.
    public var name: String {
        switch self {
        case .sdkHMACSHA256: return "SDK-HMAC-SHA256"
        case .derivedV11: return "V11-HMAC-SHA256"
        }
    }
}

/// What the last line of the canonical request says about the body (docs/huawei-signing.md, stage 1 `PayloadHash`).
public enum HuaweiPayload: Sendable, Equatable {
    /// The exact body bytes sent, hashed with SHA-256 (an empty array gives the empty-body hash `e3b0c442…`).
    case bytes([UInt8])
    /// The literal `UNSIGNED-PAYLOAD`. The request must then carry (and sign) `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`.
    case unsigned

    /// The payload as the official SDK decides it from a request (docs/huawei-signing.md, stage 1 `PayloadHash`): an absent or empty
    /// body gives the empty-body hash even when `X-Sdk-Content-Sha256` is present; otherwise a header
    /// `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` (name in any case, value trimmed) gives ``unsigned``; otherwise the
    /// body is hashed.
    ///
    /// Meant for a verifier that rebuilds the signing input from a received request. (The SDK would also use any
    /// other literal value of that header as the hash; such values cannot be expressed here and the body is hashed.)
    public init(body: [UInt8]?, headers: [(name: String, value: String)]) {
        guard let body, !body.isEmpty else {
            self = .bytes([])
            return
        }
        let declared = HuaweiSigner.lastValue(of: HuaweiSigner.contentSHA256Header, in: headers)
        self = declared == HuaweiSigner.unsignedPayload ? .unsigned : .bytes(body)
    }
}

/// Everything that is signed: one value, built by the caller (docs/huawei-signing.md).
///
/// It describes the request as it goes on the wire, not as the SDK's model holds it: the path is already
/// percent-encoded, and `headers` holds every header to sign, `Host` and `X-Sdk-Date` included.
public struct HuaweiSigningInput: Sendable {
    /// The HTTP method; upper-cased in the canonical request.
    public var method: String
    /// The path exactly as sent on the wire (percent-encoded), without the query. Never append the trailing `/` of
    /// the canonical URI to it (pitfall 1).
    public var path: String
    /// The decoded query pairs, in any order; a repeated name is a repeated pair. Booleans are `"true"`/`"false"`.
    public var query: [(name: String, value: String)]
    /// The headers to sign, names as sent. Must include `Host` (exactly as on the wire, with `:port` when not the
    /// scheme default) and `X-Sdk-Date`. Names containing `_` are ignored (the SDK never signs them).
    public var headers: [(name: String, value: String)]
    /// The body, or `UNSIGNED-PAYLOAD`.
    public var payload: HuaweiPayload

    public init(
        method: String,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)],
        payload: HuaweiPayload
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payload = payload
    }
}
