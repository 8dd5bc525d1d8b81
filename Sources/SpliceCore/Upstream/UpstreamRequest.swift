import HTTPTypes

/// One HTTP request to a provider, built from a clean header set: nothing a client sent is copied in.
package struct UpstreamRequest: Sendable {
    package var method: HTTPRequest.Method
    package var upstream: UpstreamURL
    /// The provider's path (already percent-encoded), starting with `/`; the route's prefix goes in front.
    package var path: String
    /// The query exactly as it goes on the wire (percent-encoded, without `?`); `nil` when there is none.
    package var query: String?
    /// Every header but `Host`, which the transport sets from `upstream` (and a signer signs as `hostHeader`).
    package var headers: HTTPFields
    /// The body in memory: it can be signed and sent again. Empty when `stream` is set.
    package var body: [UInt8]
    /// A body streamed through as it arrives (passthrough): sent once, never kept.
    package var stream: (any StreamedBody)?

    package init(
        method: HTTPRequest.Method, upstream: UpstreamURL, path: String, query: String? = nil,
        headers: HTTPFields = [:], body: [UInt8] = [], stream: (any StreamedBody)? = nil
    ) {
        self.method = method
        self.upstream = upstream
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.stream = stream
    }

    /// Whether the request can be sent again (its body is in memory).
    package var isReplayable: Bool { stream == nil }

    /// The path exactly as it goes on the wire, without the query.
    package var wirePath: String { upstream.pathPrefix + path }

    /// The request target on the wire: path and query.
    package var target: String { query.map { wirePath + "?" + $0 } ?? wirePath }

    package var url: String { upstream.origin + target }
}

/// A provider's answer, body read in full (bounded by the transport).
package struct UpstreamResponse: Sendable {
    package var status: Int
    package var headers: HTTPFields
    /// The body read in full; empty when `stream` is set.
    package var body: [UInt8]
    /// The body still to be read from the provider (passthrough answers are streamed to the client).
    package var stream: (any StreamedBody)?
    /// How long the request waited for a connection (from the pool, or a new one being opened) before it was sent.
    package var connectionWait: Duration

    package init(
        status: Int, headers: HTTPFields = [:], body: [UInt8] = [], stream: (any StreamedBody)? = nil,
        connectionWait: Duration = .zero
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.stream = stream
        self.connectionWait = connectionWait
    }

    package var isSuccess: Bool { (200...299).contains(status) }
}

/// How a request failed to produce any answer.
package enum UpstreamTransportError: Error, Sendable, Equatable {
    /// The provider did not answer within the deadline, counted from when the request was sent.
    case timeout
    /// No connection to the provider became free (or could be opened) in time: the request was never sent.
    case noConnection(waited: Duration)
    /// DNS, connect or TLS failure: the request was never sent. The reason is a fixed phrase, never a description.
    case unreachable(reason: String)
    /// The provider closed the connection without a complete answer.
    case connectionClosed
    /// The answer (with this HTTP status) had a body larger than Splice reads.
    case responseTooLarge(status: Int, limit: Int)
    /// The HTTP client refused to send the request as built (a bug in Splice, or a value that cannot go in a header).
    /// The reason is the client's bounded `shortDescription`, which never carries a value.
    case invalidRequest(reason: String)

    /// Whether the failure guarantees that no byte of the request reached the provider, so that sending it again
    /// cannot make the provider act twice. `UpstreamTransport.send` throws `.unreachable` and `.noConnection` only
    /// then; a failure once the request may have gone out is `.connectionClosed` or `.timeout`. (`open`, for
    /// passthrough, which is never retried, does not promise as much.)
    package var neverSent: Bool {
        switch self {
        case .unreachable, .noConnection: true
        case .timeout, .connectionClosed, .responseTooLarge, .invalidRequest: false
        }
    }
}

/// A body that flows through Splice without being kept. Its bytes are the server's business (the pipeline only
/// passes it along); `length` is the declared size when known.
package protocol StreamedBody: Sendable {
    var length: Int? { get }
}

/// Sends requests to providers. The server uses AsyncHTTPClient; tests may substitute their own.
package protocol UpstreamTransport: Sendable {
    /// Sends `request` and reads the whole answer, giving up `timeout` after the request was sent.
    /// A task cancelled meanwhile throws `CancellationError`.
    func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse

    /// Sends `request` and returns as soon as the answer's head arrives, its body in `stream` (passthrough).
    /// `timeout` runs from when the request was sent until the head arrives.
    func open(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse
}

extension UpstreamTransport {
    /// Transports that cannot stream (test doubles) read the whole answer.
    package func open(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse {
        try await send(request, timeout: timeout)
    }
}
