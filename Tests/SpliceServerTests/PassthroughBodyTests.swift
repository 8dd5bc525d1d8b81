import Foundation
import ProviderEmulators
import SpliceCore
import Testing

/// A streamed passthrough body is read by AsyncHTTPClient while it goes upstream, and by the server when it looks
/// for the connection's next request: never both at once, whenever the provider answers.
@Suite(.timeLimit(.minutes(1))) struct PassthroughBodyTests {
    /// AutoRender's emulator answers an unknown path at once, without reading the body: the provider's answer
    /// comes while the client is still sending. Splice passes it on (closing the connection, as after any early
    /// answer) and keeps serving: a second read of the body stream, pending at the same time as AsyncHTTPClient's,
    /// used to crash the process here.
    @Test func aProviderThatAnswersBeforeTheBodyEndsIsPassedOnAndSpliceKeepsServing() async throws {
        try await withGateway { gateway in
            let port = try #require(URL(string: gateway.baseURL)?.port)
            try await RawConnection.with(port: port) { connection in
                try await connection.send(
                    "POST /autorender/api/v1/not-an-endpoint HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/octet-stream\r\nContent-Length: 10\r\n\r\nabc")
                let answer = try #require(await connection.readResponse())
                #expect(answer.status == 404, "\(answer.bodyText)")
                #expect(answer.bodyText.contains("Not found"))
                #expect(answer.header("Connection") == "close")
                try? await connection.send("defghij")
                #expect(await connection.waitUntilClosed())
            }
            try await RawConnection.with(port: port) { connection in
                try await connection.send("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                #expect(try #require(await connection.readResponse()).status == 200)
            }
        }
    }

    /// The same with the whole body sent at once, many times over one connection: the provider's early answer
    /// and the server's next read race every time.
    @Test func earlyAnswersOverOneKeptAliveConnection() async throws {
        try await withGateway { gateway in
            let port = try #require(URL(string: gateway.baseURL)?.port)
            try await RawConnection.with(port: port) { connection in
                for index in 0..<20 {
                    try await connection.send(
                        "POST /autorender/api/v1/not-an-endpoint HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\nhello")
                    let answer = try #require(await connection.readResponse(), "answer \(index)")
                    #expect(answer.status == 404, "\(answer.bodyText)")
                }
                try await connection.send("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                #expect(try #require(await connection.readResponse()).status == 200)
            }
        }
    }
}
