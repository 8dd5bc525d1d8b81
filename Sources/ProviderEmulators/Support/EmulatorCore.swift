import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Thrown after the `closeConnection` fault closed the channel, so that nothing is written.
struct EmulatorConnectionClosed: Error {}

/// The state and request pipeline every emulator shares: bound address, fault, the latest requests.
final class EmulatorCore: Sendable {
    private struct State {
        var host: String
        var port: Int?
        var secure = false
        var fault: EmulatorFault?
        var requests: RecentRequests
    }

    /// Which provider this core belongs to.
    let provider: EmulatedProvider
    /// A path prefix that is part of the base URL (Tenovos v1 hosts' `/content-store-v1`).
    let pathPrefix: String
    /// The logger for the emulator's own `.debug` lines (never header values or bodies).
    let logger: Logger
    private let state: Mutex<State>

    /// How many of the latest requests on the complete endpoint are kept.
    let recordLimit: Int

    init(provider: EmulatedProvider, host: String, pathPrefix: String = "", recordLimit: Int, logger: Logger) {
        self.provider = provider
        self.pathPrefix = pathPrefix
        self.logger = logger
        self.recordLimit = recordLimit
        self.state = Mutex(State(host: host, requests: RecentRequests(limit: recordLimit)))
    }

    /// Records the port the server is listening on, and whether it serves HTTPS.
    func setPort(_ port: Int, secure: Bool = false) {
        self.state.withLock {
            $0.port = port
            $0.secure = secure
        }
    }

    /// `http://host:port` (`https://` when secure) plus the path prefix.
    var baseURL: String {
        let (host, port, secure) = self.state.withLock { ($0.host, $0.port ?? 0, $0.secure) }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(secure ? "https" : "http")://\(hostPart):\(port)\(self.pathPrefix)"
    }

    func setFault(_ fault: EmulatorFault?) {
        self.state.withLock { $0.fault = fault }
    }

    /// The latest requests received on the complete endpoint (at most `recordLimit`), oldest first.
    var receivedRequests: [ReceivedRequest] {
        self.state.withLock { $0.requests.requests }
    }

    /// Reads the whole body and converts the request into a `ReceivedRequest` (not recorded).
    func receive(_ request: Request, context: EmulatorRequestContext) async throws -> ReceivedRequest {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        var headers: [(name: String, value: String)] = []
        if let authority = request.head.authority {
            headers.append((name: "Host", value: authority))
        }
        for field in request.headers {
            headers.append((name: field.name.rawName, value: field.value))
        }
        return ReceivedRequest(
            method: request.method.rawValue,
            uri: request.head.path ?? "",
            headers: headers,
            body: Array(buffer.readableBytesView)
        )
    }

    /// Records a request received on the complete endpoint (the oldest beyond `recordLimit` are dropped).
    func record(_ received: ReceivedRequest) {
        self.state.withLock { $0.requests.append(received) }
        self.logger.debug(
            "emulator received complete request",
            metadata: ["provider": "\(self.provider.rawValue)", "method": "\(received.method)"]
        )
    }

    /// Applies the current fault: returns the answer that replaces the normal one, `nil` to answer
    /// normally (after sleeping for `.delay`), or throws after closing the connection.
    func applyFault(context: EmulatorRequestContext, dialect: some EmulatorDialect) async throws -> Response? {
        // `.first` is used up one request at a time, under the lock, so concurrent requests count right.
        let fault: EmulatorFault? = self.state.withLock { state in
            guard case .first(let count, let inner) = state.fault else { return state.fault }
            state.fault = count > 1 ? .first(count - 1, inner) : nil
            return count > 0 ? inner : nil
        }
        guard let fault else { return nil }
        switch fault {
        case .delay(let duration):
            // Cut short by the emulators' shutdown: the client of a long delay has usually given up already.
            try await cancelWhenGracefulShutdown {
                try await Task.sleep(for: duration)
            }
            return nil
        case .closeConnection:
            try? await context.channel.close()
            throw EmulatorConnectionClosed()
        case .providerError(let status):
            var response = dialect.providerErrorResponse(status: status)
            if status == 429 {
                response.headers[.retryAfter] = "7"
            }
            return response
        case .retryAfter(let status, let value):
            var response = dialect.providerErrorResponse(status: status)
            response.headers[.retryAfter] = value
            return response
        case .first:
            // Reached only for a `.first` nested in a `.first`: no fault.
            return nil
        case .backendFetchFailed:
            return dialect.backendFetchFailedResponse()
        case .reportsFailureIn2xx:
            return dialect.failureIn2xxResponse()
        case .notJSON:
            return EmulatorReply.htmlInsteadOfJSON()
        case .truncatedJSON:
            return EmulatorReply.raw(200, contentType: "application/json", body: Array(dialect.truncatedJSONBody.utf8))
        }
    }

    /// The shared pipeline of a complete endpoint: receive, record, apply the fault, then `answer`.
    func handleComplete(
        _ request: Request,
        context: EmulatorRequestContext,
        dialect: some EmulatorDialect,
        answer: (ReceivedRequest) async throws -> Response
    ) async throws -> Response {
        let received: ReceivedRequest
        do {
            received = try await self.receive(request, context: context)
        } catch {
            return EmulatorReply.empty(413)
        }
        self.record(received)
        if let faulted = try await self.applyFault(context: context, dialect: dialect) {
            return faulted
        }
        return try await answer(received)
    }
}
