import ProviderEmulators
import SpliceCore
import Testing

/// Graceful shutdown as clients see it, over raw sockets: keep-alive clients are told to close, and a
/// request still waiting on its provider at the drain limit gets an answer, not a cut connection.
@Suite(.timeLimit(.minutes(1))) struct GracefulShutdownTests {
    static func complete(_ body: String, requestId: String? = nil) -> String {
        let id = requestId.map { "X-Request-Id: \($0)\r\n" } ?? ""
        return "POST /complete HTTP/1.1\r\nHost: splice\r\nContent-Type: application/json\r\n\(id)"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    static func route(_ provider: String, _ upstream: String, credentials: [String: String]) throws -> RouteConfiguration {
        RouteConfiguration(
            name: provider, provider: provider, upstream: try UpstreamURL(parsing: upstream),
            credentials: credentials.mapValues(SecretReference.literal), defaults: .init(), timeout: .seconds(20),
            file: "(test)")
    }

    /// A keep-alive request in flight when the drain begins is answered normally, with
    /// `Connection: close`, and the connection then ends: the client does not send its next request
    /// into a closing connection.
    @Test func keepAliveClientIsToldToClose() async throws {
        try await withProviderEmulators { emulators in
            emulators.autorender.setFault(.delay(.milliseconds(1500)))
            let routes = [
                try Self.route(
                    "autorender", emulators.autorender.baseURL, credentials: ["apiKey": emulators.credentials.autorenderAPIKey])
            ]
            try await ServingGateway.run(routes: routes, shutdownGrace: .seconds(10)) { gateway in
                try await RawConnection.with(port: gateway.port) { connection in
                    try await connection.send(ClientConnectionTests.livez)
                    let before = await connection.readResponse()
                    #expect(before?.status == 200)
                    #expect(before?.header("Connection") != "close", "keep-alive before the shutdown")

                    try await connection.send(Self.complete(#"{"route":"autorender","uploadId":"u"}"#))
                    #expect(await eventually { emulators.autorender.receivedRequests.count == 1 })
                    await gateway.beginShutdown()
                    let answer = await connection.readResponse()
                    #expect(answer?.status == 200, "\(answer?.bodyText ?? "no answer")")
                    #expect(answer?.header("Connection") == "close")
                    #expect(await connection.waitUntilClosed())
                }
                #expect(await gateway.waitUntilStopped())
                #expect(gateway.errorLines.isEmpty, "\(gateway.errorLines)")
            }
        }
    }

    /// At the drain limit, a request still waiting on a provider that never answers is answered 503
    /// `shutting_down` in the envelope, with its request id, and the server then stops.
    @Test func requestHeldByProviderIsAnsweredAtTheDrainLimit() async throws {
        let upstream = try await SilentUpstream.start()
        do {
            let routes = [try Self.route("autorender", upstream.baseURL, credentials: ["apiKey": "autorender-test-key"])]
            try await ServingGateway.run(routes: routes, shutdownGrace: .seconds(1)) { gateway in
                try await RawConnection.with(port: gateway.port) { connection in
                    try await connection.send(
                        Self.complete(#"{"route":"autorender","uploadId":"u"}"#, requestId: "held-request-1"))
                    #expect(await eventually { upstream.connectionsWithData == 1 })
                    await gateway.beginShutdown()
                    let answer = try #require(await connection.readResponse(), "an answer, not a cut connection")
                    #expect(answer.status == 503)
                    #expect(answer.errorCode == "shutting_down")
                    #expect(answer.json?["error"]?["source"] == "gateway")
                    #expect(answer.json?["error"]?["retryable"] == .bool(true))
                    #expect(answer.json?["requestId"] == "held-request-1")
                    #expect(answer.header("X-Request-Id") == "held-request-1")
                    #expect(answer.header("Connection") == "close")
                    #expect(await connection.waitUntilClosed())
                }
                #expect(await gateway.waitUntilStopped(), "the server stops after answering")
                #expect(gateway.logs.all.contains { $0.hasPrefix("warning ") && $0.contains("shutdown grace period ended") })
                // The cancelled handler's upstream call is passed through as a cancellation, not logged as an error.
                #expect(gateway.errorLines.isEmpty, "\(gateway.errorLines)")
                #expect(!gateway.logs.all.contains { $0.contains("status=500") }, "\(gateway.logs.all)")
            }
        } catch {
            await upstream.stop()
            throw error
        }
        await upstream.stop()
    }
}
