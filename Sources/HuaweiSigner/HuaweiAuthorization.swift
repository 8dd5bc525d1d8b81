import SpliceEncoding

/// A parsed `Authorization` value, for a verifier such as the provider emulator (docs/huawei-signing.md: the
/// verifier signs whatever `SignedHeaders` lists).
///
/// Accepted forms, exactly as the signer writes them (parameters separated by `,` and optional spaces):
/// - `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=<64 hex>`
/// - `V11-HMAC-SHA256 Credential=AK/YYYYMMDD/region/service, SignedHeaders=a;b, Signature=<64 hex>`
public struct HuaweiAuthorization: Sendable, Equatable {
    /// `SDK-HMAC-SHA256` or `V11-HMAC-SHA256`.
    public var algorithm: String
    /// From `Access=…`, or the part of `Credential=AK/scope` before the first `/`.
    public var accessKey: String
    /// Lower-cased names from `SignedHeaders=`, in the order given.
    public var signedHeaders: [String]
    /// The lower-case hex signature.
    public var signature: String
    /// For `V11-HMAC-SHA256`, the scope `YYYYMMDD/region/service` of `Credential=`; nil otherwise.
    public var scope: String?

    /// Parses `value`; nil when it is malformed: unknown algorithm, a missing, repeated or unknown parameter, an
    /// empty access key or header name, a V11 scope that is not `date/region/service`, or a signature that is not
    /// 64 lower-case hex digits.
    public init?(parsing value: String) {
        let text = HuaweiSigner.trimmed(value)
        guard let space = text.firstIndex(of: " ") else { return nil }
        let algorithm = String(text[..<space])
        let isV11: Bool
        switch algorithm {
        case HuaweiSigningAlgorithm.sdkHMACSHA256.name: isV11 = false
        case "V11-HMAC-SHA256": isV11 = true
        default: return nil
        }

        var parameters: [String: String] = [:]
        for part in text[text.index(after: space)...].split(separator: ",", omittingEmptySubsequences: false) {
            let item = HuaweiSigner.trimmed(String(part))
            guard let equals = item.firstIndex(of: "=") else { return nil }
            let key = String(item[..<equals])
            guard parameters[key] == nil else { return nil }
            parameters[key] = String(item[item.index(after: equals)...])
        }
        let keyName = isV11 ? "Credential" : "Access"
        guard parameters.count == 3, let credential = parameters[keyName],
            let signedHeaders = parameters["SignedHeaders"], let signature = parameters["Signature"],
            Hex.isLowercase(signature, count: 64)
        else { return nil }

        let names = signedHeaders.split(separator: ";", omittingEmptySubsequences: false).map { $0.lowercased() }
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else { return nil }

        if isV11 {
            let pieces = credential.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count == 4, pieces.allSatisfy({ !$0.isEmpty }) else { return nil }
            self.accessKey = String(pieces[0])
            self.scope = pieces[1...].joined(separator: "/")
        } else {
            guard !credential.isEmpty, !credential.contains(" ") else { return nil }
            self.accessKey = credential
            self.scope = nil
        }
        self.algorithm = algorithm
        self.signedHeaders = names
        self.signature = signature
    }

    /// The `Authorization` value again, in the signer's exact format (`parse(headerValue)` round-trips).
    public var headerValue: String {
        let credential = scope.map { "Credential=\(accessKey)/\($0)" } ?? "Access=\(accessKey)"
        return "\(algorithm) \(credential), SignedHeaders=\(signedHeaders.joined(separator: ";")), Signature=\(signature)"
    }
}
