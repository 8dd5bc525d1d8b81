import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SpliceCore

/// Sends upstream requests with one pooled `HTTPClient` shared by all routes and requests.
package struct HTTPClientTransport: UpstreamTransport {
    let client: HTTPClient
    /// Provider answers larger than this are not read (their bodies are small JSON documents).
    let maximumResponseBytes: Int

    package init(client: HTTPClient, maximumResponseBytes: Int = 4 * 1024 * 1024) {
        self.client = client
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// The client Splice uses: no redirects (credentials must not follow them elsewhere), no decompression.
    package static func makeClient(logger: Logger) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            decompression: .disabled)
        configuration.connectionPool.idleTimeout = .seconds(60)
        // A refused connection fails the request at once (502 upstream_unreachable) instead of being
        // retried until the deadline: the client decides whether to try again.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration, backgroundActivityLogger: logger)
    }

    package func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse {
        var clientRequest = HTTPClientRequest(url: request.url)
        clientRequest.method = HTTPMethod(rawValue: request.method)
        // The Host that goes on the wire is set here, explicitly, because Huawei's signature covers it.
        clientRequest.headers.add(name: "Host", value: request.upstream.hostHeader)
        for header in request.headers {
            clientRequest.headers.add(name: header.name, value: header.value)
        }
        clientRequest.body = .bytes(ByteBuffer(bytes: request.body))

        let deadline = NIODeadline.now() + TimeAmount.nanoseconds(Int64(timeout.milliseconds * 1_000_000))
        do {
            let response = try await client.execute(clientRequest, deadline: deadline)
            let body = try await response.body.collect(upTo: maximumResponseBytes)
            return UpstreamResponse(
                status: Int(response.status.code),
                headers: response.headers.map { (name: $0.name, value: $0.value) },
                body: Array(body.readableBytesView))
        } catch let error as HTTPClientError {
            throw Self.map(error)
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw UpstreamTransportError.responseTooLarge(limit: maximumResponseBytes)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Self.map(other: error)
        }
    }

    static func map(_ error: HTTPClientError) -> UpstreamTransportError {
        switch error {
        case .deadlineExceeded, .readTimeout, .writeTimeout:
            return .timeout
        case .remoteConnectionClosed, .cancelled, .bodyLengthMismatch, .uncleanShutdown:
            return .connectionClosed
        case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout:
            return .unreachable(reason: "connecting timed out")
        default:
            return .unreachable(reason: "\(error)")
        }
    }

    /// Connect, DNS and TLS failures surface as NIO and NIOSSL errors; a connection reset as an I/O error.
    static func map(other error: any Error) -> UpstreamTransportError {
        let description = String(describing: error)
        let typeName = String(describing: type(of: error))
        if typeName.contains("HTTPParserError") || description.contains("Connection reset") || typeName == "ChannelError" {
            return .connectionClosed
        }
        if description.contains("Connection refused") {
            return .unreachable(reason: "connection refused")
        }
        if typeName.contains("SSL") || typeName.contains("TLS") {
            return .unreachable(reason: "TLS handshake failed")
        }
        if typeName.contains("Resolution") || description.contains("resolve") || typeName.contains("DNS") {
            return .unreachable(reason: "the host name does not resolve")
        }
        return .unreachable(reason: typeName)
    }
}

/// Shuts the shared `HTTPClient` down once the server has stopped accepting and drained.
package struct HTTPClientService: Service {
    let client: HTTPClient

    package init(client: HTTPClient) {
        self.client = client
    }

    package func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
