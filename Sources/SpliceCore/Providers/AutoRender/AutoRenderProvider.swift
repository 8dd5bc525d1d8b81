import HTTPTypes

/// AutoRender upload API: `POST /api/v1/multipart/complete` with `{"session_id"}` and `Authorization: Bearer`.
/// The documented answer wraps the file in `{success, data}`; the official SDK models a flat file record:
/// both are accepted.
package struct AutoRenderProvider: Provider {
    package init() {}

    package let name = "autorender"
    package let actions: [CompleteAction] = [.complete]
    package let credentialKeys = CredentialKeys(requiredSets: [["apiKey"]], secret: ["apiKey"])
    /// The official SDK sends `x-api-key`; the docs say `Authorization: Bearer`. Splice sends the latter.
    package let passthrough = PassthroughDialect(
        credentialHeaders: [.authorization, .autorenderAPIKey],
        clientKey: { headers in PassthroughDialect.bearerToken(headers) ?? headers[.autorenderAPIKey] })

    package func makeAuthenticator(
        route: RouteConfiguration, credentials: ResolvedCredentials, transport: any UpstreamTransport, clock: WallClock
    ) -> any UpstreamAuthenticator {
        let key = credentials["apiKey"] ?? ""
        return StaticHeaderAuthenticator(headers: [.authorization: "Bearer \(key)"], secrets: [key])
    }

    package func makeRequest(_ request: CompleteRequest, route: RouteConfiguration) throws(GatewayError) -> UpstreamRequest {
        guard let sessionId = request.uploadId else { throw .missingField("uploadId", provider: name) }
        let body: JSONObject = ["session_id": JSONValue(sessionId)]
        return UpstreamRequest(
            method: .post, upstream: route.upstream, path: "/api/v1/multipart/complete",
            headers: [.contentType: "application/json"], body: ProviderResponse.jsonBody(body))
    }

    /// AutoRender's code is `code`, its message `message`, else `error`.
    private func errorFields(_ json: JSONValue) -> (code: String?, message: String?) {
        (ProviderResponse.firstString(json, ["code"]), ProviderResponse.firstString(json, ["message", "error"]))
    }

    package func interpret(
        _ response: UpstreamResponse, to request: CompleteRequest, route: RouteConfiguration
    ) throws(GatewayError) -> CompleteSuccess {
        guard response.isSuccess else {
            throw ProviderResponse.error(from: response, provider: name, fields: errorFields)
        }
        let body = try ProviderResponse.successObject(response, provider: name)
        if body["success"] == .bool(false) {
            let (code, message) = errorFields(body)
            throw .reportedFailure(status: response.status, provider: name, code: code, message: message)
        }
        let record = body["data"]?.objectValue.map(JSONValue.object) ?? body
        let file = FileInfo(
            id: ProviderResponse.firstString(record, ["id"]),
            name: record["name"]?.stringValue,
            size: record["file_size"]?.integralValue ?? record["size"]?.integralValue,
            url: record["url"]?.stringValue,
            key: record["path"]?.stringValue,
            format: record["format"]?.stringValue)
        return CompleteSuccess(
            action: request.action, route: route.name, provider: name, uploadId: request.uploadId, file: file,
            upstreamStatus: response.status, upstreamRequestId: nil, upstreamBody: body)
    }
}

extension HTTPField.Name {
    /// What AutoRender's official SDK sends its key in.
    static let autorenderAPIKey = Self("x-api-key")!
}
