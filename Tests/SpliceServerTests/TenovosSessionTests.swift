import Foundation
import ProviderEmulators
import SpliceCore
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
        try await withGateway { gateway in
            gateway.emulators.tenovos.setTokenLifetime(2)
            #expect(try await gateway.post(Self.complete).status == 200)
            try await Task.sleep(for: .milliseconds(2300))
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
        try await withGateway { gateway in
            // Token times are whole seconds: a 2 s lifetime leaves at least 1 s of validity.
            gateway.emulators.tenovos.setTokenLifetime(2)
            #expect(try await gateway.post(Self.complete).status == 200)
            gateway.emulators.tenovos.revokeSessions()  // the refresh token no longer works either
            try await Task.sleep(for: .milliseconds(2300))
            let answer = try await gateway.post(Self.complete)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(gateway.emulators.tenovos.refreshCount == 0)
            #expect(gateway.emulators.tenovos.loginCount == 2)
            #expect(gateway.emulators.tenovos.authRequests.count == 3)  // login, refused refresh, login
        }
    }

    @Test func aFailedLoginIsUpstreamAuthFailedWithTenovosMessage() async throws {
        try await withGateway(routes: { emulators in
            [
                try GatewayHarness.route(
                    "tenovos", emulators.tenovos.baseURL,
                    [
                        "apiKey": emulators.credentials.tenovosAPIKey, "username": emulators.credentials.tenovosUsername,
                        "password": "wrong-password-1",
                    ])
            ]
        }) { gateway in
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
