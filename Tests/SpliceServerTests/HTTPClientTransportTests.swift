import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import SpliceCore
import Testing

@testable import SpliceServer

/// AsyncHTTPClient's errors as Splice reports them: never with an associated value (issue 7, items 2 and 7).
@Suite struct HTTPClientTransportTests {
    @Test func aHeaderValueTheClientRefusesIsAnInvalidRequestWithoutTheValue() {
        let error = HTTPClientTransport.map(.invalidHeaderFieldValues(["secret-value\r\n"]), sent: false)
        #expect(error == .invalidRequest(reason: "Invalid header field values"))
        #expect(!error.logDescription.contains("secret-value"))
    }

    @Test func otherFailuresBeforeSendingAreUnreachableWithTheShortDescription() {
        #expect(HTTPClientTransport.map(.connectTimeout, sent: false) == .unreachable(reason: "connecting timed out"))
        #expect(HTTPClientTransport.map(.invalidURL, sent: false) == .invalidRequest(reason: "Invalid URL"))
        #expect(HTTPClientTransport.map(.remoteConnectionClosed, sent: true) == .connectionClosed)
    }

    /// Only a failure before the request head was written is "unreachable", the one a retry may always follow:
    /// the same error once the head is out may mean the provider has the request.
    @Test func nothingSentIsTheOnlyUnreachable() {
        let refused = IOError(errnoCode: ECONNREFUSED, reason: "connect")
        #expect(HTTPClientTransport.map(other: refused, sent: false) == .unreachable(reason: "connection refused"))
        #expect(HTTPClientTransport.map(other: refused, sent: true) == .connectionClosed)
        #expect(HTTPClientTransport.map(other: IOError(errnoCode: ETIMEDOUT, reason: "read"), sent: true) == .connectionClosed)
        #expect(HTTPClientTransport.map(.connectTimeout, sent: false).neverSent)
        #expect(!HTTPClientTransport.map(.remoteConnectionClosed, sent: false).neverSent)
        #expect(!HTTPClientTransport.map(.deadlineExceeded, sent: true).neverSent)
    }

    /// A pool a reload closed (a request that began on the old configuration and outlasted its budget): nothing was
    /// sent, so the request is 502 `upstream_unreachable` and may be retried — not a 500.
    @Test func aClosedPoolIsUnreachableNotAnInternalError() async throws {
        let client = HTTPClientTransport.makeClient(logger: Logger(label: "test"))
        try await client.shutdown()
        let transport = HTTPClientTransport(client: client)
        let request = UpstreamRequest(method: .post, upstream: try UpstreamURL(parsing: "http://127.0.0.1:9"), path: "/x")
        await #expect(throws: UpstreamTransportError.unreachable(reason: "the route's connection pool was closed by a reload")) {
            _ = try await transport.send(request, timeout: .seconds(1))
        }
    }
}
