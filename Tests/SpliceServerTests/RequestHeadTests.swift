import SpliceCore
import Testing

/// What the gateway decides from a request's head alone, before any body arrives: `100 Continue`,
/// 413 for a declared body over the limit, 417 for an unsupported expectation. Over raw sockets, with
/// the read timeout far away so that every answer here is the gateway's decision, not a timeout's.
@Suite(.timeLimit(.minutes(1))) struct RequestHeadTests {
    static func head(path: String = "/complete", _ headers: String) -> String {
        "POST \(path) HTTP/1.1\r\nHost: splice\r\nContent-Type: application/json\r\n\(headers)\r\n"
    }

    /// curl sends `Expect: 100-continue` with bodies over 1 KiB and waits for `100 Continue` before
    /// sending the body.
    @Test func expectContinueIsAnsweredBeforeTheBodyIsSent() async throws {
        try await ServingGateway.run { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                let body = #"{"route":"nowhere","uploadId":"u""# + String(repeating: " ", count: 2000) + "}"
                try await connection.send(Self.head("Content-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n"))
                let interim = await connection.readResponse()
                #expect(interim?.status == 100, "100 Continue arrives before the body is sent")
                try await connection.send(body)
                let answer = await connection.readResponse()
                #expect(answer?.status == 404)
                #expect(answer?.errorCode == "unknown_route")
                #expect(answer?.header("Connection") != "close", "the request was read in full: keep-alive")
            }
        }
    }

    /// A declared length over 2 MiB on `/complete` is refused at once, without waiting for the body.
    @Test(arguments: ["9000000000000000000", "\(2 * 1024 * 1024 + 1)"])
    func declaredLengthOverTheLimitIsRefusedAtOnce(_ length: String) async throws {
        try await ServingGateway.run { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                try await connection.send(Self.head("Content-Length: \(length)\r\nX-Request-Id: big-1\r\n"))
                let answer = await connection.readResponse()
                try await Self.expectTooLarge(answer, connection)
                #expect(answer?.header("X-Request-Id") == "big-1")
            }
            #expect(gateway.errorLines.isEmpty, "\(gateway.errorLines)")
        }
    }

    /// With `Expect: 100-continue`, a body that will be refused is not invited: 413 comes instead.
    @Test func noContinueForABodyThatWillBeRefused() async throws {
        try await ServingGateway.run { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                try await connection.send(Self.head("Content-Length: 3000000\r\nExpect: 100-continue\r\n"))
                try await Self.expectTooLarge(await connection.readResponse(), connection)
            }
        }
    }

    /// The 413 is sent while the client is still sending (it did not wait): the connection stops
    /// sending, reads on until the client is done, and the client still gets the answer.
    @Test func refusalWhileTheClientStillSends() async throws {
        try await ServingGateway.run { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                try await connection.send(Self.head("Content-Length: 3000000\r\n") + String(repeating: "x", count: 200_000))
                let answer = await connection.readResponse()
                #expect(answer?.status == 413)
                #expect(answer?.header("Connection") == "close")
                connection.close()
            }
        }
    }

    @Test func unsupportedExpectationIs417() async throws {
        try await ServingGateway.run { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                try await connection.send(Self.head("Content-Length: 2\r\nExpect: 200-ok\r\n") + "{}")
                let answer = await connection.readResponse()
                #expect(answer?.status == 417)
                #expect(answer?.errorCode == "invalid_request")
                #expect(answer?.header("X-Request-Id")?.isEmpty == false)
            }
        }
    }

    /// Only the gateway's own endpoints are limited up front: other paths (a future passthrough) are
    /// left to their handler (here: 404, and the unread body ends the connection).
    @Test func otherPathsAreNotLimitedUpFront() async throws {
        try await ServingGateway.run { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                try await connection.send(Self.head(path: "/autorender/upload", "Content-Length: 9000000000000000000\r\n"))
                let answer = await connection.readResponse()
                #expect(answer?.status == 404)
                #expect(answer?.errorCode == "not_found")
                #expect(answer?.header("Connection") == "close")
            }
        }
    }

    static func expectTooLarge(
        _ answer: RawResponse?, _ connection: RawConnection, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        #expect(answer?.status == 413, "\(answer?.bodyText ?? "no answer")", sourceLocation: sourceLocation)
        #expect(answer?.errorCode == "payload_too_large", sourceLocation: sourceLocation)
        #expect(answer?.json?["requestId"]?.stringValue == answer?.header("X-Request-Id"), sourceLocation: sourceLocation)
        #expect(answer?.header("Connection") == "close", sourceLocation: sourceLocation)
        #expect(await connection.waitUntilClosed(), "the connection ends after the refusal", sourceLocation: sourceLocation)
    }
}
