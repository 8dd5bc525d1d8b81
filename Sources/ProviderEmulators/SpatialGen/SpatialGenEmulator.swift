import Hummingbird
import Logging

/// Emulates SpatialGen's Direct Upload "complete" endpoint:
/// `POST /api/videos/uploads/{uploadSessionId}/files/{uploadId}/complete` with `X-SPATIALGEN-APPKEY`.
///
/// Body `{"parts":[{"partNumber":1,"etag":"\"…\""},…]}`; `parts` is omitted for `single_put` uploads and,
/// when present, must number the parts exactly 1…N in ascending order. Completing is idempotent.
/// Errors are JSON `{"error":"…"}` (4xx) or `{"message":"…"}` (5xx), as a Next.js-style API answers.
package final class SpatialGenEmulator: ProviderEmulator, EmulatorEndpoint {
    static let completePath = "/api/videos/uploads/{uploadSessionId}/files/{uploadId}/complete"
    /// The part size SpatialGen's answers report for multipart uploads (64 MiB).
    static let partSizeBytes = 67_108_864
    /// The size of the last part, and of a whole `single_put` upload.
    static let lastPartBytes = 23_456_789

    let core: EmulatorCore
    private let appKey: String

    init(credentials: EmulatorCredentials, host: String, recordLimit: Int, logger: Logger) {
        self.core = EmulatorCore(provider: .spatialgen, host: host, recordLimit: recordLimit, logger: logger)
        self.appKey = credentials.spatialgenAppKey
    }

    package var provider: EmulatedProvider { self.core.provider }
    package var baseURL: String { self.core.baseURL }
    package func setFault(_ fault: EmulatorFault?) { self.core.setFault(fault) }
    package var receivedRequests: [ReceivedRequest] { self.core.receivedRequests }

    func respond(to request: Request, context: EmulatorRequestContext) async throws -> Response {
        let target = RequestTarget(request.head.path ?? "")
        guard let captures = target.match(Self.completePath),
            let sessionId = captures["uploadSessionId"], let uploadId = captures["uploadId"]
        else {
            return Dialect.error(404, "Not found")
        }
        return try await self.core.handleComplete(request, context: context, dialect: Dialect()) { received in
            self.complete(received, sessionId: sessionId, uploadId: uploadId)
        }
    }

    private func complete(_ received: ReceivedRequest, sessionId: String, uploadId: String) -> Response {
        guard received.method == "POST" else {
            return EmulatorReply.json(405, ["error": "Method not allowed"], headers: [("Allow", "POST")])
        }
        guard let key = received.header("X-SPATIALGEN-APPKEY"), !key.isEmpty else {
            return Dialect.error(401, "Missing API key")
        }
        guard key == self.appKey else {
            return Dialect.error(401, "Invalid API key")
        }
        // A body-less complete is how single_put uploads are finished; a body must be JSON.
        var body: JSONValue = .object([])
        if !received.body.isEmpty {
            guard received.hasJSONContentType else {
                return Dialect.error(400, "Content-Type must be application/json")
            }
            guard let parsed = JSONValue.parse(received.body), parsed.isObject else {
                return Dialect.error(400, "Invalid JSON body")
            }
            body = parsed
        }
        if let unknown = body.keys.first(where: { $0 != "parts" }) {
            return Dialect.error(400, "Unknown field: \(unknown)")
        }
        var partCount: Int?
        if let parts = body["parts"] {
            switch Self.validateParts(parts) {
            case .success(let count): partCount = count
            case .failure(let problem): return Dialect.error(400, problem.message)
            }
        }
        if sessionId.contains("missing") || uploadId.contains("missing") {
            return Dialect.error(404, "Upload not found")
        }
        return EmulatorReply.json(200, Self.fileState(uploadId: uploadId, partCount: partCount))
    }

    /// Checks `parts` strictly; returns the number of parts.
    static func validateParts(_ parts: JSONValue) -> Result<Int, BodyProblem> {
        guard let list = parts.arrayValue else {
            return .failure(BodyProblem("parts must be an array"))
        }
        guard !list.isEmpty else {
            return .failure(BodyProblem("parts must not be empty"))
        }
        for (index, part) in list.enumerated() {
            guard part.isObject else {
                return .failure(BodyProblem("parts[\(index)] must be an object"))
            }
            if let unknown = part.keys.first(where: { $0 != "partNumber" && $0 != "etag" }) {
                return .failure(BodyProblem("parts[\(index)]: unknown field \(unknown)"))
            }
            guard let number = part["partNumber"]?.intValue else {
                return .failure(BodyProblem("parts[\(index)].partNumber must be an integer"))
            }
            guard let etag = part["etag"]?.stringValue, !etag.isEmpty else {
                return .failure(BodyProblem("parts[\(index)].etag must be a non-empty string"))
            }
            guard number == index + 1 else {
                return .failure(BodyProblem("Parts must include every part number 1..\(list.count) in order; got \(number) at position \(index + 1)"))
            }
        }
        return .success(list.count)
    }

    /// The file state SpatialGen answers after completing.
    static func fileState(uploadId: String, partCount: Int?) -> JSONValue {
        let totalParts = partCount ?? 1
        let multipart = partCount != nil
        let partSize = multipart ? partSizeBytes : lastPartBytes
        let totalBytes = multipart ? (totalParts - 1) * partSizeBytes + lastPartBytes : lastPartBytes
        return [
            "uploadId": .string(uploadId),
            "fileRole": "video",
            "fileName": "left-eye.mov",
            "totalBytes": .int(totalBytes),
            "partSizeBytes": .int(partSize),
            "totalParts": .int(totalParts),
            "uploadStrategy": multipart ? "multipart" : "single_put",
            "status": "completed",
            "libraryId": nil,
        ]
    }

    /// SpatialGen's wording of faults.
    struct Dialect: EmulatorDialect {
        static func error(_ status: Int, _ message: String) -> Response {
            EmulatorReply.json(status, status >= 500 ? ["message": .string(message)] : ["error": .string(message)])
        }

        func providerErrorResponse(status: Int) -> Response {
            let message =
                switch status {
                case 400: "Invalid request body"
                case 401: "Invalid API key"
                case 403: "API key role is not allowed to upload"
                case 404: "Upload not found"
                case 409: "Upload is not in a state that can be completed"
                case 410: "Upload session has expired"
                case 422: "Uploaded size does not match the declared size"
                case 429: "Too many requests"
                case 500: "Internal server error"
                case 502: "Bad gateway"
                case 503: "Service unavailable"
                case 504: "Gateway timeout"
                default: "Request failed"
                }
            return Self.error(status, message)
        }

        func failureIn2xxResponse() -> Response {
            EmulatorReply.json(200, ["status": "error", "error": "Multipart upload could not be assembled"])
        }

        var truncatedJSONBody: String { #"{"uploadId":"4f2c0b1e","fileRole":"vid"# }
    }
}
