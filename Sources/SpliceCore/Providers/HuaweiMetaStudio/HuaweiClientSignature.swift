import Foundation
import HTTPTypes
import HuaweiSigner

/// Checks the signature a passthrough client's Huawei SDK made with AK = its Splice client name and SK = its
/// client key, exactly as Huawei's API gateway would (same signer, `X-Sdk-Date` within 15 minutes).
struct HuaweiClientSignature: ClientSignatureVerifier {
    static let allowedSkew: TimeInterval = 15 * 60

    func signer(of request: ClientSignedRequest) -> String? {
        request.headers[.authorization].flatMap(HuaweiAuthorization.init(parsing:))?.accessKey
    }

    func verify(_ request: ClientSignedRequest, key: String, now: Date) -> Bool {
        guard let authorization = request.headers[.authorization].flatMap(HuaweiAuthorization.init(parsing:)),
            let sdkDate = request.headers[.huaweiSdkDate], let date = HuaweiSigner.date(fromSDKDate: sdkDate),
            abs(date.timeIntervalSince(now)) <= Self.allowedSkew
        else { return false }
        let algorithm: HuaweiSigningAlgorithm
        if let scope = authorization.scope {
            let pieces = scope.split(separator: "/").map(String.init)
            guard pieces.count == 3, sdkDate.hasPrefix(pieces[0]) else { return false }
            algorithm = .derivedV11(region: pieces[1], service: pieces[2])
        } else {
            algorithm = .sdkHMACSHA256
        }
        // Sign exactly what was received: the headers the client named, with their received values.
        var signed: [(name: String, value: String)] = []
        for name in authorization.signedHeaders {
            guard let fieldName = HTTPField.Name(name), let value = request.headers[fieldName] else { return false }
            signed.append((name: name, value: value))
        }
        let all = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        let input = HuaweiSigningInput(
            method: request.method, path: request.path, query: request.query.map(HuaweiSigner.queryPairs) ?? [],
            headers: signed, payload: HuaweiPayload(body: request.body, headers: all))
        let signer = HuaweiSigner(
            credentials: HuaweiCredentials(accessKey: authorization.accessKey, secretKey: key), algorithm: algorithm)
        guard let expected = HuaweiAuthorization(parsing: signer.authorization(for: input)) else { return false }
        return Self.constantTimeEqual(expected.signature, authorization.signature)
    }

    /// The headers the client signed (its `SignedHeaders`), which are the ones Splice forwards and signs again;
    /// every header when the client did not sign (a script with dummy credentials).
    @Sendable static func signedByClient(_ headers: HTTPFields) -> HTTPFields {
        guard let authorization = headers[.authorization].flatMap(HuaweiAuthorization.init(parsing:)) else {
            return headers
        }
        let names = Set(authorization.signedHeaders)
        return HTTPFields(headers.filter { names.contains($0.name.canonicalName) })
    }

    /// Signatures are compared without an early exit, so timing does not tell how much of a guess was right.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
