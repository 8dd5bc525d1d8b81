import HTTPTypes

/// GjirafaTech VP Upload API: `PUT /api/projects/{projectId}/uploads/multipart-complete` with
/// `{requestKey, parts:[{partNumber, eTag}], allowPartialComplete?}` — note VP's `eTag` spelling.
/// The `Authorization` scheme is configurable (`scheme`, default `Bearer`; empty sends the key bare)
/// because VP does not document it.
package struct GjirafaVPProvider: Provider {
    package init() {}

    package let name = "gjirafa-vp"
    package let actions: [CompleteAction] = [.complete]
    package let credentialKeys = CredentialKeys(requiredSets: [["apiKey"]], optional: ["scheme"], secret: ["apiKey"])
    /// A client's key in `Authorization`, with a scheme or bare.
    package let passthrough = PassthroughDialect(
        credentialHeaders: [.authorization],
        clientKey: { headers in
            guard let value = headers[.authorization] else { return nil }
            return PassthroughDialect.bearerToken(headers) ?? value.split(separator: " ").last.map(String.init)
        })

    package func makeAuthenticator(
        route: RouteConfiguration, credentials: ResolvedCredentials, transport: any UpstreamTransport, clock: WallClock
    ) -> any UpstreamAuthenticator {
        let scheme = credentials["scheme"] ?? "Bearer"
        let key = credentials["apiKey"] ?? ""
        return StaticHeaderAuthenticator(
            headers: [.authorization: scheme.isEmpty ? key : "\(scheme) \(key)"], secrets: [key])
    }

    package func makeRequest(_ request: CompleteRequest, route: RouteConfiguration) throws(GatewayError) -> UpstreamRequest {
        guard let projectId = request.projectId ?? route.defaults.projectId else {
            throw .missingField("projectId", provider: name)
        }
        guard let requestKey = request.uploadId else { throw .missingField("uploadId", provider: name) }
        guard let parts = request.parts, !parts.isEmpty else { throw .missingField("parts", provider: name) }
        var body: JSONObject = [
            "requestKey": JSONValue(requestKey),
            "parts": .array(parts.map { .object(["partNumber": JSONValue($0.partNumber), "eTag": JSONValue($0.etag)]) }),
        ]
        if let allowPartial = request.options.allowPartialComplete {
            body["allowPartialComplete"] = .bool(allowPartial)
        }
        return UpstreamRequest(
            method: .put, upstream: route.upstream,
            path: "/api/projects/\(PathEncoding.segment(projectId))/uploads/multipart-complete",
            headers: [.contentType: "application/json"], body: ProviderResponse.jsonBody(body))
    }

    /// VP's message is the first of `errors`, else of `messages`; it has no codes of its own.
    private func errorFields(_ json: JSONValue) -> (code: String?, message: String?) {
        let first = { (key: String) in json[key]?.arrayValue?.lazy.compactMap(\.stringValue).first { !$0.isEmpty } }
        return (nil, first("errors") ?? first("messages") ?? ProviderResponse.firstString(json, ["message"]))
    }

    package func interpret(
        _ response: UpstreamResponse, to request: CompleteRequest, route: RouteConfiguration
    ) throws(GatewayError) -> CompleteSuccess {
        guard response.isSuccess else {
            throw ProviderResponse.error(from: response, provider: name, fields: errorFields)
        }
        let body = try ProviderResponse.successObject(response, provider: name)
        if body["success"] == .bool(false) || body["result"] == .bool(false) {
            throw .reportedFailure(status: response.status, provider: name, message: errorFields(body).message)
        }
        return CompleteSuccess(
            action: request.action, route: route.name, provider: name, uploadId: request.uploadId, file: FileInfo(),
            upstreamStatus: response.status, upstreamRequestId: nil, upstreamBody: body)
    }
}
