import HTTPTypes

/// Tenovos `POST {upstream}/asset/complete` (operation FinishUpload), authenticated with `X-API-Key`
/// plus the session tokens of `POST {upstream}/auth/token`. Tenovos sends the ID token raw in
/// `Authorization` (no `Bearer`) and the access token in `AccessToken`.
package struct TenovosProvider: Provider {
    package init() {}

    static let providerName = "tenovos"
    package let name = providerName
    package let actions: [CompleteAction] = [.complete, .cancel]
    package let credentialKeys = CredentialKeys(
        requiredSets: [["apiKey", "username", "password"]], optional: ["clientId"], secret: ["apiKey", "password"])
    /// Splice answers the client's `/auth/token` itself and replaces the three Tenovos headers on every other call;
    /// a body is kept (up to 2 MiB) for the one retry after a 401.
    package let passthrough = PassthroughDialect(
        credentialHeaders: [.tenovosAPIKey, .authorization, .tenovosAccessToken],
        clientKey: { $0[.tenovosAPIKey] },
        bodyHandling: .keepForRetry(limit: 2 * 1024 * 1024),
        localAnswer: TenovosLocalAuth.answer)

    package func makeAuthenticator(
        route: RouteConfiguration, credentials: ResolvedCredentials, transport: any UpstreamTransport, clock: WallClock
    ) -> any UpstreamAuthenticator {
        makeAuthenticator(route: route, credentials: credentials, transport: transport, clock: clock, instruments: .none)
    }

    /// Counts the session manager's logins and refreshes in `instruments`.
    package func makeAuthenticator(
        route: RouteConfiguration, credentials: ResolvedCredentials, transport: any UpstreamTransport, clock: WallClock,
        instruments: RouteInstruments
    ) -> any UpstreamAuthenticator {
        let account = TenovosSessionManager.Account(
            upstream: route.upstream, apiKey: credentials["apiKey"] ?? "", username: credentials["username"] ?? "",
            password: credentials["password"] ?? "", clientId: credentials["clientId"], timeout: route.timeout)
        return TenovosAuthenticator(sessions: TenovosSessionManager(account: account, transport: transport, clock: clock, instruments: instruments))
    }

    package func makeRequest(_ request: CompleteRequest, route: RouteConfiguration) throws(GatewayError) -> UpstreamRequest {
        guard let fileId = request.fileId else { throw .missingField("fileId", provider: name) }
        guard let uploadId = request.uploadId else { throw .missingField("uploadId", provider: name) }
        var body: JSONObject = ["fileId": JSONValue(fileId), "uploadId": JSONValue(uploadId)]
        if let fileName = request.fileName { body["filename"] = JSONValue(fileName) }
        if let fileSize = request.fileSize { body["filesize"] = JSONValue(fileSize) }
        if let originalFileId = request.originalFileId { body["originalFileId"] = JSONValue(originalFileId) }
        if let parts = request.parts {
            body["parts"] = .array(parts.map { .object(["etag": JSONValue($0.etag), "partNumber": JSONValue($0.partNumber)]) })
        } else if request.action == .complete {
            throw .missingField("parts", provider: name)
        }
        // Case-sensitive on Tenovos' side.
        body["action"] = JSONValue(request.action == .cancel ? "cancel" : "complete")
        return UpstreamRequest(
            method: .post, upstream: route.upstream, path: "/asset/complete",
            headers: [.contentType: "application/json"], body: ProviderResponse.jsonBody(body))
    }

    /// Tenovos has no codes; its message is `message`, with `detail` when given.
    static func errorFields(_ json: JSONValue) -> (code: String?, message: String?) {
        let message = ProviderResponse.firstString(json, ["message"])
        let detail = ProviderResponse.firstString(json, ["detail"])
        switch (message, detail) {
        case (let message?, let detail?): return (nil, "\(message) (\(detail))")
        case (let message?, nil): return (nil, message)
        case (nil, let detail): return (nil, detail)
        }
    }

    package func interpret(
        _ response: UpstreamResponse, to request: CompleteRequest, route: RouteConfiguration
    ) throws(GatewayError) -> CompleteSuccess {
        guard response.isSuccess else {
            throw ProviderResponse.error(
                from: response, provider: name, requestId: response.headers[.amznRequestId], fields: Self.errorFields)
        }
        let body = try ProviderResponse.successObject(response, provider: name)
        if body["status"] == .string("error") || body["success"] == .bool(false) {
            throw .reportedFailure(status: response.status, provider: name, message: Self.errorFields(body).message)
        }
        let file = FileInfo(
            id: body["fileId"]?.stringValue ?? request.fileId,
            name: body["filename"]?.stringValue,
            key: body["s3Key"]?.stringValue)
        return CompleteSuccess(
            action: request.action, route: route.name, provider: name, uploadId: request.uploadId, file: file,
            upstreamStatus: response.status, upstreamRequestId: response.headers[.amznRequestId], upstreamBody: body)
    }
}

/// Adds `X-API-Key`, `Authorization` (the ID token, raw) and `AccessToken` from the route's shared session.
struct TenovosAuthenticator: UpstreamAuthenticator {
    let sessions: TenovosSessionManager

    func authorize(_ request: inout UpstreamRequest) async throws(GatewayError) {
        let session = try await sessions.currentSession()
        request.headers[.tenovosAPIKey] = await sessions.apiKey
        request.headers[.authorization] = session.idToken
        request.headers[.tenovosAccessToken] = session.accessToken
    }

    func renewAfterRejection(of request: UpstreamRequest) async -> Bool {
        await sessions.renewAfterRejection(ofIdToken: request.headers[.authorization])
    }

    func sensitiveValues() async -> [String] { await sessions.secrets }
}

extension HTTPField.Name {
    /// The tenant's API key, on every Tenovos call including `/auth/token`.
    static let tenovosAPIKey = Self("X-API-Key")!
    /// The Cognito access token of the session (the ID token goes raw in `Authorization`).
    static let tenovosAccessToken = Self("AccessToken")!
    /// Tenovos' request id (its API runs behind AWS API Gateway).
    static let amznRequestId = Self("x-amzn-RequestId")!
}
