import HTTPTypes
import Hummingbird
import Logging
import SpliceCore
import SpliceEncoding

/// Keeps a client's `X-Request-Id` (1–128 visible ASCII characters) or makes one, puts it on the
/// logger, and sets it on every response, errors included. An id already in the context (chosen by
/// `DrainResponder` with the same rules) is kept.
package struct RequestIdMiddleware: RouterMiddleware {
    package typealias Context = SpliceRequestContext

    package init() {}

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let id = context.requestId.isEmpty ? Self.requestId(for: request) : context.requestId
        context.requestId = id
        context.logger[metadataKey: "request_id"] = "\(id)"
        var response = try await next(request, context)
        // A replayed idempotent answer carries the first request's id, and keeps it.
        if response.headers[.requestId] == nil { response.headers[.requestId] = id }
        return response
    }

    /// The client's id when acceptable, or a new one.
    static func requestId(for request: Request) -> String {
        request.headers[.requestId].flatMap { isAcceptable($0) ? $0 : nil } ?? makeId()
    }

    static func isAcceptable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// 128 random bits as 32 lowercase hex digits.
    static func makeId() -> String { Hex.randomId() }
}
