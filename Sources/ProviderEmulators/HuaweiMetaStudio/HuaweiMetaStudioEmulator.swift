import Foundation
import HuaweiSigner
import Hummingbird
import Logging

/// Emulates Huawei Cloud MetaStudio's "Confirming the Upload of a File":
/// `POST /v1/{project_id}/files/{file_id}/complete`, behind Huawei's API gateway (APIG).
///
/// Auth is either `X-Auth-Token` (an IAM token) or AK/SK `SDK-HMAC-SHA256` signing (`V11-HMAC-SHA256` is
/// accepted too): the signature is recomputed from what was received (the headers `SignedHeaders` names
/// with their received values, `Host` as received, the raw path, the received body bytes or
/// `UNSIGNED-PAYLOAD`), `x-sdk-date` must be signed and `X-Sdk-Date` within 15 minutes of now. Any failure is
/// APIG's 401 `APIGW.0301`. The body is `{"state":"CREATED"|"CANCELLED"|"FAILED","auto_meta_analysis"?:bool}`.
/// Success is HTTP 200 with an empty body and `X-Request-Id`; every answer carries `X-Request-Id`.
package final class HuaweiMetaStudioEmulator: ProviderEmulator, EmulatorEndpoint {
    static let completePath = "/v1/{project_id}/files/{file_id}/complete"
    /// APIG's allowed clock skew between `X-Sdk-Date` and its own clock.
    static let allowedSkew: TimeInterval = 15 * 60

    let core: EmulatorCore
    private let credentials: EmulatorCredentials

    init(credentials: EmulatorCredentials, host: String, recordLimit: Int, logger: Logger) {
        self.core = EmulatorCore(provider: .huaweiMetaStudio, host: host, recordLimit: recordLimit, logger: logger)
        self.credentials = credentials
    }

    package var provider: EmulatedProvider { self.core.provider }
    package var baseURL: String { self.core.baseURL }
    package func setFault(_ fault: EmulatorFault?) { self.core.setFault(fault) }
    package var receivedRequests: [ReceivedRequest] { self.core.receivedRequests }

    func respond(to request: Request, context: EmulatorRequestContext) async throws -> Response {
        let target = RequestTarget(request.head.path ?? "")
        guard let captures = target.match(Self.completePath), let projectID = captures["project_id"],
            let fileID = captures["file_id"]
        else {
            return Dialect.apigNotFound()
        }
        return try await self.core.handleComplete(request, context: context, dialect: Dialect()) { received in
            self.complete(received, target: target, projectID: projectID, fileID: fileID)
        }
    }

    private func complete(_ received: ReceivedRequest, target: RequestTarget, projectID: String, fileID: String)
        -> Response
    {
        guard received.method == "POST" else {
            return Dialect.apigNotFound()
        }
        if let problem = self.authenticationProblem(received, target: target) {
            self.core.logger.debug("huawei emulator: authentication refused", metadata: ["reason": "\(problem)"])
            return Dialect.incorrectIAM(problem)
        }
        if let declared = received.header("X-Project-Id"), declared != projectID {
            return Dialect.serviceError(400, code: "MSS.00010009", message: "urlTenantId is not equal tokenTenantId")
        }
        guard received.hasJSONContentType, let body = JSONValue.parse(received.body), body.isObject,
            Self.isValidBody(body)
        else {
            return Dialect.serviceError(400, code: "MSS.00000003", message: "Invalid parameter")
        }
        if fileID.contains("missing") || projectID.contains("missing") {
            return Dialect.serviceError(404, code: "MSS.10001004", message: "The file not found")
        }
        return EmulatorReply.empty(200, headers: [("X-Request-Id", EmulatorReply.requestID())])
    }

    static func isValidBody(_ body: JSONValue) -> Bool {
        guard body.keys.allSatisfy({ $0 == "state" || $0 == "auto_meta_analysis" }) else { return false }
        guard let state = body["state"]?.stringValue, ["CREATED", "CANCELLED", "FAILED"].contains(state) else {
            return false
        }
        if let analysis = body["auto_meta_analysis"], analysis.boolValue == nil {
            return false
        }
        return true
    }

    /// Why APIG refuses the request's credentials; `nil` when they are valid.
    private func authenticationProblem(_ received: ReceivedRequest, target: RequestTarget) -> String? {
        if let token = received.header("X-Auth-Token") {
            return token == self.credentials.huaweiToken ? nil : "decrypt token fail"
        }
        guard let authorizationValue = received.header("Authorization") else {
            return "the token or AK/SK signature is missing"
        }
        guard let authorization = HuaweiAuthorization(parsing: authorizationValue) else {
            return "the Authorization header is malformed"
        }
        guard authorization.signedHeaders.contains("x-sdk-date") else {
            return "x-sdk-date must be a signed header"
        }
        guard let sdkDate = received.header("X-Sdk-Date"), let date = HuaweiSigner.date(fromSDKDate: sdkDate) else {
            return "X-Sdk-Date is missing or malformed"
        }
        guard abs(date.timeIntervalSinceNow) <= Self.allowedSkew else {
            return "the request has expired (X-Sdk-Date differs from server time by more than 15 minutes)"
        }
        guard authorization.accessKey == self.credentials.huaweiAccessKey else {
            return "ak not found"
        }
        let algorithm: HuaweiSigningAlgorithm
        if let scope = authorization.scope {
            let pieces = scope.split(separator: "/").map(String.init)
            guard pieces.count == 3, sdkDate.hasPrefix(pieces[0]) else {
                return "the credential scope is invalid"
            }
            algorithm = .derivedV11(region: pieces[1], service: pieces[2])
        } else {
            algorithm = .sdkHMACSHA256
        }
        // Sign exactly what was received: the named headers with their received values.
        var signedHeaders: [(name: String, value: String)] = []
        for name in authorization.signedHeaders {
            guard let value = received.headers.last(where: { $0.name.lowercased() == name })?.value else {
                return "signed header \(name) is missing"
            }
            signedHeaders.append((name: name, value: value))
        }
        let input = HuaweiSigningInput(
            method: received.method,
            path: target.path,
            query: target.query.map(HuaweiSigner.queryPairs) ?? [],
            headers: signedHeaders,
            payload: HuaweiPayload(body: received.body, headers: received.headers)
        )
        let signer = HuaweiSigner(
            credentials: HuaweiCredentials(
                accessKey: self.credentials.huaweiAccessKey,
                secretKey: self.credentials.huaweiSecretKey
            ),
            algorithm: algorithm
        )
        guard let expected = HuaweiAuthorization(parsing: signer.authorization(for: input)),
            expected.signature == authorization.signature
        else {
            return "verify aksk signature fail"
        }
        return nil
    }

    /// MetaStudio's and APIG's wording of errors and faults.
    struct Dialect: EmulatorDialect {
        /// A MetaStudio service error `{"error_code":"MSS.…","error_msg":"…"}`.
        static func serviceError(_ status: Int, code: String, message: String) -> Response {
            EmulatorReply.json(
                status,
                ["error_code": .string(code), "error_msg": .string(message)],
                headers: [("X-Request-Id", EmulatorReply.requestID())]
            )
        }

        /// An APIG error `{"error_code":"APIGW.…","error_msg":"…","request_id":"<32 hex>"}`.
        static func gatewayError(_ status: Int, code: String, message: String) -> Response {
            let requestID = EmulatorReply.requestID()
            return EmulatorReply.json(
                status,
                ["error_code": .string(code), "error_msg": .string(message), "request_id": .string(requestID)],
                headers: [("X-Request-Id", requestID)]
            )
        }

        static func incorrectIAM(_ detail: String) -> Response {
            gatewayError(401, code: "APIGW.0301", message: "Incorrect IAM authentication information: \(detail)")
        }

        static func apigNotFound() -> Response {
            gatewayError(404, code: "APIGW.0101", message: "The API does not exist or has not been published in the environment")
        }

        func providerErrorResponse(status: Int) -> Response {
            switch status {
            case 401: Self.incorrectIAM("verify aksk signature fail")
            case 403: Self.gatewayError(403, code: "APIGW.0302", message: "The IAM user is not authorized to access the API")
            case 404: Self.serviceError(404, code: "MSS.10001004", message: "The file not found")
            case 429:
                Self.gatewayError(
                    429,
                    code: "APIGW.0308",
                    message: "The throttling threshold has been reached: policy user over ratelimit, limit:10, time:1 second"
                )
            case 500: Self.serviceError(500, code: "MSS.00000004", message: "Internal Error")
            case 502, 503: Self.gatewayError(status, code: "APIGW.0201", message: "Backend unavailable")
            case 504: Self.gatewayError(504, code: "APIGW.0201", message: "Backend timeout")
            case 500...: Self.serviceError(status, code: "MSS.00000004", message: "Internal Error")
            default: Self.serviceError(status, code: "MSS.00000003", message: "Invalid parameter")
            }
        }

        /// HTTP 200 carrying a service error envelope instead of the usual empty body.
        func failureIn2xxResponse() -> Response {
            Self.serviceError(200, code: "MSS.00000004", message: "Internal Error")
        }

        var truncatedJSONBody: String { #"{"error_code":"MSS.0000"# }
    }
}
