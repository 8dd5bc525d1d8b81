import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SpliceCore
import Synchronization

/// Sends one route's upstream requests through its own pooled `HTTPClient`.
///
/// The deadline covers the provider's time only: it starts when the request head is written, so time spent
/// waiting for a free connection (bounded by the client's connect timeout) is not counted against the provider,
/// and is reported apart (`UpstreamResponse.connectionWait`).
package struct HTTPClientTransport: UpstreamTransport {
    let client: HTTPClient
    /// Provider answers larger than this are not read (their bodies are small JSON documents).
    let maximumResponseBytes: Int

    package init(client: HTTPClient, maximumResponseBytes: Int = 4 * 1024 * 1024) {
        self.client = client
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// The longest a request waits for a connection (a free one from the pool, or a new one being opened).
    static let connectionWaitLimit: TimeAmount = .seconds(10)

    /// The client Splice uses: no redirects (credentials must not follow them elsewhere), no decompression, and
    /// a pool of up to `maximumConnections` connections per upstream host (AsyncHTTPClient's default is 8).
    /// `tls`: the route's own trust (`UpstreamTLS`); `nil`, the system's roots.
    package static func makeClient(
        logger: Logger, maximumConnections: Int = RouteConfiguration.defaultMaxConnections,
        tls: TLSConfiguration? = nil
    ) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: connectionWaitLimit),
            decompression: .disabled)
        configuration.connectionPool.idleTimeout = .seconds(60)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = maximumConnections
        // A refused connection fails the request at once (502 upstream_unreachable) instead of being
        // retried until the deadline: the client decides whether to try again.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration, backgroundActivityLogger: logger)
    }

    package func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse {
        var headers = HTTPHeaders()
        // The Host that goes on the wire is set here, explicitly, because Huawei's signature covers it.
        headers.add(name: "Host", value: request.upstream.hostHeader)
        for field in request.headers {
            headers.add(name: field.name.rawName, value: field.value)
        }
        let clientRequest: HTTPClient.Request
        do {
            clientRequest = try HTTPClient.Request(
                url: request.url, method: HTTPMethod(rawValue: request.method.rawValue), headers: headers,
                body: .bytes(request.body))
        } catch let error as HTTPClientError {
            throw Self.map(error, sent: false)
        }
        let providerTimeout = TimeAmount.nanoseconds(Int64(timeout.milliseconds * 1_000_000))
        let delegate = ResponseCollector(providerTimeout: providerTimeout, maximumBytes: maximumResponseBytes)
        // A backstop only: the collector's own timer, started when the head is written, normally fires first.
        let task = client.execute(
            request: clientRequest, delegate: delegate, deadline: .now() + Self.connectionWaitLimit + providerTimeout)
        do {
            return try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch {
            if Task.isCancelled { throw CancellationError() }
            let progress = delegate.progress
            if progress.timedOut { throw UpstreamTransportError.timeout }
            if let tooLarge = progress.tooLargeStatus {
                throw UpstreamTransportError.responseTooLarge(status: tooLarge, limit: maximumResponseBytes)
            }
            switch error {
            case let error as HTTPClientError:
                if !progress.headSent, error == .getConnectionFromPoolTimeout || error == .deadlineExceeded {
                    throw UpstreamTransportError.noConnection(waited: .nanoseconds(progress.waited.nanoseconds))
                }
                throw Self.map(error, sent: progress.headSent)
            case let error as UpstreamTransportError:
                throw error
            default:
                throw Self.map(other: error, sent: progress.headSent)
            }
        }
    }

    /// The errors by which AsyncHTTPClient refuses a request as built, before sending anything: a bug in Splice or a
    /// value that cannot go on the wire, never the provider's doing (matched by `shortDescription`, because some carry
    /// associated values).
    static let requestRefusals: Set<String> = Set(
        [
            HTTPClientError.invalidURL, .emptyHost, .emptyScheme, .unsupportedScheme(""), .missingSocketPath,
            .invalidHeaderFieldNames([]), .invalidHeaderFieldValues([]), .traceRequestWithBody,
            .identityCodingIncorrectlyPresent, .contentLengthMissing,
        ].map(\.shortDescription))

    /// Streams `request` (and its body, when it has a stream) and returns at the answer's head, its body unread.
    ///
    /// The deadline runs until the head arrives: `timeout` plus the connection wait limit, counted from when the
    /// request body has been read to its end, so that a large upload is not cut by the provider's deadline.
    package func open(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse {
        var clientRequest = HTTPClientRequest(url: request.url)
        clientRequest.method = HTTPMethod(rawValue: request.method.rawValue)
        clientRequest.headers.add(name: "Host", value: request.upstream.hostHeader)
        for field in request.headers {
            clientRequest.headers.add(name: field.name.rawName, value: field.value)
        }
        // The body (when there is one) is observed: once it is sent, the provider has `timeout` to answer.
        let hasBody = request.stream != nil || !request.body.isEmpty
        let progress = BodyProgress(
            eventLoop: MultiThreadedEventLoopGroup.currentEventLoop ?? client.eventLoopGroup.next(), hasBody: hasBody,
            timeout: TimeAmount(timeout), connectionWaitLimit: Self.connectionWaitLimit)
        if let stream = request.stream as? InboundBodyStream {
            let length: HTTPClientRequest.Body.Length = stream.length.map { .known(Int64($0)) } ?? .unknown
            clientRequest.body = .stream(ObservedBody(base: stream.body, progress: progress), length: length)
        } else if !request.body.isEmpty {
            let body = SingleBuffer(buffer: ByteBuffer(bytes: request.body))
            clientRequest.body = .stream(ObservedBody(base: body, progress: progress), length: .known(Int64(request.body.count)))
        }
        let connectionWaitLimit = Duration.nanoseconds(Self.connectionWaitLimit.nanoseconds)
        let prepared = clientRequest
        let response: HTTPClientResponse
        do {
            defer { progress.stop() }
            response = try await withThrowingTaskGroup(of: OpenEvent.self) { group in
                group.addTask { .answered(try await client.execute(prepared, deadline: .distantFuture)) }
                group.addTask {
                    guard let expiry = await progress.expiry() else { throw CancellationError() }
                    return .expired(expiry)
                }
                defer { group.cancelAll() }
                while let event = try await group.next() {
                    switch event {
                    case .answered(let response): return response
                    case .expired(.noConnection): throw UpstreamTransportError.noConnection(waited: connectionWaitLimit)
                    case .expired(.deadline): throw UpstreamTransportError.timeout
                    }
                }
                throw CancellationError()
            }
        } catch let error as UpstreamTransportError {
            throw error
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if let error = error as? HTTPClientError { throw Self.map(error, sent: false) }
            throw Self.map(other: error)
        }
        var fields = HTTPFields()
        for header in response.headers {
            guard let name = HTTPField.Name(header.name) else { continue }
            fields.append(HTTPField(name: name, value: header.value))
        }
        let length = response.headers.first(name: "Content-Length").flatMap(Int.init)
        return UpstreamResponse(
            status: Int(response.status.code), headers: fields, stream: ProviderBodyStream(body: response.body, length: length),
            connectionWait: progress.connectionWait)
    }

    /// What ends the wait for a streamed answer's head.
    private enum OpenEvent: Sendable {
        case answered(HTTPClientResponse)
        case expired(BodyProgress.Expiry)
    }

    /// AsyncHTTPClient's errors, by what they mean for the request. Only `shortDescription` is ever kept: the
    /// full description carries associated values (an offending header value, which may be a credential).
    static func map(_ error: HTTPClientError, sent: Bool) -> UpstreamTransportError {
        switch error {
        case .deadlineExceeded, .readTimeout, .writeTimeout:
            return .timeout
        case .remoteConnectionClosed, .cancelled, .bodyLengthMismatch, .uncleanShutdown:
            return .connectionClosed
        case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout:
            return .unreachable(reason: "connecting timed out")
        case .alreadyShutdown:
            // A pool a reload replaced, closed before a request that began on the old configuration got to it
            // (it would have had to outlast its whole deadline budget): nothing was sent, the next request has a pool.
            return .unreachable(reason: "the route's connection pool was closed by a reload")
        case _ where requestRefusals.contains(error.shortDescription):
            return .invalidRequest(reason: error.shortDescription)
        default:
            return sent ? .connectionClosed : .unreachable(reason: error.shortDescription)
        }
    }

    /// Errors from NIO itself: a connection that broke after it was made is "closed without answering";
    /// anything else (refused, DNS, TLS — NIOPosix and NIOSSL errors) means the provider was not reached. Once the
    /// request head was written (`sent`), no error means "not reached": `.unreachable` is what makes a retry safe.
    static func map(other error: any Error, sent: Bool = false) -> UpstreamTransportError {
        if sent || error is ChannelError || error is HTTPParserError {
            return .connectionClosed
        }
        if let ioError = error as? IOError {
            switch ioError.errnoCode {
            case ECONNRESET, EPIPE: return .connectionClosed
            case ECONNREFUSED: return .unreachable(reason: "connection refused")
            default: break
            }
        }
        if String(describing: error).contains("Connection refused") {
            return .unreachable(reason: "connection refused")
        }
        if let reason = UpstreamTLS.failureReason(error) {
            return .unreachable(reason: reason)
        }
        // The type's name, never the description: descriptions can carry URLs and headers.
        return .unreachable(reason: String(describing: type(of: error)))
    }
}

/// Collects one answer (bounded) and runs the provider's deadline from the moment the request head is written.
final class ResponseCollector: HTTPClientResponseDelegate {
    typealias Response = UpstreamResponse

    struct Progress: Sendable {
        var headSent = false
        var waited: TimeAmount = .zero
        var timedOut = false
        var tooLargeStatus: Int?
    }

    private struct State: Sendable {
        var progress = Progress()
        var timer: Scheduled<Void>?
        var status = 0
        var headers = HTTPFields()
        var body = ByteBuffer()
    }

    private let providerTimeout: TimeAmount
    private let maximumBytes: Int
    private let created = NIODeadline.now()
    private let state = Mutex(State())

    init(providerTimeout: TimeAmount, maximumBytes: Int) {
        self.providerTimeout = providerTimeout
        self.maximumBytes = maximumBytes
    }

    var progress: Progress { state.withLock { $0.progress } }

    func didSendRequestHead(task: HTTPClient.Task<UpstreamResponse>, _ head: HTTPRequestHead) {
        let timer = task.eventLoop.scheduleTask(in: providerTimeout) {
            self.state.withLock { $0.progress.timedOut = true }
            task.cancel()
        }
        let waited = NIODeadline.now() - created
        state.withLock { state in
            state.progress.headSent = true
            state.progress.waited = waited
            state.timer = timer
        }
    }

    func didReceiveHead(task: HTTPClient.Task<UpstreamResponse>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        var fields = HTTPFields()
        for header in head.headers {
            // A name that is not a valid token cannot be looked up by any provider dialect: skip it.
            guard let name = HTTPField.Name(header.name) else { continue }
            fields.append(HTTPField(name: name, value: header.value))
        }
        state.withLock { state in
            state.status = Int(head.status.code)
            state.headers = fields
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<UpstreamResponse>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let tooLarge: Bool = state.withLock { state in
            guard state.body.readableBytes + buffer.readableBytes <= maximumBytes else {
                state.progress.tooLargeStatus = state.status
                return true
            }
            var buffer = buffer
            state.body.writeBuffer(&buffer)
            return false
        }
        guard !tooLarge else { return task.eventLoop.makeFailedFuture(NIOTooManyBytesError(maxBytes: maximumBytes)) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<UpstreamResponse>, _ error: any Error) {
        state.withLock { $0.timer?.cancel() }
    }

    func didFinishRequest(task: HTTPClient.Task<UpstreamResponse>) throws -> UpstreamResponse {
        state.withLock { state in
            state.timer?.cancel()
            return UpstreamResponse(
                status: state.status, headers: state.headers, body: Array(state.body.readableBytesView),
                connectionWait: .nanoseconds(state.progress.waited.nanoseconds))
        }
    }
}
