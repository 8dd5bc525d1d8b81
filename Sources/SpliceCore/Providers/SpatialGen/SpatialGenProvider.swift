import HTTPTypes

/// SpatialGen Direct Upload: `POST /api/videos/uploads/{uploadSessionId}/files/{uploadId}/complete`
/// with `X-SPATIALGEN-APPKEY`. Parts must be exactly 1…N; complete is documented as idempotent.
package struct SpatialGenProvider: Provider {
    package init() {}

    package let name = "spatialgen"
    package let actions: [CompleteAction] = [.complete]
    package let credentialKeys = CredentialKeys(requiredSets: [["appKey"]], secret: ["appKey"])
    package let passthrough = PassthroughDialect(
        credentialHeaders: [.spatialgenAppKey], clientKey: { $0[.spatialgenAppKey] })
    /// "Repeating complete on an already completed file is safe and will return the same file state"
    /// (SpatialGen Direct Upload API docs): a complete whose answer was lost may be sent again.
    package let completeIsIdempotent = true

    package func makeAuthenticator(
        route: RouteConfiguration, credentials: ResolvedCredentials, transport: any UpstreamTransport, clock: WallClock
    ) -> any UpstreamAuthenticator {
        let key = credentials["appKey"] ?? ""
        return StaticHeaderAuthenticator(headers: [.spatialgenAppKey: key], secrets: [key])
    }

    package func makeRequest(_ request: CompleteRequest, route: RouteConfiguration) throws(GatewayError) -> UpstreamRequest {
        guard let sessionId = request.sessionId else { throw .missingField("sessionId", provider: name) }
        guard let uploadId = request.uploadId else { throw .missingField("uploadId", provider: name) }
        var body = JSONObject()
        // Without parts the upload is a single PUT (`single_put`); with parts, every number 1…N must be there.
        if let parts = request.parts {
            for (index, part) in parts.enumerated() where part.partNumber != index + 1 {
                throw .invalidRequest("spatialgen needs every part number from 1 to \(parts.count); part \(index + 1) is missing")
            }
            body["parts"] = .array(
                parts.map { .object(["partNumber": JSONValue($0.partNumber), "etag": JSONValue($0.etag)]) })
        }
        let path =
            "/api/videos/uploads/\(PathEncoding.segment(sessionId))/files/\(PathEncoding.segment(uploadId))/complete"
        return UpstreamRequest(
            method: .post, upstream: route.upstream, path: path,
            headers: [.contentType: "application/json"], body: ProviderResponse.jsonBody(body))
    }

    package func interpret(
        _ response: UpstreamResponse, to request: CompleteRequest, route: RouteConfiguration
    ) throws(GatewayError) -> CompleteSuccess {
        guard response.isSuccess else {
            throw ProviderResponse.error(from: response, provider: name) { json in
                (nil, ProviderResponse.firstString(json, ["error", "message"]))
            }
        }
        let body = try ProviderResponse.successObject(response, provider: name)
        if body["success"] == .bool(false) || body["status"] == .string("error") {
            throw .reportedFailure(
                status: response.status, provider: name, message: ProviderResponse.firstString(body, ["error", "message"]))
        }
        let file = FileInfo(
            id: body["uploadId"]?.stringValue,
            name: body["fileName"]?.stringValue,
            size: body["totalBytes"]?.integralValue)
        return CompleteSuccess(
            action: request.action, route: route.name, provider: name, uploadId: request.uploadId, file: file,
            upstreamStatus: response.status, upstreamRequestId: nil, upstreamBody: body)
    }
}

extension HTTPField.Name {
    /// SpatialGen's app key header.
    static let spatialgenAppKey = Self("X-SPATIALGEN-APPKEY")!
}
