import AsyncHTTPClient
import Foundation
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
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: maximumResponseBytes)
            } catch is NIOTooManyBytesError {
                throw UpstreamTransportError.responseTooLarge(status: Int(response.status.code), limit: maximumResponseBytes)
            }
            return UpstreamResponse(
                status: Int(response.status.code),
                headers: response.headers.map { (name: $0.name, value: $0.value) },
                body: Array(body.readableBytesView))
        } catch let error as HTTPClientError {
            throw Self.map(error)
        } catch let error as UpstreamTransportError {
            throw error
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

    /// Errors from NIO itself: a connection that broke after it was made is "closed without answering";
    /// anything else (refused, DNS, TLS — NIOPosix and NIOSSL errors) means the provider was not reached.
    static func map(other error: any Error) -> UpstreamTransportError {
        if error is ChannelError || error is HTTPParserError {
            return .connectionClosed
        }
        if let ioError = error as? IOError, [ECONNRESET, EPIPE].contains(ioError.errnoCode) {
            return .connectionClosed
        }
        let description = String(describing: error)
        if description.contains("Connection refused") {
            return .unreachable(reason: "connection refused")
        }
        // The type's name, never the description: descriptions can carry URLs and headers.
        return .unreachable(reason: String(describing: type(of: error)))
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
