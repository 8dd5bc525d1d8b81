import Foundation
import JWTKit
import Logging
import Synchronization
import Testing

@testable import SpliceCore

/// A transport that answers from a script and records what it was sent.
final class ScriptedTransport: UpstreamTransport {
    private let script: Mutex<[UpstreamResponse]>
    private let sent = Mutex<[UpstreamRequest]>([])

    init(_ responses: [UpstreamResponse]) {
        script = Mutex(responses)
    }

    var requests: [UpstreamRequest] { sent.withLock { $0 } }

    func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse {
        sent.withLock { $0.append(request) }
        guard let next = script.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            throw UpstreamTransportError.connectionClosed
        }
        return next
    }
}

@Suite struct CompletionServiceTests {
    static func service(_ transport: ScriptedTransport, key: String = "sg-app-key-123456") throws -> CompletionService {
        let route = RouteConfiguration(
            name: "sg", provider: "spatialgen", upstream: try UpstreamURL(parsing: "https://spatialgen.com"),
            credentials: ["appKey": .literal(key)])
        return CompletionService(routes: RouteTable.resolve([route], environment: [:], transport: transport))
    }

    static let body = Array(#"{"route":"sg","sessionId":"s","uploadId":"u"}"#.utf8)

    static func context(access: ClientAccess = .allRoutes) -> CallContext {
        CallContext(requestId: "test", client: ClientIdentity(name: nil, access: access), logger: Logger(label: "t"))
    }

    @Test func aProviderEchoingTheKeyIsRedacted() async throws {
        let transport = ScriptedTransport([
            UpstreamResponse(status: 401, body: Array(#"{"error":"invalid key sg-app-key-123456"}"#.utf8))
        ])
        let outcome = try await Self.service(transport).complete(body: Self.body, context: Self.context())
        guard case .failure(let error) = outcome.result else {
            Issue.record("expected an error")
            return
        }
        #expect(error.code == .upstreamAuthFailed)
        #expect(error.upstream?.message == "invalid key [redacted]")
        #expect(!error.message.contains("sg-app-key-123456"))
    }

    @Test func aStaticKeyRejectedWith401IsNotRetried() async throws {
        let transport = ScriptedTransport([UpstreamResponse(status: 401), UpstreamResponse(status: 200)])
        let outcome = try await Self.service(transport).complete(body: Self.body, context: Self.context())
        #expect(transport.requests.count == 1)
        #expect(outcome.attempts == 1)
        if case .success = outcome.result { Issue.record("a 401 must not become a success") }
    }

    @Test func checksComeInContractOrder() async throws {
        let transport = ScriptedTransport([])
        let service = try Self.service(transport)
        func code(_ body: String, access: ClientAccess = .allRoutes) async -> String? {
            let outcome = try? await service.complete(body: Array(body.utf8), context: Self.context(access: access))
            if case .failure(let error) = outcome?.result { return error.code.rawValue }
            return nil
        }
        #expect(await code(#"{"route":"nope","bogus":1}"#) == "invalid_request")  // the body first
        #expect(await code(#"{"route":"nope"}"#) == "unknown_route")
        #expect(await code(#"{"route":"sg","action":"cancel"}"#, access: .routes(["other"])) == "forbidden")
        #expect(await code(#"{"route":"sg","action":"cancel"}"#) == "unsupported_action")
        #expect(await code(#"{"route":"sg"}"#) == "invalid_request")  // a field spatialgen needs
        #expect(transport.requests.isEmpty)
    }

    @Test func unresolvedCredentialsMakeOnlyThatRouteUnavailable() async throws {
        let transport = ScriptedTransport([UpstreamResponse(status: 200, body: Array(#"{"uploadId":"u"}"#.utf8))])
        let routes = [
            RouteConfiguration(
                name: "a", provider: "spatialgen", upstream: try UpstreamURL(parsing: "https://spatialgen.com"),
                credentials: ["appKey": .environment("SPLICE_UNSET_FOR_TEST")]),
            RouteConfiguration(
                name: "b", provider: "spatialgen", upstream: try UpstreamURL(parsing: "https://spatialgen.com"),
                credentials: ["appKey": .literal("key-abcdef")]),
        ]
        let table = RouteTable.resolve(routes, environment: [:], transport: transport)
        #expect(table["a"]?.unavailableReason == "environment variable SPLICE_UNSET_FOR_TEST is not set")
        #expect(table["b"]?.isReady == true)
        let service = CompletionService(routes: table)
        let unavailable = try await service.complete(
            body: Array(#"{"route":"a","sessionId":"s","uploadId":"u"}"#.utf8), context: Self.context())
        if case .failure(let error) = unavailable.result {
            #expect(error.code == .routeUnavailable && error.status == 503)
        } else {
            Issue.record("expected route_unavailable")
        }
        let served = try await service.complete(
            body: Array(#"{"route":"b","sessionId":"s","uploadId":"u"}"#.utf8), context: Self.context())
        if case .failure(let error) = served.result { Issue.record("\(error)") }
    }
}

@Suite struct TenovosSessionParsingTests {
    struct Claims: JWTPayload {
        var exp: ExpirationClaim
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    @Test func expiryFromExpireEpochOrTheJWT() async throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let keys = JWTKeyCollection()
        await keys.add(hmac: "a-test-signing-key-of-32-bytes-at-least", digestAlgorithm: .sha256)
        let token = try await keys.sign(Claims(exp: .init(value: now.addingTimeInterval(1800))))

        let withEpoch = try JSONValue.parse(
            #"{"session":{"authorization":"\#(token)","accessToken":"a","refreshToken":"r","expireEpoch":1700003600000}}"#)
        #expect(TenovosSession.parse(withEpoch, now: now)?.expiresAt == now.addingTimeInterval(3600))

        let withJWT = try JSONValue.parse(#"{"session":{"authorization":"\#(token)","accessToken":"a"}}"#)
        let session = try #require(TenovosSession.parse(withJWT, now: now))
        #expect(session.expiresAt == now.addingTimeInterval(1800))
        #expect(session.refreshToken == nil)
        // Refreshed 5 minutes ahead for long sessions, a tenth of the lifetime for short ones.
        #expect(session.refreshAt == now.addingTimeInterval(1800 - 180))
        let hour = try #require(TenovosSession.parse(withEpoch, now: now))
        #expect(hour.refreshAt == now.addingTimeInterval(3600 - 300))

        #expect(TenovosSession.parse(try JSONValue.parse(#"{"session":{}}"#), now: now) == nil)
    }
}
