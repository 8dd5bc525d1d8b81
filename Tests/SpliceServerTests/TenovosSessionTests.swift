import Foundation
import ProviderEmulators
import SpliceCore
import Synchronization
import Testing

/// Tenovos sessions: one login shared by concurrent requests, refresh ahead of expiry, one renewal after a 401.
@Suite(.timeLimit(.minutes(1))) struct TenovosSessionTests {
    static let complete = #"{"route":"tenovos","fileId":"f","uploadId":"u","parts":[{"partNumber":1,"etag":"e"}]}"#

    @Test func concurrentCompletesOnAColdRouteLogInOnce() async throws {
        try await withGateway { gateway in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await gateway.post(Self.complete).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 20))
            #expect(gateway.emulators.tenovos.loginCount == 1)
            #expect(gateway.emulators.tenovos.receivedRequests.count == 20)
        }
    }

    @Test func aRequestAfterExpirySucceedsThroughARefresh() async throws {
        let clock = OffsetClock()
        try await withGateway(clock: clock.wallClock) { gateway in
            gateway.emulators.tenovos.setTokenLifetime(600)
            #expect(try await gateway.post(Self.complete).status == 200)
            clock.advance(by: 601)
            let answer = try await gateway.post(Self.complete)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(gateway.emulators.tenovos.loginCount == 1)
            #expect(gateway.emulators.tenovos.refreshCount == 1)
            // Refreshed ahead of use: the provider never saw an expired token.
            #expect(gateway.emulators.tenovos.receivedRequests.count == 2)
        }
    }

    @Test func aRevokedSessionIsRenewedOnceTransparently() async throws {
        try await withGateway { gateway in
            #expect(try await gateway.post(Self.complete).status == 200)
            gateway.emulators.tenovos.revokeSessions()
            let answer = try await gateway.post(Self.complete)
            #expect(answer.status == 200, "\(answer.bodyText)")
            // 401, then the refresh is refused (revoked too), then a new login, then the retry.
            #expect(gateway.emulators.tenovos.receivedRequests.count == 3)
            #expect(gateway.emulators.tenovos.loginCount == 2)
            #expect(gateway.emulators.tenovos.refreshCount == 0)
        }
    }

    @Test func aSecond401IsUpstreamAuthFailedWithoutALoop() async throws {
        try await withGateway { gateway in
            gateway.emulators.tenovos.setFault(.providerError(status: 401))
            let answer = try await gateway.post(Self.complete)
            ErrorTableTests.expectError(
                answer, status: 502, code: "upstream_auth_failed", source: "provider", retryable: false, route: "tenovos",
                provider: "tenovos")
            // Exactly two attempts, whatever the provider keeps saying.
            #expect(gateway.emulators.tenovos.receivedRequests.count == 2)
            #expect(gateway.emulators.tenovos.loginCount + gateway.emulators.tenovos.refreshCount == 2)
        }
    }

    @Test func aRefusedRefreshFallsBackToLogin() async throws {
        let clock = OffsetClock()
        try await withGateway(clock: clock.wallClock) { gateway in
            gateway.emulators.tenovos.setTokenLifetime(600)
            #expect(try await gateway.post(Self.complete).status == 200)
            gateway.emulators.tenovos.revokeSessions()  // the refresh token no longer works either
            clock.advance(by: 601)
            let answer = try await gateway.post(Self.complete)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(gateway.emulators.tenovos.refreshCount == 0)
            #expect(gateway.emulators.tenovos.loginCount == 2)
            #expect(gateway.emulators.tenovos.authRequests.count == 3)  // login, refused refresh, login
        }
    }

    @Test(arguments: LogFormat.allCases)
    func aFailedLoginIsUpstreamAuthFailedWithTenovosMessage(_ format: LogFormat) async throws {
        try await withGateway(
            logFormat: format,
            routes: { emulators in
                [
                    try GatewayHarness.route(
                        "tenovos", emulators.tenovos.baseURL,
                        [
                            "apiKey": emulators.credentials.tenovosAPIKey, "username": emulators.credentials.tenovosUsername,
                            "password": "wrong-password-1",
                        ])
                ]
            }
        ) { gateway in
            let answer = try await gateway.post(Self.complete)
            ErrorTableTests.expectError(
                answer, status: 502, code: "upstream_auth_failed", source: "provider", retryable: false, route: "tenovos",
                provider: "tenovos")
            #expect(answer.error?["upstream"]?["message"] == "Invalid Authentication Parameters")
            #expect(gateway.emulators.tenovos.receivedRequests.isEmpty)
            #expect(!answer.bodyText.contains("wrong-password-1"))
            #expect(!gateway.logs.text.contains("wrong-password-1"))
        }
    }

    @Test func clientIdIsSentWhenConfigured() async throws {
        var credentials = EmulatorCredentials.demo
        credentials.tenovosClientId = "client-abc"
        try await withGateway(
            credentials: credentials,
            routes: { emulators in
                [
                    try GatewayHarness.route(
                        "tenovos", emulators.tenovos.baseURL,
                        [
                            "apiKey": credentials.tenovosAPIKey, "username": credentials.tenovosUsername,
                            "password": credentials.tenovosPassword, "clientId": "client-abc",
                        ])
                ]
            }
        ) { gateway in
            let answer = try await gateway.post(Self.complete)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(gateway.emulators.tenovos.loginCount == 1)
        }
    }
}

extension TenovosSessionTests {
    /// Ahead of expiry, a refresh Tenovos cannot answer keeps the still-valid session (issue 7, item 3).
    @Test func aFailedEarlyRefreshKeepsServingWithTheCurrentSession() async throws {
        let clock = OffsetClock()
        let outage = AuthOutage()
        try await withGateway(clock: clock.wallClock, transport: TransportOverride { outage.wrapping($0) }) { gateway in
            gateway.emulators.tenovos.setTokenLifetime(600)
            #expect(try await gateway.post(Self.complete).status == 200)
            // Within the last tenth of the lifetime, but not expired, and /auth/token cannot be reached.
            clock.advance(by: 570)
            outage.begin()
            let answer = try await gateway.post(Self.complete)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(gateway.emulators.tenovos.receivedRequests.count == 2)
            #expect(outage.refusedCount >= 1)
        }
    }
}

/// Makes Tenovos' `/auth/token` unreachable on demand, passing every other request through.
final class AuthOutage: Sendable {
    private let state = Mutex((down: false, refused: 0))

    func begin() { state.withLock { $0.down = true } }
    var refusedCount: Int { state.withLock { $0.refused } }

    func wrapping(_ inner: any UpstreamTransport) -> any UpstreamTransport { Transport(inner: inner, outage: self) }

    struct Transport: UpstreamTransport {
        let inner: any UpstreamTransport
        let outage: AuthOutage

        func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse {
            let refused = outage.state.withLock { state in
                guard state.down, request.path.hasSuffix("/auth/token") else { return false }
                state.refused += 1
                return true
            }
            if refused { throw UpstreamTransportError.unreachable(reason: "connection refused") }
            return try await inner.send(request, timeout: timeout)
        }
    }
}
