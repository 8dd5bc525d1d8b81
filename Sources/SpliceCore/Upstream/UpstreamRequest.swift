/// One HTTP request to a provider, built from a clean header set: nothing a client sent is copied in.
package struct UpstreamRequest: Sendable {
    package var method: String
    package var upstream: UpstreamURL
    /// The provider's path (already percent-encoded), starting with `/`; the route's prefix goes in front.
    package var path: String
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(
        method: String, upstream: UpstreamURL, path: String, headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.upstream = upstream
        self.path = path
        self.headers = headers
        self.body = body
    }

    /// The path exactly as it goes on the wire.
    package var wirePath: String { upstream.pathPrefix + path }

    package var url: String { upstream.origin + wirePath }

    package func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Sets a header, replacing any value it had.
    package mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append((name: name, value: value))
    }
}

/// A provider's answer, body read in full (bounded by the transport).
package struct UpstreamResponse: Sendable {
    package var status: Int
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    package func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    package var isSuccess: Bool { (200...299).contains(status) }
}

/// How a request failed to produce any answer.
package enum UpstreamTransportError: Error, Sendable, Equatable {
    /// No answer within the deadline.
    case timeout
    /// DNS, connect or TLS failure.
    case unreachable(reason: String)
    /// The provider closed the connection without a complete answer.
    case connectionClosed
    /// The answer (with this HTTP status) had a body larger than Splice reads.
    case responseTooLarge(status: Int, limit: Int)
}

/// Sends requests to providers. The server uses AsyncHTTPClient; tests may substitute their own.
package protocol UpstreamTransport: Sendable {
    /// Sends `request` and reads the whole answer, giving up after `timeout`.
    func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse
}
