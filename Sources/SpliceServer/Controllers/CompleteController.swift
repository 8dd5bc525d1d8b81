import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SpliceCore

/// `POST /complete`: reads the body (at most 2 MiB), runs the completion pipeline, and answers with the
/// contract's envelope plus `Server-Timing` and `Splice-Attempts` when a provider was reached.
package struct CompleteController: Sendable {
    /// Where each request's ledger entry goes (the ledger, the metrics, the console).
    let finished: FinishedRequests

    package init(finished: FinishedRequests = .none) {
        self.finished = finished
    }

    package func addRoutes(to group: RouterGroup<SpliceRequestContext>) {
        group.post("complete", use: complete)
        // Name the right method instead of a bare 404 for the other verbs.
        for method in [HTTPRequest.Method.get, .put, .patch, .delete] {
            group.on("complete", method: method) { request, _ -> Response in
                throw GatewayError.methodNotAllowed(method: request.method.rawValue, path: request.uri.path)
            }
        }
    }

    @Sendable func complete(request: Request, context: SpliceRequestContext) async throws -> Response {
        let arrived = Date()
        let clock = ContinuousClock()
        let started = clock.now
        do {
            return try await complete(request: request, context: context, arrived: arrived, started: started)
        } catch let error as GatewayError {
            // Refused before the pipeline (the body's type or size): recorded all the same.
            finished.record(
                LedgerEntry(
                    time: arrived, requestId: context.requestId, client: context.client.name, route: nil, provider: nil,
                    kind: .complete, action: "complete", outcome: error.code.rawValue, httpStatus: error.status,
                    totalMs: started.duration(to: clock.now).milliseconds))
            throw error
        }
    }

    private func complete(
        request: Request, context: SpliceRequestContext, arrived: Date, started: ContinuousClock.Instant
    ) async throws -> Response {
        let clock = ContinuousClock()
        if let contentType = request.headers[.contentType], !Self.isJSON(contentType) {
            throw GatewayError.invalidRequest("Content-Type must be application/json")
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: ServerConfiguration.maximumRequestBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw GatewayError.payloadTooLarge(limit: ServerConfiguration.maximumRequestBytes)
        }
        let call = CallContext(
            requestId: context.requestId, client: context.client, headers: request.headers, logger: context.logger)
        let outcome = try await context.configuration.completion.complete(body: Array(body.readableBytesView), context: call)
        let total = started.duration(to: clock.now)

        var response: Response
        var logMetadata: Logger.Metadata = [
            "route": "\(outcome.route ?? "-")", "provider": "\(outcome.provider ?? "-")",
        ]
        let outcomeName: String
        let status: Int
        switch (outcome.replay, outcome.result) {
        case (let answer?, _):
            response = Self.replay(answer)
            outcomeName = answer.outcomeName
            status = answer.status
            logMetadata["status"] = "\(answer.status)"
            logMetadata["replayed"] = "true"
        case (nil, .success(let success)):
            outcomeName = success.action.resultStatus
            status = 200
            response = .json(success.envelope(requestId: context.requestId))
            logMetadata["status"] = "200"
        case (nil, .failure(let error)):
            outcomeName = error.code.rawValue
            status = error.status
            response = .envelope(for: error, requestId: context.requestId)
            logMetadata["status"] = "\(error.status)"
            logMetadata["code"] = "\(error.code)"
            if let upstreamStatus = error.upstream?.status { logMetadata["upstream_status"] = "\(upstreamStatus)" }
        }
        // The answer is the last attempt's; how many there were, when any went to the transport.
        if outcome.attempts > 0 { response.headers[.spliceAttempts] = "\(outcome.attempts)" }
        if let upstream = outcome.upstreamDuration {
            let connection = outcome.connectionWait ?? .zero
            response.headers[.serverTiming] = Self.serverTiming(upstream: upstream, connection: connection, total: total)
            logMetadata["upstream_ms"] = "\(Self.format(upstream))"
            logMetadata["connection_ms"] = "\(Self.format(connection))"
            logMetadata["attempts"] = "\(outcome.attempts)"
        }
        logMetadata["total_ms"] = "\(Self.format(total))"
        context.logger.info("complete", metadata: logMetadata)
        finished.record(
            LedgerEntry(
                time: arrived, requestId: context.requestId, client: context.client.name, route: outcome.route,
                provider: outcome.provider, kind: .complete, action: outcome.action ?? "complete",
                uploadId: outcome.uploadId, fileId: outcome.fileId, outcome: outcomeName, httpStatus: status,
                upstreamStatus: outcome.upstreamStatus ?? outcome.result.failure?.upstream?.status,
                attempts: outcome.attempts, upstreamMs: outcome.upstreamDuration?.milliseconds,
                totalMs: total.milliseconds, idempotencyKey: outcome.idempotencyKey, replayed: outcome.replay != nil))
        return response
    }

    /// A stored answer, given again: its status, body and `X-Request-Id`, and `Idempotent-Replayed: true`.
    static func replay(_ answer: StoredAnswer) -> Response {
        var response = Response(
            status: HTTPResponse.Status(code: answer.status),
            headers: [.contentType: "application/json; charset=utf-8", .idempotentReplayed: "true"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
        response.headers[.requestId] = answer.requestId
        return response
    }

    /// `application/json`, or any `application/…+json`, whatever the parameters.
    static func isJSON(_ contentType: String) -> Bool {
        guard let mediaType = MediaType(from: contentType), mediaType.isType(MediaType(type: .application)) else { return false }
        let subType = mediaType.subType.lowercased()
        return subType == "json" || subType.hasSuffix("+json")
    }

    /// `upstream;dur=…, connection;dur=…, gateway;dur=…` in milliseconds: the provider's time, the wait for a
    /// connection to it, and the rest (Splice's own).
    static func serverTiming(upstream: Duration, connection: Duration, total: Duration) -> String {
        let gateway = total - upstream - connection
        return "upstream;dur=\(format(upstream)), connection;dur=\(format(connection)), gateway;dur=\(format(gateway))"
    }

    /// Milliseconds with up to three decimals.
    static func format(_ duration: Duration) -> String {
        let milliseconds = max(0, duration.milliseconds)
        return String((milliseconds * 1000).rounded() / 1000)
    }
}

extension Result {
    /// The error, when it is one.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
