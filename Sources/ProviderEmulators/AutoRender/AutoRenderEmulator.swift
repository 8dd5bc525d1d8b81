import Hummingbird
import Logging
import Synchronization

/// Emulates AutoRender's upload API "complete multipart upload": `POST /api/v1/multipart/complete`.
///
/// Auth is `Authorization: Bearer KEY` or `x-api-key: KEY`; the body is `{"session_id":"…","uuid"?:"…"}`.
/// Success is `{"success":true,"data":{…file…}}`, or the official SDK's flat file record when
/// `setFlatSuccessShape(true)`. Errors are `{"success":false,"error":…,"message"?:…,"code"?:…}`;
/// an unknown session answers the file endpoints' 404 shape `{"error":…,"code":"FILE_NOT_FOUND"}`.
package final class AutoRenderEmulator: ProviderEmulator, EmulatorEndpoint {
    static let completePath = "/api/v1/multipart/complete"

    let core: EmulatorCore
    private let apiKey: String
    private let flatShape = Mutex(false)

    init(credentials: EmulatorCredentials, host: String, recordLimit: Int, logger: Logger) {
        self.core = EmulatorCore(provider: .autorender, host: host, recordLimit: recordLimit, logger: logger)
        self.apiKey = credentials.autorenderAPIKey
    }

    package var provider: EmulatedProvider { self.core.provider }
    package var baseURL: String { self.core.baseURL }
    package func setFault(_ fault: EmulatorFault?) { self.core.setFault(fault) }
    package var receivedRequests: [ReceivedRequest] { self.core.receivedRequests }

    /// Answer the SDK's flat file record instead of `{success:true,data:{…}}`.
    package func setFlatSuccessShape(_ flat: Bool) {
        self.flatShape.withLock { $0 = flat }
    }

    func respond(to request: Request, context: EmulatorRequestContext) async throws -> Response {
        let target = RequestTarget(request.head.path ?? "")
        guard target.path == Self.completePath else {
            return Dialect.error(404, "Not found")
        }
        return try await self.core.handleComplete(request, context: context, dialect: Dialect()) { received in
            self.complete(received)
        }
    }

    private func complete(_ received: ReceivedRequest) -> Response {
        guard received.method == "POST" else {
            return EmulatorReply.json(
                405,
                ["success": false, "error": "Method not allowed"],
                headers: [("Allow", "POST")]
            )
        }
        guard self.isAuthorized(received) else {
            return Dialect.unauthorized()
        }
        guard received.hasJSONContentType else {
            return Dialect.error(400, "Content-Type must be application/json")
        }
        guard let body = JSONValue.parse(received.body), body.isObject else {
            return Dialect.error(400, "Invalid JSON body")
        }
        if let unknown = body.keys.first(where: { $0 != "session_id" && $0 != "uuid" }) {
            return Dialect.error(400, "Unknown field: \(unknown)")
        }
        guard let sessionID = body["session_id"]?.stringValue, !sessionID.isEmpty else {
            return Dialect.error(400, "session_id is required")
        }
        if let uuid = body["uuid"], uuid.stringValue?.isEmpty ?? true {
            return Dialect.error(400, "uuid must be a non-empty string")
        }
        if sessionID.contains("missing") {
            return EmulatorReply.json(
                404,
                ["error": "Upload session not found or expired", "code": "FILE_NOT_FOUND"]
            )
        }
        let flat = self.flatShape.withLock { $0 }
        return EmulatorReply.json(200, flat ? Self.flatRecord(sessionID: sessionID) : Self.wrapped(sessionID: sessionID))
    }

    /// `Authorization: Bearer KEY` or `x-api-key: KEY`; a wrong value in either refuses the request.
    private func isAuthorized(_ received: ReceivedRequest) -> Bool {
        let authorization = received.header("Authorization")
        let headerKey = received.header("x-api-key")
        guard authorization != nil || headerKey != nil else { return false }
        if let authorization, authorization != "Bearer \(self.apiKey)" { return false }
        if let headerKey, headerKey != self.apiKey { return false }
        return true
    }

    static let fileName = "launch-trailer.mp4"
    static let fileSize = 52_428_800

    static func fileID(sessionID: String) -> String {
        "file_" + String(sessionID.filter { $0.isLetter || $0.isNumber }.prefix(24))
    }

    /// The documented success body.
    static func wrapped(sessionID: String) -> JSONValue {
        [
            "success": true,
            "data": [
                "id": .string(fileID(sessionID: sessionID)),
                "file_no": 1042,
                "name": .string(fileName),
                "url": .string("https://assets.autorender.io/ws-demo/uploads/\(fileName)"),
                "path": .string("/uploads/\(fileName)"),
                "width": 1920,
                "height": 1080,
                "format": "mp4",
                "file_size": .int(fileSize),
                "workspace_no": 7,
            ],
        ]
    }

    /// The official SDK's flat `MultipartUploadCompleteResponse` file record.
    static func flatRecord(sessionID: String) -> JSONValue {
        [
            "id": .string(fileID(sessionID: sessionID)),
            "created_at": "2026-01-15T10:24:00.000Z",
            "custom_id": nil,
            "extension": "mp4",
            "file_no": 1042,
            "folder_no": nil,
            "height": 1080,
            "is_duplicate": false,
            "metadata": .object([]),
            "mime_type": "video/mp4",
            "name": .string(fileName),
            "path": .string("/uploads/\(fileName)"),
            "size": .int(fileSize),
            "tags": [],
            "thumbnail": nil,
            "upload_source": "api",
            "url": .string("https://assets.autorender.io/ws-demo/uploads/\(fileName)"),
            "width": 1920,
            "workspace_id": "ws-demo",
            "format": "mp4",
            "hash": "9b2f6c1d4e8a7b3c",
            "is_private": false,
        ]
    }

    /// AutoRender's wording of errors and faults.
    struct Dialect: EmulatorDialect {
        static func error(_ status: Int, _ error: String, message: String? = nil, code: String? = nil) -> Response {
            var members: [JSONMember] = [
                JSONMember(key: "success", value: false), JSONMember(key: "error", value: .string(error)),
            ]
            if let message { members.append(JSONMember(key: "message", value: .string(message))) }
            if let code { members.append(JSONMember(key: "code", value: .string(code))) }
            return EmulatorReply.json(status, .object(members))
        }

        static func unauthorized() -> Response {
            error(401, "Unauthorized", message: "Invalid or missing API key")
        }

        func providerErrorResponse(status: Int) -> Response {
            switch status {
            case 400: Self.error(400, "Upload session is incomplete: uploaded bytes do not match size")
            case 401: Self.unauthorized()
            case 403: Self.error(403, "Forbidden", message: "This API key is not allowed to use this endpoint")
            case 404: EmulatorReply.json(404, ["error": "Upload session not found or expired", "code": "FILE_NOT_FOUND"])
            case 409: Self.error(409, "Conflict", message: "Upload session is already being completed", code: "SESSION_CONFLICT")
            case 429: Self.error(429, "Too many requests", message: "Rate limit exceeded for this workspace", code: "RATE_LIMITED")
            case 500...: Self.error(status, "Upload failed", message: "Detailed error message")
            default: Self.error(status, "Request failed")
            }
        }

        func failureIn2xxResponse() -> Response {
            Self.error(200, "Upload failed", message: "Parts could not be assembled")
        }

        var truncatedJSONBody: String { #"{"success":true,"data":{"id":"f"# }
    }
}
