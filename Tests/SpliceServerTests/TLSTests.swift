import AsyncHTTPClient
import Foundation
import NIOHTTP1
import NIOCore
import ProviderEmulators
import SpliceCore
import SpliceServer
import Testing

/// Splice's listener over TLS, with the certificates `certs/make-dev-certs.sh` makes: HTTPS only, TLS 1.2 or later,
/// every gateway endpoint and passthrough listener behind it.
@Suite(.timeLimit(.minutes(1))) struct TLSTests {
    @Test func anUploadCompletesThroughTheTLSListener() async throws {
        let certificates = try DevCertificates.primary.get()
        try await withGateway(tls: try certificates.listener()) { gateway in
            #expect(gateway.baseURL.hasPrefix("https://127.0.0.1:"))
            try await certificates.withClient { client in
                var gateway = gateway
                gateway.client = client
                let answer = try await gateway.post(RetryTests.autorender)
                #expect(answer.status == 200, "\(answer.bodyText)")
                #expect(gateway.emulators.autorender.receivedRequests.count == 1)
                let live = try await gateway.get("/livez")
                #expect(live.status == 200)
            }
        }
    }

    @Test func plainHTTPToTheTLSPortGetsNoAnswer() async throws {
        let certificates = try DevCertificates.primary.get()
        try await withGateway(tls: try certificates.listener()) { gateway in
            let plain = "http://" + gateway.baseURL.dropFirst("https://".count) + "/livez"
            var request = HTTPClientRequest(url: plain)
            request.method = .GET
            await #expect(throws: (any Error).self) {
                _ = try await GatewayHarness.client.execute(request, timeout: .seconds(10))
            }
            // The plain request reached no handler: the emulators saw nothing, the log holds no request line.
            #expect(gateway.emulators.autorender.receivedRequests.isEmpty)
        }
    }

    @Test func aClientThatDoesNotTrustTheCAIsRefused() async throws {
        let certificates = try DevCertificates.primary.get()
        let other = try DevCertificates.other.get()
        try await withGateway(tls: try certificates.listener()) { gateway in
            try await other.withClient { client in
                var gateway = gateway
                gateway.client = client
                await #expect(throws: (any Error).self) { _ = try await gateway.get("/livez") }
            }
        }
    }

    @Test func passthroughListenersServeTLSToo() async throws {
        let certificates = try DevCertificates.primary.get()
        let routes: (RunningEmulators) throws -> [RouteConfiguration] = { emulators in
            [
                try GatewayHarness.route(
                    "autorender", emulators.autorender.baseURL, ["apiKey": emulators.credentials.autorenderAPIKey],
                    passthrough: PassthroughConfiguration(listen: ListenAddress(host: "127.0.0.1", port: 0)))
            ]
        }
        try await withGateway(routes: routes, tls: try certificates.listener()) { gateway in
            let port = try #require(gateway.passthroughPorts["autorender"])
            try await certificates.withClient { client in
                var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/api/v1/multipart/complete")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: #"{"session_id":"a1"}"#))
                let response = try await client.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 1 << 20)
                #expect(response.status.code == 200)
            }
            var plain = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/multipart/complete")
            plain.method = .POST
            await #expect(throws: (any Error).self) { _ = try await GatewayHarness.client.execute(plain, timeout: .seconds(10)) }
        }
    }
}
