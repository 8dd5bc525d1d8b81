import Foundation
import NIOHTTP1
import ProviderEmulators
import SpliceCore
import SpliceServer
import Testing

/// A route's `tls.ca`: an upstream whose certificate comes from a private CA (a studio's TLS-inspecting proxy) is
/// trusted with it, and refused without it, with a 502 that says the TLS handshake failed.
@Suite(.timeLimit(.minutes(1))) struct UpstreamTrustTests {
    /// The AutoRender route to the HTTPS emulator, trusting `ca` when given.
    static func routes(ca: String?) -> (RunningEmulators) throws -> [RouteConfiguration] {
        { emulators in
            var route = try GatewayHarness.route(
                "autorender", emulators.autorender.baseURL, ["apiKey": emulators.credentials.autorenderAPIKey])
            route.tls = ca.map { UpstreamTLSConfiguration(ca: ConfiguredFile(path: $0, file: "(test)", line: 1)) }
            return [route]
        }
    }

    @Test func anUpstreamFromAPrivateCAIsRefusedWithoutTheRoutesCA() async throws {
        let proxy = try DevCertificates.other.get()
        try await withGateway(routes: Self.routes(ca: nil), emulatorTLS: try proxy.serverConfiguration()) { gateway in
            #expect(gateway.emulators.autorender.baseURL.hasPrefix("https://"))
            let answer = try await gateway.post(RetryTests.autorender)
            ErrorTableTests.expectError(
                answer, status: 502, code: "upstream_unreachable", source: "gateway", retryable: true, route: "autorender",
                provider: "autorender")
            let message = answer.error?["message"]?.stringValue ?? ""
            #expect(message.contains("TLS handshake with the provider failed"), "\(message)")
            #expect(message.contains("certificate not trusted"), "\(message)")
            #expect(!message.contains(gateway.emulators.credentials.autorenderAPIKey))
            #expect(gateway.emulators.autorender.receivedRequests.isEmpty)
        }
    }

    @Test func theRoutesCAMakesItTrusted() async throws {
        let proxy = try DevCertificates.other.get()
        try await withGateway(routes: Self.routes(ca: proxy.path("ca.pem")), emulatorTLS: try proxy.serverConfiguration()) {
            gateway in
            let answer = try await gateway.post(RetryTests.autorender)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(gateway.emulators.autorender.receivedRequests.count == 1)
            // Passthrough uses the same client.
            let forwarded = try await gateway.send(
                method: .POST, path: "/autorender/api/v1/multipart/complete", body: Array(#"{"session_id":"a1"}"#.utf8),
                headers: [("Content-Type", "application/json")])
            #expect(forwarded.status == 200, "\(forwarded.bodyText)")
        }
    }

    @Test func anotherCAIsNoSubstitute() async throws {
        let proxy = try DevCertificates.other.get()
        let unrelated = try DevCertificates.primary.get()
        try await withGateway(
            routes: Self.routes(ca: unrelated.path("ca.pem")), emulatorTLS: try proxy.serverConfiguration()
        ) { gateway in
            let answer = try await gateway.post(RetryTests.autorender)
            #expect(answer.status == 502, "\(answer.bodyText)")
            #expect(answer.errorCode == "upstream_unreachable")
        }
    }
}
