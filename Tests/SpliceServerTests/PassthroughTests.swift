import AsyncHTTPClient
import Foundation
import HuaweiSigner
import NIOHTTP1
import ProviderEmulators
import SpliceCore
import Testing

/// The providers' own APIs through Splice, over real HTTP against the emulators: the client's credentials are
/// replaced by the route's, and the provider's answer comes back as the provider gave it.
@Suite(.timeLimit(.minutes(1))) struct PassthroughTests {
    /// A native request per provider, with the client's dummy credentials, below `/{route}`.
    struct NativeCall: Sendable, CustomTestStringConvertible {
        var provider: EmulatedProvider
        var method: HTTPMethod
        var path: String
        var body: String
        var dummyHeaders: [(String, String)]
        var testDescription: String { provider.rawValue }
    }

    static let calls: [NativeCall] = [
        NativeCall(
            provider: .spatialgen, method: .POST, path: "/api/videos/uploads/s-1/files/u-1/complete",
            body: #"{"parts":[{"partNumber":1,"etag":"e1"}]}"#, dummyHeaders: [("X-SPATIALGEN-APPKEY", "dummy-client-key")]),
        NativeCall(
            provider: .autorender, method: .POST, path: "/api/v1/multipart/complete", body: #"{"session_id":"a1b2c3"}"#,
            dummyHeaders: [("x-api-key", "dummy-client-key")]),
        NativeCall(
            provider: .gjirafaVP, method: .PUT, path: "/api/projects/p1234567/uploads/multipart-complete",
            body: #"{"requestKey":"rk-1","parts":[{"partNumber":1,"eTag":"e1"}]}"#,
            dummyHeaders: [("Authorization", "Bearer dummy-client-key")]),
        NativeCall(
            provider: .huaweiMetaStudio, method: .POST,
            path: "/v1/6a6a1f8354f64dd9b9a614def7b59d83/files/24bad716-87b1-45e5-8912-6102f7693265/complete",
            body: #"{"state":"CREATED"}"#,
            dummyHeaders: [
                ("Authorization", "SDK-HMAC-SHA256 Access=DUMMYAK, SignedHeaders=host;x-sdk-date, Signature=0000"),
                ("X-Sdk-Date", "20240704T080000Z"),
            ]),
    ]

    static let contentType = ("Content-Type", "application/json")

    @Test(arguments: calls)
    func aNativeRequestReachesTheProviderWithOnlyTheRealCredentials(_ call: NativeCall) async throws {
        try await withGateway { gateway in
            let answer = try await gateway.send(
                method: call.method, path: "/\(call.provider.rawValue)\(call.path)", body: Array(call.body.utf8),
                headers: [Self.contentType] + call.dummyHeaders)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(answer.header("X-Request-Id") != nil)
            #expect(answer.header("Server-Timing")?.contains("upstream;dur=") == true)
            let received = try #require(gateway.emulators[call.provider].receivedRequests.last)
            #expect(received.body == Array(call.body.utf8), "the body is forwarded byte for byte")
            #expect(received.uri == call.path)
            for (_, value) in call.dummyHeaders {
                #expect(!received.headers.contains { $0.value.contains(value) }, "a client credential reached the provider")
            }
            try Self.expectNoSecret(in: answer, gateway: gateway)
        }
    }

    /// The same call straight to the emulator with the real credentials gives the same answer, byte for byte.
    @Test func theAnswerIsTheProvidersOwn() async throws {
        try await withGateway { gateway in
            let path = "/api/videos/uploads/s-1/files/u-1/complete"
            let body = Array(#"{"parts":[{"partNumber":1,"etag":"e1"}]}"#.utf8)
            let through = try await gateway.send(
                method: .POST, path: "/spatialgen\(path)", body: body, headers: [Self.contentType])
            let direct = try await GatewayHarness(
                emulators: gateway.emulators, baseURL: gateway.emulators.spatialgen.baseURL, logs: gateway.logs
            ).send(
                method: .POST, path: path, body: body,
                headers: [Self.contentType, ("X-SPATIALGEN-APPKEY", gateway.emulators.credentials.spatialgenAppKey)])
            #expect(through.status == direct.status)
            #expect(through.bodyText == direct.bodyText)
            #expect(through.header("Content-Type") == direct.header("Content-Type"))
        }
    }

    @Test func aProviderErrorIsPassedOnUnchanged() async throws {
        try await withGateway { gateway in
            gateway.emulators.autorender.setFault(.providerError(status: 404))
            let answer = try await gateway.send(
                method: .POST, path: "/autorender/api/v1/multipart/complete", body: Array(#"{"session_id":"x"}"#.utf8),
                headers: [Self.contentType])
            #expect(answer.status == 404)
            #expect(answer.json?["error"]?["source"] == nil, "the provider's own shape, not Splice's envelope")
        }
    }

    @Test func aQueryIsKeptByteForByte() async throws {
        try await withGateway { gateway in
            _ = try await gateway.send(
                method: .POST, path: "/spatialgen/api/videos/uploads/s/files/u/complete?x=a%20b&y=%2F&z",
                body: Array(#"{"parts":[{"partNumber":1,"etag":"e"}]}"#.utf8), headers: [Self.contentType])
            #expect(gateway.emulators.spatialgen.receivedRequests.last?.uri == "/api/videos/uploads/s/files/u/complete?x=a%20b&y=%2F&z")
        }
    }

    @Test func hopByHopHeadersAreNotForwarded() async throws {
        try await withGateway { gateway in
            _ = try await gateway.send(
                method: .POST, path: "/autorender/api/v1/multipart/complete", body: Array(#"{"session_id":"x"}"#.utf8),
                headers: [
                    Self.contentType, ("Connection", "keep-alive, X-Private"), ("X-Private", "drop me"), ("Keep-Alive", "timeout=5"),
                    ("X-Kept", "yes"),
                ])
            let received = try #require(gateway.emulators.autorender.receivedRequests.last)
            #expect(received.header("X-Private") == nil)
            #expect(received.header("Keep-Alive") == nil)
            #expect(received.header("X-Kept") == "yes")
            #expect(
                received.header("Host")
                    == URL(string: gateway.emulators.autorender.baseURL)?.host.map {
                        "\($0):\(URL(string: gateway.emulators.autorender.baseURL)?.port ?? 0)"
                    })
        }
    }

    // MARK: Refusals, in the envelope

    @Test func refusalsUseTheEnvelope() async throws {
        try await withGateway(routes: { emulators in
            [
                try GatewayHarness.route(
                    "spatialgen", emulators.spatialgen.baseURL, ["appKey": emulators.credentials.spatialgenAppKey],
                    passthrough: PassthroughConfiguration(allow: [
                        try #require(PassthroughRule(parsing: "POST /api/videos/uploads/*/files/*/complete"))
                    ])),
                try GatewayHarness.route(
                    "autorender", emulators.autorender.baseURL, ["apiKey": emulators.credentials.autorenderAPIKey],
                    passthrough: PassthroughConfiguration(enabled: false)),
            ]
        }) { gateway in
            let climbing = try await gateway.send(method: .GET, path: "/spatialgen/api/%2e%2e/secret", body: nil, headers: [])
            ErrorTableTests.expectError(
                climbing, status: 400, code: "invalid_request", source: "gateway", retryable: false, route: "spatialgen", provider: "spatialgen")
            let outside = try await gateway.send(method: .GET, path: "/spatialgen/api/videos", body: nil, headers: [])
            ErrorTableTests.expectError(
                outside, status: 403, code: "forbidden", source: "gateway", retryable: false, route: "spatialgen", provider: "spatialgen")
            #expect(climbing.header("Server-Timing")?.hasPrefix("gateway;dur=") == true)
            #expect(outside.header("Server-Timing") != nil)
            let off = try await gateway.send(method: .POST, path: "/autorender/api/v1/multipart/complete", body: nil, headers: [])
            ErrorTableTests.expectError(off, status: 404, code: "not_found", source: "gateway", retryable: false)
            #expect(gateway.emulators.spatialgen.receivedRequests.isEmpty)
            #expect(gateway.emulators.autorender.receivedRequests.isEmpty)
        }
    }

    /// A literal `..` goes on the wire as sent (no client library would send it), so a raw socket sends it.
    @Test func aLiteralClimbIsRefusedAndNeverSent() async throws {
        try await withGateway { gateway in
            let port = try #require(URL(string: gateway.baseURL)?.port)
            try await RawConnection.with(port: port) { connection in
                try await connection.send("GET /spatialgen/api/../../complete HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let answer = try #require(await connection.readResponse())
                #expect(answer.status == 400, "\(answer.bodyText)")
                #expect(answer.bodyText.contains("invalid_request"))
            }
            #expect(gateway.emulators.spatialgen.receivedRequests.isEmpty)
        }
    }

    @Test func anUnreachableUpstreamAndATimeoutUseTheEnvelope() async throws {
        try await withGateway(routes: { emulators in
            [
                try GatewayHarness.route("spatialgen", "http://127.0.0.1:1", ["appKey": "unreachable-key-1"]),
                try GatewayHarness.route(
                    "autorender", emulators.autorender.baseURL, ["apiKey": emulators.credentials.autorenderAPIKey],
                    timeout: .milliseconds(300)),
            ]
        }) { gateway in
            let unreachable = try await gateway.send(method: .POST, path: "/spatialgen/api/x", body: Array("{}".utf8), headers: [Self.contentType])
            ErrorTableTests.expectError(
                unreachable, status: 502, code: "upstream_unreachable", source: "gateway", retryable: true, route: "spatialgen",
                provider: "spatialgen")
            gateway.emulators.autorender.setFault(.delay(.seconds(3)))
            let slow = try await gateway.send(
                method: .POST, path: "/autorender/api/v1/multipart/complete", body: Array(#"{"session_id":"x"}"#.utf8),
                headers: [Self.contentType])
            ErrorTableTests.expectError(
                slow, status: 504, code: "upstream_timeout", source: "gateway", retryable: true, route: "autorender", provider: "autorender")
            #expect(slow.header("X-Request-Id") != nil)
        }
    }

    // MARK: Huawei: re-signed, on the route's own port

    static func huaweiRoute(_ emulators: RunningEmulators) throws -> RouteConfiguration {
        try GatewayHarness.route(
            "huawei-metastudio", emulators.huaweiMetaStudio.baseURL,
            ["accessKey": emulators.credentials.huaweiAccessKey, "secretKey": emulators.credentials.huaweiSecretKey],
            passthrough: PassthroughConfiguration(listen: ListenAddress(host: "127.0.0.1", port: 0)))
    }

    /// What Huawei's SDK sends: signed with its own AK/SK over `Host: 127.0.0.1:PORT`, `X-Project-Id` added.
    static func huaweiSigned(port: Int, accessKey: String, secretKey: String, body: String, date: Date = Date())
        -> (path: String, headers: [(String, String)])
    {
        let path = "/v1/6a6a1f8354f64dd9b9a614def7b59d83/files/24bad716-87b1-45e5-8912-6102f7693265/complete"
        var headers = [("Content-Type", "application/json"), ("X-Project-Id", "6a6a1f8354f64dd9b9a614def7b59d83")]
        let signer = HuaweiSigner(credentials: HuaweiCredentials(accessKey: accessKey, secretKey: secretKey))
        headers += signer.sign(
            method: "POST", host: "127.0.0.1:\(port)", path: path, headers: headers.map { (name: $0.0, value: $0.1) },
            body: Array(body.utf8), date: date
        ).map { ($0.name, $0.value) }
        return (path, headers)
    }

    @Test func aHuaweiSDKRequestOnTheRoutePortIsReSignedWithTheRealKeys() async throws {
        try await withGateway(routes: { [try Self.huaweiRoute($0)] }) { gateway in
            let port = try #require(gateway.passthroughPorts["huawei-metastudio"])
            let body = #"{"state":"CREATED"}"#
            let signed = Self.huaweiSigned(port: port, accessKey: "DUMMYAK", secretKey: "dummy-secret-key", body: body)
            let listener = GatewayHarness(emulators: gateway.emulators, baseURL: "http://127.0.0.1:\(port)", logs: gateway.logs)
            let answer = try await listener.send(method: .POST, path: signed.path, body: Array(body.utf8), headers: signed.headers)
            // The emulator verifies the route's real AK/SK signature: a 200 proves Splice re-signed.
            #expect(answer.status == 200, "\(answer.bodyText)")
            let received = try #require(gateway.emulators.huaweiMetaStudio.receivedRequests.last)
            #expect(received.header("Authorization")?.contains("Access=\(gateway.emulators.credentials.huaweiAccessKey)") == true)
            #expect(received.header("X-Project-Id") == "6a6a1f8354f64dd9b9a614def7b59d83")
            #expect(answer.header("X-Upstream-Request-Id") != nil, "MetaStudio's own request id is kept")
            try Self.expectNoSecret(in: answer, gateway: gateway)
        }
    }

    // MARK: Client identity in the provider's own slot

    static let keys = ClientKeys(
        [
            ClientKeyConfiguration(name: "bay-1", key: .literal("bay-one-client-key")),
            ClientKeyConfiguration(name: "bay-2", key: .literal("bay-two-client-key"), routes: ["spatialgen"]),
        ], environment: [:], directory: ".")

    @Test func withClientKeysTheClientProvesItselfInTheProvidersSlot() async throws {
        try await withGateway(clientKeys: Self.keys) { gateway in
            let body = Array(#"{"session_id":"a1"}"#.utf8)
            let path = "/autorender/api/v1/multipart/complete"
            let good = try await gateway.send(
                method: .POST, path: path, body: body, headers: [Self.contentType, ("x-api-key", "bay-one-client-key")])
            #expect(good.status == 200, "\(good.bodyText)")
            let bearer = try await gateway.send(
                method: .POST, path: path, body: body, headers: [Self.contentType, ("Authorization", "Bearer bay-one-client-key")])
            #expect(bearer.status == 200, "\(bearer.bodyText)")
            let wrong = try await gateway.send(method: .POST, path: path, body: body, headers: [Self.contentType, ("x-api-key", "not-a-client-key")])
            ErrorTableTests.expectError(
                wrong, status: 401, code: "unauthorized", source: "gateway", retryable: false, route: "autorender", provider: "autorender")
            let elsewhere = try await gateway.send(
                method: .POST, path: path, body: body, headers: [Self.contentType, ("x-api-key", "bay-two-client-key")])
            ErrorTableTests.expectError(
                elsewhere, status: 403, code: "forbidden", source: "gateway", retryable: false, route: "autorender", provider: "autorender")
            #expect(gateway.emulators.autorender.receivedRequests.count == 2)
        }
    }

    /// Each provider's own slot carries the client key: SpatialGen's app key header, VP's `Authorization`,
    /// Tenovos' `X-API-Key`.
    @Test(arguments: [
        (EmulatedProvider.spatialgen, "X-SPATIALGEN-APPKEY", ""),
        (EmulatedProvider.gjirafaVP, "Authorization", "Bearer "),
        (EmulatedProvider.gjirafaVP, "Authorization", ""),
        (EmulatedProvider.tenovos, "X-API-Key", ""),
    ])
    func theClientKeyGoesInTheProvidersOwnSlot(_ provider: EmulatedProvider, _ header: String, _ prefix: String) async throws {
        let tenovos = NativeCall(
            provider: .tenovos, method: .POST, path: "/asset/complete",
            body: #"{"fileId":"f","uploadId":"u","action":"complete","parts":[{"partNumber":1,"etag":"e"}]}"#,
            dummyHeaders: [])
        let call = Self.calls.first { $0.provider == provider } ?? tenovos
        try await withGateway(clientKeys: Self.keys) { gateway in
            let path = "/\(provider.rawValue)\(call.path)"
            let good = try await gateway.send(
                method: call.method, path: path, body: Array(call.body.utf8),
                headers: [Self.contentType, (header, prefix + "bay-one-client-key")])
            #expect(good.status == 200, "\(good.bodyText)")
            let wrong = try await gateway.send(
                method: call.method, path: path, body: Array(call.body.utf8), headers: [Self.contentType, (header, prefix + "wrong-client-key")])
            #expect(wrong.status == 401, "\(wrong.bodyText)")
            #expect(gateway.emulators[provider].receivedRequests.count == 1)
        }
    }

    @Test func aHuaweiClientSignsWithItsNameAndKeyAndABadSignatureIsNeverForwarded() async throws {
        try await withGateway(routes: { [try Self.huaweiRoute($0)] }, clientKeys: Self.keys) { gateway in
            let port = try #require(gateway.passthroughPorts["huawei-metastudio"])
            let listener = GatewayHarness(emulators: gateway.emulators, baseURL: "http://127.0.0.1:\(port)", logs: gateway.logs)
            let body = #"{"state":"CREATED"}"#
            let good = Self.huaweiSigned(port: port, accessKey: "bay-1", secretKey: "bay-one-client-key", body: body)
            let answer = try await listener.send(method: .POST, path: good.path, body: Array(body.utf8), headers: good.headers)
            #expect(answer.status == 200, "\(answer.bodyText)")
            let forged = Self.huaweiSigned(port: port, accessKey: "bay-1", secretKey: "a-guessed-key-123", body: body)
            let refused = try await listener.send(method: .POST, path: forged.path, body: Array(body.utf8), headers: forged.headers)
            ErrorTableTests.expectError(
                refused, status: 401, code: "unauthorized", source: "gateway", retryable: false, route: "huawei-metastudio",
                provider: "huawei-metastudio")
            let stale = Self.huaweiSigned(
                port: port, accessKey: "bay-1", secretKey: "bay-one-client-key", body: body, date: Date().addingTimeInterval(-3600))
            let late = try await listener.send(method: .POST, path: stale.path, body: Array(body.utf8), headers: stale.headers)
            #expect(late.status == 401)
            #expect(gateway.emulators.huaweiMetaStudio.receivedRequests.count == 1)
        }
    }

    // MARK: Tenovos: Splice's own /auth/token, the shared session behind it

    @Test(arguments: LogFormat.allCases)
    func aTenovosClientLogsInToSpliceAndNeverSeesARealToken(_ format: LogFormat) async throws {
        try await withGateway(logFormat: format) { gateway in
            let login = try await gateway.send(
                method: .POST, path: "/tenovos/auth/token", body: Array(#"{"username":"anyone","password":"anything"}"#.utf8),
                headers: [Self.contentType, ("X-API-Key", "dummy")])
            #expect(login.status == 200, "\(login.bodyText)")
            let idToken = try #require(login.json?["session"]?["authorization"]?.stringValue)
            let accessToken = try #require(login.json?["session"]?["accessToken"]?.stringValue)
            #expect(gateway.emulators.tenovos.authRequests.isEmpty, "the client's login never reaches Tenovos")
            let complete = #"{"fileId":"f","uploadId":"u","action":"complete","parts":[{"partNumber":1,"etag":"e"}]}"#
            let headers = [Self.contentType, ("X-API-Key", "dummy"), ("Authorization", idToken), ("AccessToken", accessToken)]
            let first = try await gateway.send(method: .POST, path: "/tenovos/asset/complete", body: Array(complete.utf8), headers: headers)
            #expect(first.status == 200, "\(first.bodyText)")
            // Tenovos revokes the shared session: its 401 is answered by one renewal and one retry.
            gateway.emulators.tenovos.revokeSessions()
            let second = try await gateway.send(method: .POST, path: "/tenovos/asset/complete", body: Array(complete.utf8), headers: headers)
            #expect(second.status == 200, "\(second.bodyText)")
            #expect(gateway.emulators.tenovos.loginCount == 2)
            for received in gateway.emulators.tenovos.receivedRequests {
                #expect(received.header("Authorization") != idToken)
            }
            let revoke = try await gateway.send(method: .DELETE, path: "/tenovos/auth/token", body: nil, headers: headers)
            #expect(revoke.status == 200)
            try Self.expectNoSecret(in: login, gateway: gateway)
            try Self.expectNoSecret(in: first, gateway: gateway)
            try Self.expectNoSecret(in: second, gateway: gateway)
        }
    }

    /// No real credential, token or signature in what the client got.
    static func expectNoSecret(in answer: GatewayHarness.Answer, gateway: GatewayHarness, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let credentials = gateway.emulators.credentials
        var secrets = [
            credentials.spatialgenAppKey, credentials.autorenderAPIKey, credentials.gjirafaAPIKey, credentials.huaweiAccessKey,
            credentials.huaweiSecretKey, credentials.tenovosAPIKey, credentials.tenovosPassword,
        ]
        for provider in EmulatedProvider.allCases {
            for received in gateway.emulators[provider].receivedRequests {
                secrets += [received.header("Authorization"), received.header("AccessToken")].compactMap { $0 }
            }
        }
        let text = answer.bodyText + answer.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
        let logs = gateway.logs.text
        for secret in secrets where !secret.isEmpty {
            #expect(!text.contains(secret), "a secret reached the client", sourceLocation: sourceLocation)
            #expect(!logs.contains(secret), "a secret reached the log", sourceLocation: sourceLocation)
        }
    }
}
