import Foundation
import HTTPTypes
import HuaweiSigner

/// Huawei Cloud MetaStudio "confirm file upload": `POST /v1/{project_id}/files/{file_id}/complete` with
/// `{"state": CREATED|CANCELLED|FAILED}`, authenticated by AK/SK request signing (`SDK-HMAC-SHA256`,
/// or the derived `V11-HMAC-SHA256` when a route opts in) or by an IAM token (`X-Auth-Token`).
package struct HuaweiMetaStudioProvider: Provider {
    package init() {}

    package let name = "huawei-metastudio"
    package let actions: [CompleteAction] = [.complete, .cancel, .fail]
    package let credentialKeys = CredentialKeys(
        requiredSets: [["accessKey", "secretKey"], ["token"]], secret: ["accessKey", "secretKey", "token"])
    /// `signingAlgorithm`: `SDK-HMAC-SHA256` (default, what Huawei's SDK uses for MetaStudio) or
    /// `V11-HMAC-SHA256`; the latter needs `region` (or a `metastudio.{region}.myhuaweicloud.com` upstream)
    /// and `service` (default `metastudio`).
    package let optionKeys = ["signingAlgorithm", "region", "service"]
    /// The client's SDK signs with AK = its client name, SK = its client key; Splice checks that signature, then
    /// signs what it forwards with the route's AK/SK: the body is needed whole (up to 12 MiB) for that.
    package let passthrough = PassthroughDialect(
        credentialHeaders: [.authorization, .huaweiSdkDate, .huaweiAuthToken, .huaweiSecurityToken],
        bodyHandling: .bufferToSign(limit: 12 * 1024 * 1024),
        clientSignature: HuaweiClientSignature(),
        forwardedHeaders: HuaweiClientSignature.signedByClient)

    static let sdkAlgorithm = "SDK-HMAC-SHA256"
    static let derivedAlgorithm = "V11-HMAC-SHA256"

    package func validate(route: RouteConfiguration) -> [String] {
        switch route.options["signingAlgorithm"] ?? Self.sdkAlgorithm {
        case Self.sdkAlgorithm:
            return []
        case Self.derivedAlgorithm:
            return region(of: route) == nil
                ? ["'options.region' is needed for V11-HMAC-SHA256 (the upstream host does not name a region)"] : []
        case let other:
            return ["'options.signingAlgorithm' must be \(Self.sdkAlgorithm) or \(Self.derivedAlgorithm), not '\(other)'"]
        }
    }

    /// The route's region: `options.region`, else the `{region}` of `metastudio.{region}.myhuaweicloud.com`.
    func region(of route: RouteConfiguration) -> String? {
        if let region = route.options["region"], !region.isEmpty { return region }
        let labels = route.upstream.host.split(separator: ".")
        guard labels.count >= 4, labels[0] == "metastudio", route.upstream.host.hasSuffix(".myhuaweicloud.com") else {
            return nil
        }
        return String(labels[1])
    }

    package func makeAuthenticator(
        route: RouteConfiguration, credentials: ResolvedCredentials, transport: any UpstreamTransport, clock: WallClock
    ) -> any UpstreamAuthenticator {
        if let token = credentials["token"] {
            return StaticHeaderAuthenticator(headers: [.huaweiAuthToken: token], secrets: [token])
        }
        let algorithm: HuaweiSigningAlgorithm =
            route.options["signingAlgorithm"] == Self.derivedAlgorithm
            ? .derivedV11(region: region(of: route) ?? "", service: route.options["service"] ?? "metastudio")
            : .sdkHMACSHA256
        let signer = HuaweiSigner(
            credentials: HuaweiCredentials(
                accessKey: credentials["accessKey"] ?? "", secretKey: credentials["secretKey"] ?? ""),
            algorithm: algorithm)
        return HuaweiSigningAuthenticator(
            signer: signer, secrets: [credentials["accessKey"], credentials["secretKey"]].compactMap { $0 }, clock: clock)
    }

    package func makeRequest(_ request: CompleteRequest, route: RouteConfiguration) throws(GatewayError) -> UpstreamRequest {
        guard let projectId = request.projectId ?? route.defaults.projectId else {
            throw .missingField("projectId", provider: name)
        }
        guard let fileId = request.fileId else { throw .missingField("fileId", provider: name) }
        let state =
            switch request.action {
            case .complete: "CREATED"
            case .cancel: "CANCELLED"
            case .fail: "FAILED"
            }
        var body: JSONObject = ["state": JSONValue(state)]
        if let analysis = request.options.autoMetaAnalysis {
            body["auto_meta_analysis"] = .bool(analysis)
        }
        // As Huawei's SDK does, the project id also goes in X-Project-Id (and so is signed).
        var headers: HTTPFields = [.contentType: "application/json", .huaweiProjectId: projectId]
        if let userId = request.options.appUserId {
            headers[.huaweiAppUserId] = userId
        }
        return UpstreamRequest(
            method: .post, upstream: route.upstream,
            path: "/v1/\(PathEncoding.segment(projectId))/files/\(PathEncoding.segment(fileId))/complete",
            headers: headers, body: ProviderResponse.jsonBody(body))
    }

    /// Codes whose meaning does not depend on the HTTP status they come with.
    static let statusByCode: [String: Int] = [
        "APIGW.0301": 401,  // incorrect IAM authentication information: bad signature, clock skew, bad token
        "APIGW.0308": 429,  // throttled
        "MSS.10001004": 404,  // the file not found (often sent with HTTP 400)
        "MSS.00010008": 401,  // invalid token in the header (sent with HTTP 400)
    ]

    /// The official SDK's order: `error_code`/`error_msg`, `errorCode`/`errorMsg`, `code`/`message`,
    /// then nested objects.
    static func errorFields(_ json: JSONValue) -> (code: String?, message: String?) {
        for (codeKey, messageKey) in [("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")] {
            let code = ProviderResponse.firstString(json, [codeKey])
            let message = ProviderResponse.firstString(json, [messageKey])
            if code != nil || message != nil { return (code, message) }
        }
        for member in json.objectValue?.members ?? [] where member.value.objectValue != nil {
            let nested = errorFields(member.value)
            if nested.code != nil || nested.message != nil { return nested }
        }
        return (nil, nil)
    }

    package func interpret(
        _ response: UpstreamResponse, to request: CompleteRequest, route: RouteConfiguration
    ) throws(GatewayError) -> CompleteSuccess {
        let requestId = response.headers[.requestId]
        guard response.isSuccess else {
            // API-gateway errors (`APIGW.*`) carry their id in a `request_id` field too.
            var error = ProviderResponse.error(
                from: response, provider: name, requestId: requestId, bodyRequestId: { $0["request_id"]?.stringValue },
                fields: Self.errorFields)
            if let code = error.upstream?.code, let status = Self.statusByCode[code], status != response.status {
                let upstream = error.upstream
                error = .fromProvider(
                    status: status, provider: name, code: upstream?.code, message: upstream?.message,
                    requestId: upstream?.requestId, retryAfter: error.retryAfter)
                error.upstream?.status = response.status
            }
            throw error
        }
        // MetaStudio answers 200 with an empty (or irrelevant) body; only X-Request-Id is documented.
        let body = try ProviderResponse.successBody(response, provider: name, allowEmpty: true, requestId: requestId)
        if let body, body["error_code"]?.stringValue != nil {
            let (code, message) = Self.errorFields(body)
            throw .reportedFailure(status: response.status, provider: name, code: code, message: message, requestId: requestId)
        }
        return CompleteSuccess(
            action: request.action, route: route.name, provider: name, uploadId: nil, file: FileInfo(id: request.fileId),
            upstreamStatus: response.status, upstreamRequestId: requestId, upstreamBody: body)
    }
}

extension HTTPField.Name {
    /// An IAM token, in token mode instead of AK/SK signing.
    static let huaweiAuthToken = Self("X-Auth-Token")!
    /// The project id, sent (and signed) as Huawei's SDK does.
    static let huaweiProjectId = Self("X-Project-Id")!
    /// MetaStudio's `X-App-UserId` (`options.appUserId`).
    static let huaweiAppUserId = Self("X-App-UserId")!
    /// The signing time, `YYYYMMDDTHHMMSSZ`.
    static let huaweiSdkDate = Self("X-Sdk-Date")!
    /// `UNSIGNED-PAYLOAD` when the body is not part of the signature.
    static let huaweiContentSHA256 = Self("X-Sdk-Content-Sha256")!
    /// Temporary credentials' security token.
    static let huaweiSecurityToken = Self("X-Security-Token")!
}
