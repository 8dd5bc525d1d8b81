import Foundation
import HuaweiSigner
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Emulates AutoRender's upload API around "complete multipart upload", as its docs and official SDK
/// (`autorender` 0.2.4) use it:
///
/// * `POST /api/v1/multipart/start` with `{file_name, size, format, folder?, tags?, metadata?, custom_id?,
///   random_prefix?, ttl_seconds?}` answers `{session_id, uuid, part_size, min_part_size, parts:[url,…],
///   expire_at, policy:{folder,format,size,tags}, public_key, workspace_id}` (the documented `session_id`,
///   `part_size`, `parts` plus what the SDK's model reads). Part `i` is `PUT` to `parts[i]`: this emulator's own
///   presigned storage URL, which refuses an `Authorization` header, a wrong signature or an expired URL.
/// * `POST /api/v1/multipart/complete` with `{"session_id":"…","uuid"?:"…"}`. For a session this emulator
///   started, every part must have been stored with the right size and `uuid` must be its own; a session it
///   did not start is taken on trust (it may have been started before the emulator did).
///
/// Auth on both is `Authorization: Bearer KEY` or `x-api-key: KEY`; other headers (`User-Agent`, the SDK's
/// `X-Stainless-*`) and any query are accepted. Complete's success is `{"success":true,"data":{…file…}}`, or the
/// official SDK's flat file record when `setFlatSuccessShape(true)`. Errors are `{"success":false,"error":…,
/// "message"?:…,"code"?:…}`; an unknown session answers the file endpoints' 404 shape
/// `{"error":…,"code":"FILE_NOT_FOUND"}`.
package final class AutoRenderEmulator: ProviderEmulator, EmulatorEndpoint {
    static let completePath = "/api/v1/multipart/complete"
    static let startPath = "/api/v1/multipart/start"
    /// Where this emulator's presigned part URLs point (storage, not the API: no API key there).
    static let storagePath = "/_storage/uploads/{session_id}/{part}"
    /// The documented part size (10 MiB) and S3's minimum (5 MiB).
    static let defaultPartSize = 10_485_760
    static let minimumPartSize = 5_242_880
    /// S3's limit on the number of parts.
    static let maximumParts = 10_000
    static let workspaceID = "ws-demo"

    let core: EmulatorCore
    private let apiKey: String
    private let flatShape = Mutex(false)
    private let partSizeSetting = Mutex(AutoRenderEmulator.defaultPartSize)
    private let uploads: Mutex<AutoRenderUploads>
    private let startRequestLog: Mutex<RecentRequests>
    /// Signs this emulator's part URLs; random per emulator.
    private let urlSecret = AutoRenderUploads.newUUID()

    init(credentials: EmulatorCredentials, host: String, recordLimit: Int, logger: Logger) {
        self.core = EmulatorCore(provider: .autorender, host: host, recordLimit: recordLimit, logger: logger)
        self.apiKey = credentials.autorenderAPIKey
        self.uploads = Mutex(AutoRenderUploads(limit: max(256, recordLimit)))
        self.startRequestLog = Mutex(RecentRequests(limit: recordLimit))
    }

    package var provider: EmulatedProvider { self.core.provider }
    package var baseURL: String { self.core.baseURL }
    package func setFault(_ fault: EmulatorFault?) { self.core.setFault(fault) }
    package var receivedRequests: [ReceivedRequest] { self.core.receivedRequests }
    /// The latest requests received on `start` (as many as `receivedRequests` keeps), oldest first.
    package var startRequests: [ReceivedRequest] { self.startRequestLog.withLock { $0.requests } }

    /// Answer the SDK's flat file record instead of `{success:true,data:{…}}`.
    package func setFlatSuccessShape(_ flat: Bool) {
        self.flatShape.withLock { $0 = flat }
    }

    /// The `part_size` of sessions started from now on (default: the documented 10 MiB); tests use small parts.
    package func setPartSize(_ bytes: Int) {
        self.partSizeSetting.withLock { $0 = max(1, bytes) }
    }

    /// The bytes stored so far for each part of a session this emulator started (`nil` for another session).
    package func storedParts(session: String) -> [Int: Int]? {
        self.uploads.withLock { $0.sessions[session]?.stored }
    }

    func respond(to request: Request, context: EmulatorRequestContext) async throws -> Response {
        let target = RequestTarget(request.head.path ?? "")
        switch target.path {
        case Self.completePath:
            return try await self.core.handleComplete(request, context: context, dialect: Dialect()) { received in
                self.complete(received)
            }
        case Self.startPath:
            let received: ReceivedRequest
            do {
                received = try await self.core.receive(request, context: context)
            } catch {
                return EmulatorReply.empty(413)
            }
            self.startRequestLog.withLock { $0.append(received) }
            return self.start(received)
        default:
            if let captures = target.match(Self.storagePath), let session = captures["session_id"],
                let part = captures["part"]
            {
                return try await self.storePart(request, session: session, part: part, target: target)
            }
            return Dialect.error(404, "Not found")
        }
    }

    // MARK: start

    private func start(_ received: ReceivedRequest) -> Response {
        guard received.method == "POST" else {
            return EmulatorReply.json(405, ["success": false, "error": "Method not allowed"], headers: [("Allow", "POST")])
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
        let parsed: AutoRenderStartRequest
        switch AutoRenderStartRequest.parse(body) {
        case .success(let value): parsed = value
        case .failure(let problem): return Dialect.error(400, problem.message)
        }
        let partSize = self.partSizeSetting.withLock { $0 }
        let partCount = (parsed.size + partSize - 1) / partSize
        guard partCount <= Self.maximumParts else {
            return Dialect.error(400, "size is too large: at most \(Self.maximumParts) parts of \(partSize) bytes")
        }
        let sessionID = AutoRenderUploads.newUUID()
        let expireAt = Int(Date().timeIntervalSince1970) + parsed.ttlSeconds
        let session = AutoRenderUploads.Session(
            uuid: AutoRenderUploads.newUUID(), size: parsed.size, partSize: partSize, partCount: partCount,
            expireAt: expireAt, signature: AutoRenderUploads.digest(self.urlSecret + ":" + sessionID, length: 64))
        self.uploads.withLock { $0.add(session, id: sessionID) }
        let base = self.core.baseURL
        let parts: [JSONValue] = (1...partCount).map { number in
            .string(
                "\(base)/_storage/uploads/\(sessionID)/\(number)?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                    + "&X-Amz-Expires=\(parsed.ttlSeconds)&X-Amz-Signature=\(session.signature)")
        }
        return EmulatorReply.json(
            200,
            [
                "session_id": .string(sessionID),
                "uuid": .string(session.uuid),
                "part_size": .int(partSize),
                "min_part_size": .int(Self.minimumPartSize),
                "parts": .array(parts),
                "expire_at": .int(expireAt),
                "policy": [
                    "folder": .string(parsed.folder), "format": .string(parsed.format), "size": .int(parsed.size),
                    "tags": .array(parsed.tags.map(JSONValue.string)),
                ],
                "public_key": "pk_demo_autorender",
                "workspace_id": .string(Self.workspaceID),
            ]
        )
    }

    // MARK: storage

    /// `PUT` of one part to a presigned URL, answered as S3 answers (XML errors, `ETag` on success).
    private func storePart(_ request: Request, session sessionID: String, part: String, target: RequestTarget) async throws
        -> Response
    {
        guard request.method == .put else {
            return Self.storageError(405, code: "MethodNotAllowed", "The specified method is not allowed against this resource.")
        }
        if request.headers[.authorization] != nil {
            return Self.storageError(
                400, code: "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string "
                    + "parameter or the Authorization header should be specified")
        }
        let signature = (target.query.map(HuaweiSigner.queryPairs) ?? []).last { $0.name == "X-Amz-Signature" }?.value
        guard let session = self.uploads.withLock({ $0.sessions[sessionID] }) else {
            return Self.storageError(404, code: "NoSuchUpload", "The specified upload does not exist.")
        }
        guard signature == session.signature else {
            return Self.storageError(
                403, code: "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.")
        }
        guard Int(Date().timeIntervalSince1970) <= session.expireAt else {
            return Self.storageError(403, code: "AccessDenied", "Request has expired")
        }
        guard let number = Int(part), (1...session.partCount).contains(number) else {
            return Self.storageError(400, code: "InvalidArgument", "Part number must be an integer between 1 and \(session.partCount)")
        }
        // Counted as it arrives, never kept.
        var bytes = 0
        for try await buffer in request.body {
            bytes += buffer.readableBytes
            guard bytes <= session.partSize else {
                return Self.storageError(400, code: "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
            }
        }
        self.uploads.withLock { $0.store(part: number, bytes: bytes, in: sessionID) }
        let etag = "\"" + AutoRenderUploads.digest("\(sessionID)/\(number)/\(bytes)") + "\""
        return EmulatorReply.empty(200, headers: [("ETag", etag)])
    }

    /// S3's XML error document.
    static func storageError(_ status: Int, code: String, _ message: String) -> Response {
        EmulatorReply.raw(
            status, contentType: "application/xml",
            body: Array(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code><Message>\(message)</Message></Error>"
                    .utf8))
    }

    // MARK: complete

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
        var file = StoredFile()
        if let session = self.uploads.withLock({ $0.sessions[sessionID] }) {
            if let uuid = body["uuid"]?.stringValue, uuid != session.uuid {
                return Dialect.error(400, "uuid does not match the upload session")
            }
            let complete = (1...session.partCount).allSatisfy { session.stored[$0] == session.expectedBytes(ofPart: $0) }
            guard complete, session.storedBytes == session.size else {
                return Dialect.error(400, "Upload session is incomplete: uploaded bytes do not match size")
            }
            self.uploads.withLock { $0.remove(sessionID) }
            file.size = session.size
        }
        let flat = self.flatShape.withLock { $0 }
        return EmulatorReply.json(
            200, flat ? Self.flatRecord(sessionID: sessionID, file: file) : Self.wrapped(sessionID: sessionID, file: file))
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

    /// What a complete answer says about the file: the fixed demo file, or the size a started session declared.
    struct StoredFile {
        var size = AutoRenderEmulator.fileSize
    }

    static func fileID(sessionID: String) -> String {
        "file_" + String(sessionID.filter { $0.isLetter || $0.isNumber }.prefix(24))
    }

    /// The documented success body.
    static func wrapped(sessionID: String, file: StoredFile = StoredFile()) -> JSONValue {
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
                "file_size": .int(file.size),
                "workspace_no": 7,
            ],
        ]
    }

    /// The official SDK's flat `MultipartUploadCompleteResponse` file record.
    static func flatRecord(sessionID: String, file: StoredFile = StoredFile()) -> JSONValue {
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
            "size": .int(file.size),
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
