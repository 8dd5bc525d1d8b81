import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SpliceCore

/// The providers' own APIs: `/{route}/…` on the gateway's listener, and everything on a route's own
/// `passthrough.listen` port. Reads the body as the route needs it, runs the passthrough pipeline, and streams
/// the provider's answer back as it came, with `X-Request-Id` and `Server-Timing`.
package struct PassthroughMiddleware: RouterMiddleware {
    package typealias Context = SpliceRequestContext

    /// The route a `passthrough.listen` port serves at its root; `nil` on the gateway's listener.
    let fixedRoute: String?
    /// Where each request's ledger entry goes (the ledger, the metrics, the console).
    let finished: FinishedRequests

    package init(fixedRoute: String? = nil, finished: FinishedRequests = .none) {
        self.fixedRoute = fixedRoute
        self.finished = finished
    }

    /// Error answers up to this size are read whole, so that no secret a provider echoes reaches the client.
    static let redactedErrorLimit = 1024 * 1024

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if let fixedRoute {
            return try await respond(to: request, context: context, route: fixedRoute, path: path)
        }
        // `/{route}` or `/{route}/…`, for a name that is a route (reserved names never are).
        let afterSlash = path.dropFirst()
        let name = afterSlash.prefix { $0 != "/" }
        guard !name.isEmpty, context.configuration.routes[String(name)] != nil else { return try await next(request, context) }
        let rest = afterSlash.dropFirst(name.count)
        return try await respond(to: request, context: context, route: String(name), path: rest.isEmpty ? "/" : String(rest))
    }

    func respond(to request: Request, context: Context, route: String, path: String) async throws -> Response {
        let arrived = Date()
        let clock = ContinuousClock()
        let started = clock.now
        do {
            return try await forward(request, context: context, route: route, path: path, started: started, arrived: arrived)
        } catch let error as GatewayError {
            // Refused before anything was sent: the envelope, timed like every passthrough answer.
            ErrorEnvelopeMiddleware.log(error, request: request, context: context)
            let total = started.duration(to: clock.now)
            var response = Response.envelope(for: error, requestId: context.requestId)
            response.headers[.serverTiming] = "gateway;dur=\(CompleteController.format(total))"
            finished.record(
                LedgerEntry(
                    time: arrived, requestId: context.requestId, client: context.client.name, route: route,
                    provider: context.configuration.routes[route]?.provider.name, kind: .passthrough,
                    action: Self.action(request.method, path), outcome: error.code.rawValue, httpStatus: error.status,
                    totalMs: total.milliseconds))
            return response
        }
    }

    /// The ledger's `action` of a passthrough request: its method and path, without the query.
    static func action(_ method: HTTPRequest.Method, _ path: String) -> String {
        "\(method.rawValue) \(CompleteRequest.printable(path))"
    }

    private func forward(
        _ request: Request, context: Context, route: String, path: String, started: ContinuousClock.Instant,
        arrived: Date
    ) async throws -> Response {
        let plan = try context.configuration.passthrough.plan(route: route, method: request.method, path: path)
        var headers = request.headers
        // A Huawei client signed its `Host`: the verifier needs it; it is never forwarded.
        if let authority = request.head.authority { headers[Self.host] = authority }
        var inbound = PassthroughService.Inbound(
            method: request.method, path: path, query: request.uri.query, headers: headers)
        var request = request
        try await Self.readBody(of: &request, into: &inbound, handling: plan.bodyHandling)

        // AsyncHTTPClient may still be reading a streamed body when the provider has answered: the answer ends
        // only once the body is read to its end (`InboundBody.finish`), whatever happens below.
        guard let streamed = (inbound.stream as? InboundBodyStream)?.body else {
            return try await answer(
                inbound, plan: plan, request: request, context: context, route: route, started: started, arrived: arrived)
        }
        var response: Response
        do {
            response = try await answer(
                inbound, plan: plan, request: request, context: context, route: route, started: started, arrived: arrived)
        } catch {
            await streamed.finish()
            throw error
        }
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            do {
                try await body.write(writer)
            } catch {
                await streamed.finish()
                throw error
            }
            await streamed.finish()
        }
        return response
    }

    /// Sends the request on and turns the outcome into the client's answer.
    private func answer(
        _ inbound: PassthroughService.Inbound, plan: PassthroughService.Plan, request: Request, context: Context,
        route: String, started: ContinuousClock.Instant, arrived: Date
    ) async throws -> Response {
        let clock = ContinuousClock()
        let call = CallContext(
            requestId: context.requestId, client: context.client, headers: request.headers, logger: context.logger)
        let outcome = try await context.configuration.passthrough.forward(inbound, plan: plan, context: call)
        let total = started.duration(to: clock.now)
        var metadata: Logger.Metadata = [
            "route": "\(route)", "provider": "\(plan.route.provider.name)", "method": "\(request.method.rawValue)",
            "path": "\(CompleteRequest.printable(inbound.path))",
        ]
        var response: Response
        let outcomeName: String
        let status: Int
        var upstreamStatus: Int?
        switch outcome.result {
        case .failure(let error):
            response = .envelope(for: error, requestId: context.requestId)
            metadata["status"] = "\(error.status)"
            metadata["code"] = "\(error.code)"
            (outcomeName, status, upstreamStatus) = (error.code.rawValue, error.status, error.upstream?.status)
        case .success(let answer):
            response = try await Self.response(for: answer, authenticator: plan.authenticator)
            metadata["status"] = "\(answer.status)"
            if outcome.attempts > 0 { metadata["upstream_status"] = "\(answer.status)" }
            // The provider's own answer, whatever its status, went back as it came.
            (outcomeName, status) = ("forwarded", answer.status)
            if outcome.attempts > 0 { upstreamStatus = answer.status }
        }
        if let upstream = outcome.upstreamDuration {
            let connection = outcome.connectionWait ?? .zero
            response.headers[.serverTiming] = CompleteController.serverTiming(
                upstream: upstream, connection: connection, total: total)
            metadata["upstream_ms"] = "\(CompleteController.format(upstream))"
            metadata["attempts"] = "\(outcome.attempts)"
        } else {
            response.headers[.serverTiming] = "gateway;dur=\(CompleteController.format(total))"
        }
        metadata["total_ms"] = "\(CompleteController.format(total))"
        context.logger.info("passthrough", metadata: metadata)
        finished.record(
            LedgerEntry(
                time: arrived, requestId: context.requestId, client: context.client.name, route: route,
                provider: plan.route.provider.name, kind: .passthrough, action: Self.action(request.method, inbound.path),
                outcome: outcomeName, httpStatus: status, upstreamStatus: upstreamStatus, attempts: outcome.attempts,
                upstreamMs: outcome.upstreamDuration?.milliseconds, totalMs: total.milliseconds))
        return response
    }

    static let host = HTTPField.Name("Host")!
    static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// Keeps the body in memory when the route must sign it or send it again; streams it otherwise.
    static func readBody(
        of request: inout Request, into inbound: inout PassthroughService.Inbound,
        handling: PassthroughDialect.BodyHandling
    ) async throws {
        let declared = request.headers[.contentLength].flatMap(Int.init)
        let hasBody = (declared ?? 0) > 0 || request.headers[.transferEncoding] != nil
        guard hasBody else { return }
        let limit: Int
        switch handling {
        case .stream:
            inbound.stream = InboundBodyStream(body: InboundBody(request.body), length: declared)
            return
        case .keepForRetry(let retryLimit):
            if let declared, declared > retryLimit {
                inbound.stream = InboundBodyStream(body: InboundBody(request.body), length: declared)
                return
            }
            limit = retryLimit
        case .bufferToSign(let signLimit):
            if request.headers[HTTPField.Name("X-Sdk-Content-Sha256")!] == unsignedPayload {
                inbound.stream = InboundBodyStream(body: InboundBody(request.body), length: declared)
                return
            }
            if let declared, declared > signLimit { throw GatewayError.payloadTooLarge(limit: signLimit) }
            limit = signLimit
        }
        do {
            inbound.body = Array(try await request.collectBody(upTo: limit).readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw GatewayError.payloadTooLarge(limit: limit)
        }
    }

    /// The provider's answer as it came; an error answer small enough to read is read, and any secret in it redacted.
    static func response(for answer: UpstreamResponse, authenticator: any UpstreamAuthenticator) async throws -> Response {
        let status = HTTPResponse.Status(code: answer.status)
        var headers = answer.headers
        headers[.contentLength] = nil
        guard let stream = answer.stream as? ProviderBodyStream else {
            let body = Redactor(secrets: await authenticator.sensitiveValues()).redact(bytes: answer.body)
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        if answer.status >= 400, (stream.length ?? 0) <= redactedErrorLimit {
            let collected = try await stream.body.collect(upTo: redactedErrorLimit)
            let body = Redactor(secrets: await authenticator.sensitiveValues()).redact(bytes: Array(collected.readableBytesView))
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        let body = stream.body
        return Response(
            status: status, headers: headers,
            body: ResponseBody(contentLength: stream.length) { writer in
                try await writer.write(body)
                try await writer.finish(nil)
            })
    }
}
