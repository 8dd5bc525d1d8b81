import Foundation
import Logging
import Testing

@testable import SpliceCore

/// The Tenovos session manager against a scripted `/auth/token`, on a clock the tests move.
@Suite struct TenovosSessionManagerTests {
    static let upstream = "https://tenant.tenovos.io"

    /// An `/auth/token` answer whose tokens expire `lifetime` seconds after `clock.now`.
    static func login(_ name: String, clock: TestClock, lifetime: TimeInterval = 3600) -> UpstreamResponse {
        let epoch = Int((clock.now.timeIntervalSince1970 + lifetime) * 1000)
        let body =
            #"{"session":{"authorization":"id-\#(name)","accessToken":"access-\#(name)","refreshToken":"refresh-\#(name)","expireEpoch":\#(epoch)}}"#
        return UpstreamResponse(status: 200, body: Array(body.utf8))
    }

    static func manager(_ transport: ScriptedTransport, clock: TestClock) throws -> TenovosSessionManager {
        let account = TenovosSessionManager.Account(
            upstream: try UpstreamURL(parsing: upstream), apiKey: "tenovos-api-key-1", username: "splice",
            password: "tenovos-password-1", clientId: nil, timeout: .seconds(5))
        return TenovosSessionManager(account: account, transport: transport, clock: clock.wallClock)
    }

    @Test func aSessionIsReusedUntilItsRefreshTime() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport([Self.login("a", clock: clock)])
        let sessions = try Self.manager(transport, clock: clock)
        #expect(try await sessions.currentSession().idToken == "id-a")
        clock.advance(by: 3000)  // 10 minutes before expiry: not yet in the 5-minute window
        #expect(try await sessions.currentSession().idToken == "id-a")
        #expect(transport.requests.count == 1)
    }

    @Test func aSessionInItsRefreshWindowIsRefreshed() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport([Self.login("a", clock: clock), Self.login("b", clock: clock)])
        let sessions = try Self.manager(transport, clock: clock)
        _ = try await sessions.currentSession()
        clock.advance(by: 3400)
        #expect(try await sessions.currentSession().idToken == "id-b")
        // The refresh used the refresh token, not the password.
        let refresh = String(decoding: transport.requests[1].body, as: UTF8.self)
        #expect(refresh.contains("refresh-a") && !refresh.contains("tenovos-password-1"))
    }

    /// A renewal ahead of expiry that fails keeps the tokens, which are good until they expire (issue 7, item 3:
    /// the session was dropped and the request failed).
    @Test func aFailedEarlyRenewalKeepsTheStillValidSession() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport([
            Self.login("a", clock: clock),
            UpstreamResponse(status: 500),  // the refresh
            UpstreamResponse(status: 500),  // the login it falls back to
        ])
        let sessions = try Self.manager(transport, clock: clock)
        _ = try await sessions.currentSession()
        clock.advance(by: 3400)
        #expect(try await sessions.currentSession().idToken == "id-a")
        #expect(transport.requests.count == 3)
        // Not tried again at once: no login storm while Tenovos is failing.
        #expect(try await sessions.currentSession().idToken == "id-a")
        #expect(transport.requests.count == 3)
    }

    @Test func anExpiredSessionIsNeverSent() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport([
            Self.login("a", clock: clock), UpstreamResponse(status: 500), UpstreamResponse(status: 500),
        ])
        let sessions = try Self.manager(transport, clock: clock)
        _ = try await sessions.currentSession()
        clock.advance(by: 3601)
        await #expect(throws: GatewayError.self) { try await sessions.currentSession() }
    }

    @Test func aRejectedSessionIsRenewedOnceAndNotReused() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport([
            Self.login("a", clock: clock), UpstreamResponse(status: 401), UpstreamResponse(status: 401),
        ])
        let sessions = try Self.manager(transport, clock: clock)
        _ = try await sessions.currentSession()
        #expect(await sessions.renewAfterRejection(ofIdToken: "id-a") == false)
        // The refused tokens are forgotten: the next request logs in again instead of sending them.
        await #expect(throws: GatewayError.self) { try await sessions.currentSession() }
        #expect(transport.requests.count == 4)
    }
}
