import SpliceCore
import Testing

/// Requests that are not valid HTTP/1.1 are the client's fault: 400 `invalid_request` in the
/// contract's envelope, with an `X-Request-Id`, no error-level log line, and the connection closed.
@Suite(.timeLimit(.minutes(1))) struct UnparsableRequestTests {
    static func expectEnvelope400(_ answer: RawResponse?, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer?.status == 400, "\(answer?.bodyText ?? "no answer")", sourceLocation: sourceLocation)
        #expect(answer?.errorCode == "invalid_request", sourceLocation: sourceLocation)
        #expect(answer?.json?["error"]?["source"] == "gateway", sourceLocation: sourceLocation)
        #expect(answer?.json?["error"]?["upstream"] == .null, sourceLocation: sourceLocation)
        let requestId = answer?.header("X-Request-Id")
        #expect(requestId?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(answer?.json?["requestId"]?.stringValue == requestId, sourceLocation: sourceLocation)
        #expect(answer?.header("Content-Type")?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        #expect(answer?.header("Connection") == "close", sourceLocation: sourceLocation)
    }

    /// Broken chunked encoding in a `/complete` body: it reached the handler, which was reading the body.
    @Test func brokenChunkedBody() async throws {
        try await ServingGateway.run { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                try await connection.send(
                    "POST /complete HTTP/1.1\r\nHost: splice\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"rou\r\nzz\r\nte\":1}\r\n0\r\n\r\n")
                Self.expectEnvelope400(await connection.readResponse())
                #expect(await connection.waitUntilClosed())
            }
            #expect(gateway.errorLines.isEmpty, "\(gateway.errorLines)")
            #expect(gateway.logs.all.contains { $0.hasPrefix("info ") && $0.contains("status=400") && $0.contains("refused") })
        }
    }

    /// A request line or header HTTP/1.1 cannot parse: no part of it reached the application.
    @Test(arguments: [
        "BREW /livez HTTP/1.1\r\nHost: splice\r\n\r\n",
        "GET /livez HTTP/1.1\r\nHost: splice\r\nno colon in this header\r\n\r\n",
        "\u{1}\u{2}\u{3}\r\n\r\n",
        "GET /livez HTTP/1.1 trailing\r\nHost: splice\r\n\r\n",
    ])
    func malformedHead(_ request: String) async throws {
        try await ServingGateway.run { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                try await connection.send(request)
                Self.expectEnvelope400(await connection.readResponse())
                #expect(await connection.waitUntilClosed())
                #expect(await connection.readResponse() == nil, "one answer only")
            }
            #expect(gateway.errorLines.isEmpty, "\(gateway.errorLines)")
            #expect(gateway.logs.all.contains { $0.hasPrefix("info ") && $0.contains("code=invalid_request") })
        }
    }

    /// A valid request then garbage, in one write: the valid one is answered first, then the envelope.
    @Test func garbageAfterAValidRequestIsAnsweredInOrder() async throws {
        try await ServingGateway.run { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                try await connection.send(ClientConnectionTests.livez + "NOT HTTP AT ALL\r\n\r\n")
                let first = await connection.readResponse()
                #expect(first?.status == 200)
                #expect(first?.json?["status"] == "ok")
                Self.expectEnvelope400(await connection.readResponse())
                #expect(await connection.waitUntilClosed())
            }
        }
    }

    /// A handler that answers without reading the broken body: its answer is the only one, and the
    /// connection ends after it (no second, bare 400).
    @Test func brokenBodyNobodyReads() async throws {
        try await ServingGateway.run { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                try await connection.send(
                    "GET /livez HTTP/1.1\r\nHost: splice\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                let answer = await connection.readResponse()
                #expect(answer?.status == 200)
                #expect(answer?.header("Connection") == "close")
                #expect(await connection.waitUntilClosed())
                #expect(await connection.readResponse() == nil, "one answer only")
            }
            #expect(gateway.errorLines.isEmpty, "\(gateway.errorLines)")
        }
    }
}
