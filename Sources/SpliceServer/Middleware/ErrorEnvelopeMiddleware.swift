import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SpliceCore

/// Turns every error into the contract's error envelope: no non-2xx answer leaves Splice in any other shape.
package struct ErrorEnvelopeMiddleware: RouterMiddleware {
    package typealias Context = SpliceRequestContext

    package init() {}

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as GatewayError {
            Self.log(error, request: request, context: context)
            return Response.envelope(for: error, requestId: context.requestId)
        } catch let error as any HTTPResponseError {
            let mapped: GatewayError =
                switch error.status {
                case .notFound: .notFound(path: request.uri.path)
                case .methodNotAllowed: .methodNotAllowed(method: request.method.rawValue, path: request.uri.path)
                case .contentTooLarge: .payloadTooLarge(limit: ServerConfiguration.maximumRequestBytes)
                case .badRequest: .invalidRequest("the request could not be read")
                default:
                    GatewayError(.internalError, status: Int(error.status.code), message: error.status.reasonPhrase)
                }
            Self.log(mapped, request: request, context: context)
            return Response.envelope(for: mapped, requestId: context.requestId)
        } catch is CancellationError {
            // The client went away or the server is stopping: nothing to answer, nothing wrong inside Splice.
            throw CancellationError()
        } catch let error as HTTPParserError {
            // A body that is not valid HTTP/1.1 (broken chunked encoding…): the client's fault.
            let mapped = GatewayError.invalidRequest("the request body is not valid HTTP/1.1 (\(error))")
            Self.log(mapped, request: request, context: context)
            return Response.envelope(for: mapped, requestId: context.requestId)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(type(of: error))"])
            return Response.envelope(for: .internalError, requestId: context.requestId)
        }
    }
}

extension ErrorEnvelopeMiddleware {
    /// One line per refused request (the `/complete` handler logs its own outcomes).
    static func log(_ error: GatewayError, request: Request, context: Context) {
        context.logger.info(
            "refused",
            metadata: [
                "method": "\(request.method.rawValue)", "path": "\(CompleteRequest.printable(request.uri.path))",
                "status": "\(error.status)", "code": "\(error.code)",
            ])
    }
}

extension Response {
    /// A JSON answer.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        let bytes = value.serialized()
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func envelope(for error: GatewayError, requestId: String) -> Response {
        var response = json(error.envelope(requestId: requestId), status: HTTPResponse.Status(code: error.status))
        if let retryAfter = error.retryAfter {
            response.headers[.retryAfter] = retryAfter
        }
        response.headers[.requestId] = requestId
        return response
    }
}
