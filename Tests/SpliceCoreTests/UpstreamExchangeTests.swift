import Foundation
import HTTPTypes
import HuaweiSigner
import Logging
import Testing

@testable import SpliceCore

/// The stages of an upstream exchange, and the pipeline's handling of what they throw.
@Suite struct UpstreamExchangeTests {
    static func route(
        provider: String, credentials: [String: String], transport: ScriptedTransport, clock: TestClock = TestClock()
    ) throws -> Route {
        let configuration = RouteConfiguration(
            name: "r", provider: provider, upstream: try UpstreamURL(parsing: "https://api.example.com"),
            credentials: credentials.mapValues(SecretReference.literal), defaults: .init(projectId: "p"))
        let table = RouteTable.resolve([configuration], environment: [:], clock: clock.wallClock, transport: transport)
        return try #require(table["r"])
    }

    static func exchange(_ route: Route) throws -> UpstreamExchange {
        guard case .ready(let authenticator) = route.state else { throw CancellationError() }
        return UpstreamExchange(
            route: route, authenticator: authenticator, stages: CompletionService.stages, logger: Logger(label: "t"))
    }

    @Test func aTenovosRetryAfter401CarriesTheRenewedSession() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport([
            TenovosSessionManagerTests.login("a", clock: clock),
            UpstreamResponse(status: 401),
            TenovosSessionManagerTests.login("b", clock: clock),
            UpstreamResponse(status: 200, body: Array("{}".utf8)),
        ])
        let route = try Self.route(
            provider: "tenovos", credentials: ["apiKey": "tenovos-api-key-1", "username": "u", "password": "tenovos-password-1"],
            transport: transport, clock: clock)
        let exchange = try Self.exchange(route)
        let response = try await exchange.run(UpstreamRequest(method: .post, upstream: route.configuration.upstream, path: "/asset/complete"))
        #expect(response.status == 200)
        #expect(exchange.attempts == 2)
        let completes = transport.requests.filter { $0.path == "/asset/complete" }
        #expect(completes.map { $0.headers[.authorization] } == ["id-a", "id-b"])
    }

    @Test func everyHuaweiAttemptIsSignedOverItsQuery() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport([UpstreamResponse(status: 200)])
        let route = try Self.route(
            provider: "huawei-metastudio", credentials: ["accessKey": "HW-ACCESS-KEY-1", "secretKey": "hw-secret-key-123"],
            transport: transport, clock: clock)
        let request = UpstreamRequest(
            method: .get, upstream: route.configuration.upstream, path: "/v1/p/files", query: "offset=0&name=a%20b&limit=10",
            headers: [.contentType: "application/json"])
        _ = try await Self.exchange(route).run(request)
        let sent = try #require(transport.requests.first)
        let signer = HuaweiSigner(credentials: HuaweiCredentials(accessKey: "HW-ACCESS-KEY-1", secretKey: "hw-secret-key-123"))
        let date = try #require(sent.headers[HTTPField.Name("X-Sdk-Date")!])
        let input = HuaweiSigningInput(
            method: "GET", path: "/v1/p/files", query: [("limit", "10"), ("name", "a b"), ("offset", "0")],
            headers: [("Content-Type", "application/json"), ("Host", "api.example.com"), ("X-Sdk-Date", date)],
            payload: .bytes([]))
        #expect(sent.headers[.authorization] == signer.authorization(for: input))
        #expect(HuaweiSigner.canonicalRequest(input).contains("\nlimit=10&name=a%20b&offset=0\n"))
        #expect(sent.target == "/v1/p/files?offset=0&name=a%20b&limit=10")
    }

    struct CancellingTransport: UpstreamTransport {
        func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse { throw CancellationError() }
    }

    /// Cancellation is passed through, not reported as an internal error (issue 7, item 2).
    @Test func aCancelledRequestIsNotAnInternalError() async throws {
        let route = RouteConfiguration(
            name: "sg", provider: "spatialgen", upstream: try UpstreamURL(parsing: "https://spatialgen.com"),
            credentials: ["appKey": .literal("sg-app-key-123456")])
        let service = CompletionService(
            routes: RouteTable.resolve([route], environment: [:], transport: CancellingTransport()))
        await #expect(throws: CancellationError.self) {
            _ = try await service.complete(body: CompletionServiceTests.body, context: CompletionServiceTests.context())
        }
    }

    @Test func aRefusedRequestIsAnInternalErrorThatNamesNoValue() throws {
        let route = try Self.route(provider: "spatialgen", credentials: ["appKey": "sg-app-key-123456"], transport: ScriptedTransport([]))
        let error = try Self.exchange(route).contractError(for: UpstreamTransportError.invalidRequest(reason: "Invalid header field values"))
        #expect(error.code == .internalError && error.status == 500)
    }

    @Test func errorCodesCarryTheirUsualStatus() {
        #expect(GatewayError(.upstreamTimeout, message: "m").status == 504)
        #expect(GatewayError(.upstreamTimeout, message: "m").retryable)
        #expect(GatewayError(.routeUnavailable, message: "m").status == 503)
        #expect(GatewayError(.upstreamRejected, status: 409, message: "m").status == 409)
    }
}
