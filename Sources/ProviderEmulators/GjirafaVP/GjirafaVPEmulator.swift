import Hummingbird
import Logging

/// Emulates GjirafaTech VP's Upload API "Complete Multipart Upload":
/// `PUT /api/projects/{projectId}/uploads/multipart-complete`.
///
/// `Authorization` carries the API key with the configured scheme (`Bearer KEY`, or the bare key).
/// The body is `{"requestKey":"…","parts":[{"partNumber":n,"eTag":"…"}],"allowPartialComplete"?:bool}`;
/// the part field is spelled `eTag`. Every JSON answer is VP's envelope
/// `{success, errors[], messages[], result, resultInfo, statusCode}`; the proxy fault is Varnish's HTML
/// "503 Backend fetch failed" page.
package final class GjirafaVPEmulator: ProviderEmulator, EmulatorEndpoint {
    static let completePath = "/api/projects/{projectId}/uploads/multipart-complete"

    let core: EmulatorCore
    private let expectedAuthorization: String

    init(credentials: EmulatorCredentials, host: String, recordLimit: Int, logger: Logger) {
        self.core = EmulatorCore(provider: .gjirafaVP, host: host, recordLimit: recordLimit, logger: logger)
        self.expectedAuthorization =
            credentials.gjirafaScheme.isEmpty
            ? credentials.gjirafaAPIKey : "\(credentials.gjirafaScheme) \(credentials.gjirafaAPIKey)"
    }

    package var provider: EmulatedProvider { self.core.provider }
    package var baseURL: String { self.core.baseURL }
    package func setFault(_ fault: EmulatorFault?) { self.core.setFault(fault) }
    package var receivedRequests: [ReceivedRequest] { self.core.receivedRequests }

    func respond(to request: Request, context: EmulatorRequestContext) async throws -> Response {
        let target = RequestTarget(request.head.path ?? "")
        guard let captures = target.match(Self.completePath), let projectID = captures["projectId"] else {
            return Dialect.error(404, "Result Not Found")
        }
        return try await self.core.handleComplete(request, context: context, dialect: Dialect()) { received in
            self.complete(received, projectID: projectID)
        }
    }

    private func complete(_ received: ReceivedRequest, projectID: String) -> Response {
        guard received.method == "PUT" else {
            var response = Dialect.error(405, "Method Not Allowed")
            response.headers[.allow] = "PUT"
            return response
        }
        guard let authorization = received.header("Authorization"), !authorization.isEmpty else {
            return Dialect.error(401, "Unauthorized")
        }
        guard authorization == self.expectedAuthorization else {
            return Dialect.error(401, "Unauthorized")
        }
        guard received.hasJSONContentType else {
            return Dialect.error(400, "Content-Type must be application/json")
        }
        guard let body = JSONValue.parse(received.body), body.isObject else {
            return Dialect.error(400, "The request body is not valid JSON.")
        }
        if let problem = Self.bodyProblem(body) {
            return Dialect.error(400, problem)
        }
        if projectID.contains("missing") {
            return Dialect.error(404, "Project not found.")
        }
        if let requestKey = body["requestKey"]?.stringValue, requestKey.contains("missing") {
            return Dialect.error(404, "Upload not found.")
        }
        return EmulatorReply.json(
            200,
            Dialect.envelope(
                success: true,
                errors: [],
                messages: ["Multipart upload completed successfully."],
                result: true,
                statusCode: 200
            )
        )
    }

    /// The first thing wrong with the body, in VP's words; `nil` when it is valid.
    static func bodyProblem(_ body: JSONValue) -> String? {
        let known: Set = ["requestKey", "parts", "allowPartialComplete"]
        if let unknown = body.keys.first(where: { !known.contains($0) }) {
            return "Unknown field: \(unknown)."
        }
        guard let requestKey = body["requestKey"]?.stringValue, !requestKey.isEmpty else {
            return "The RequestKey field is required."
        }
        if let allow = body["allowPartialComplete"], allow.boolValue == nil {
            return "The AllowPartialComplete field must be a boolean."
        }
        guard let parts = body["parts"]?.arrayValue, !parts.isEmpty else {
            return "The Parts field is required."
        }
        var seen: Set<Int> = []
        for (index, part) in parts.enumerated() {
            guard part.isObject else { return "Parts[\(index)] must be an object." }
            if let unknown = part.keys.first(where: { $0 != "partNumber" && $0 != "eTag" }) {
                return "Parts[\(index)]: unknown field \(unknown) (expected partNumber and eTag)."
            }
            guard let number = part["partNumber"]?.intValue, number >= 0 else {
                return "Parts[\(index)].PartNumber must be a non-negative integer."
            }
            guard let eTag = part["eTag"]?.stringValue, !eTag.isEmpty else {
                return "Parts[\(index)].ETag is required."
            }
            guard seen.insert(number).inserted else {
                return "Parts[\(index)].PartNumber \(number) is duplicated."
            }
        }
        return nil
    }

    /// VP's wording of errors and faults.
    struct Dialect: EmulatorDialect {
        static func envelope(
            success: Bool,
            errors: [String],
            messages: [String],
            result: JSONValue,
            statusCode: Int
        ) -> JSONValue {
            [
                "success": .bool(success),
                "errors": .array(errors.map { .string($0) }),
                "messages": .array(messages.map { .string($0) }),
                "result": result,
                "resultInfo": nil,
                "statusCode": .int(statusCode),
            ]
        }

        static func error(_ status: Int, _ message: String) -> Response {
            EmulatorReply.json(
                status,
                envelope(success: false, errors: [message], messages: [], result: nil, statusCode: status)
            )
        }

        func providerErrorResponse(status: Int) -> Response {
            let message =
                switch status {
                case 400: "Not all parts were completed."
                case 401: "Unauthorized"
                case 403: "Forbidden"
                case 404: "Result Not Found"
                case 409: "The upload is already being completed."
                case 410: "The upload has expired."
                case 422: "The upload could not be processed."
                case 429: "Too Many Requests"
                case 500: "Internal Server Error"
                case 502: "Bad Gateway"
                case 503: "Service Unavailable"
                default: "Request failed"
                }
            return Self.error(status, message)
        }

        /// `success:true` with `result:false`: the call went through, the completion did not.
        func failureIn2xxResponse() -> Response {
            EmulatorReply.json(
                200,
                Self.envelope(
                    success: true,
                    errors: [],
                    messages: ["Multipart upload could not be completed."],
                    result: false,
                    statusCode: 200
                )
            )
        }

        /// Varnish's built-in synthetic error page.
        func backendFetchFailedResponse() -> Response {
            let xid = Int.random(in: 100_000...999_999)
            let page = """
                <!DOCTYPE html>
                <html>
                  <head>
                    <title>503 Backend fetch failed</title>
                  </head>
                  <body>
                    <h1>Error 503 Backend fetch failed</h1>
                    <p>Backend fetch failed</p>
                    <h3>Guru Meditation:</h3>
                    <p>XID: \(xid)</p>
                    <hr>
                    <p>Varnish cache server</p>
                  </body>
                </html>

                """
            return EmulatorReply.html(503, page, headers: [("Retry-After", "5"), ("X-Varnish", "\(xid)")])
        }

        var truncatedJSONBody: String { #"{"success":true,"errors":[],"messages":["Multipart upl"# }
    }
}
