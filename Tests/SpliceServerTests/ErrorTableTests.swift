import AsyncHTTPClient
import Foundation
import ProviderEmulators
import SpliceCore
import SpliceServer
import Testing

/// Every row of the contract's error table, case by case, over real HTTP.
@Suite(.timeLimit(.minutes(1))) struct ErrorTableTests {
    static func expectError(
        _ answer: GatewayHarness.Answer, status: Int, code: String, source: String, retryable: Bool,
        route: String? = nil, provider: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(answer.status == status, "\(answer.bodyText)", sourceLocation: sourceLocation)
        let error = answer.error
        #expect(error?["code"]?.stringValue == code, "\(answer.bodyText)", sourceLocation: sourceLocation)
        #expect(error?["source"]?.stringValue == source, sourceLocation: sourceLocation)
        #expect(error?["retryable"] == .bool(retryable), sourceLocation: sourceLocation)
        #expect(error?["message"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(error?["route"] == JSONValue(route), sourceLocation: sourceLocation)
        #expect(error?["provider"] == JSONValue(provider), sourceLocation: sourceLocation)
        #expect(
            error?.objectValue?.keys == ["code", "message", "source", "retryable", "route", "provider", "upstream"], sourceLocation: sourceLocation)
        #expect(answer.json?["requestId"]?.stringValue == answer.header("X-Request-Id"), sourceLocation: sourceLocation)
        #expect(answer.header("Content-Type")?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    }

    // MARK: Gateway side

    @Test func invalidRequests() async throws {
        try await withGateway { gateway in
            for body in ["not json", #"{"route":"spatialgen","bogus":1}"#, #"{"route":"autorender","uploadId":7}"#] {
                Self.expectError(try await gateway.post(body), status: 400, code: "invalid_request", source: "gateway", retryable: false)
            }
            let missing = try await gateway.post(#"{"route":"spatialgen","uploadId":"u"}"#)
            Self.expectError(
                missing, status: 400, code: "invalid_request", source: "gateway", retryable: false, route: "spatialgen", provider: "spatialgen")
            #expect(missing.error?["message"] == "missing field 'sessionId': spatialgen needs it")
            let wrongType = try await gateway.post(#"{"route":"autorender","uploadId":"u"}"#, headers: [("Content-Type", "text/plain")])
            Self.expectError(wrongType, status: 400, code: "invalid_request", source: "gateway", retryable: false)
            let gap = try await gateway.post(
                #"{"route":"spatialgen","sessionId":"s","uploadId":"u","parts":[{"partNumber":2,"etag":"b"}]}"#)
            Self.expectError(
                gap, status: 400, code: "invalid_request", source: "gateway", retryable: false, route: "spatialgen", provider: "spatialgen")
            // Nothing reached a provider.
            #expect(gateway.emulators.spatialgen.receivedRequests.isEmpty)
        }
    }

    @Test func payloadTooLarge() async throws {
        try await withGateway { gateway in
            let big = #"{"route":"autorender","uploadId":""# + String(repeating: "x", count: 2 * 1024 * 1024) + #""}"#
            Self.expectError(try await gateway.post(big), status: 413, code: "payload_too_large", source: "gateway", retryable: false)
        }
    }

    @Test func unknownRouteAndUnsupportedAction() async throws {
        try await withGateway { gateway in
            Self.expectError(
                try await gateway.post(#"{"route":"dropbox"}"#), status: 404, code: "unknown_route", source: "gateway",
                retryable: false)
            for (route, action) in [("autorender", "cancel"), ("gjirafa-vp", "fail"), ("spatialgen", "cancel"), ("tenovos", "fail")] {
                Self.expectError(
                    try await gateway.post(#"{"route":"\#(route)","action":"\#(action)","uploadId":"u"}"#), status: 422,
                    code: "unsupported_action", source: "gateway", retryable: false, route: route, provider: route)
            }
        }
    }

    @Test func routeUnavailableNamesTheVariableNeverAValue() async throws {
        try await withGateway(routes: { emulators in
            [
                RouteConfiguration(
                    name: "vp", provider: "gjirafa-vp", upstream: try UpstreamURL(parsing: emulators.gjirafaVP.baseURL),
                    credentials: ["apiKey": .environment("SPLICE_TEST_UNSET_VP_KEY")], defaults: .init(projectId: "p1"))
            ]
        }) { gateway in
            let answer = try await gateway.post(#"{"route":"vp","uploadId":"u","parts":[{"partNumber":1,"etag":"e"}]}"#)
            Self.expectError(answer, status: 503, code: "route_unavailable", source: "gateway", retryable: false, route: "vp", provider: "gjirafa-vp")
            #expect(answer.error?["message"]?.stringValue?.contains("SPLICE_TEST_UNSET_VP_KEY") == true)
            let readiness = try await gateway.get("/readyz")
            Self.expectError(readiness, status: 503, code: "not_ready", source: "gateway", retryable: false)
        }
    }

    @Test func clientKeys() async throws {
        let keys = ClientKeys(
            [
                ClientKeyConfiguration(name: "bay-1", key: .literal("bay-one-key-123"), routes: ["autorender"]),
                ClientKeyConfiguration(name: "ops", key: .literal("ops-key-4567890")),
            ], environment: [:], directory: ".")
        try await withGateway(clientKeys: keys) { gateway in
            let body = #"{"route":"spatialgen","sessionId":"s","uploadId":"u"}"#
            Self.expectError(try await gateway.post(body), status: 401, code: "unauthorized", source: "gateway", retryable: false)
            Self.expectError(
                try await gateway.post(body, headers: [("Content-Type", "application/json"), ("Authorization", "Bearer wrong")]),
                status: 401, code: "unauthorized", source: "gateway", retryable: false)
            Self.expectError(try await gateway.get("/routes"), status: 401, code: "unauthorized", source: "gateway", retryable: false)
            let forbidden = try await gateway.post(
                body, headers: [("Content-Type", "application/json"), ("Authorization", "Bearer bay-one-key-123")])
            Self.expectError(
                forbidden, status: 403, code: "forbidden", source: "gateway", retryable: false, route: "spatialgen", provider: "spatialgen")
            let allowed = try await gateway.post(
                body, headers: [("Content-Type", "application/json"), ("Authorization", "Bearer ops-key-4567890")])
            #expect(allowed.status == 200, "\(allowed.bodyText)")
            // Splice's own client key never reaches the provider.
            #expect(gateway.emulators.spatialgen.receivedRequests.last?.header("Authorization") == nil)
            #expect(try await gateway.get("/livez").status == 200)
        }
    }

    /// A transport that fails in a way Splice does not expect: the catch-all must answer 500, not crash.
    struct ExplodingTransport: UpstreamTransport {
        struct Boom: Error {}
        func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse { throw Boom() }
    }

    @Test func internalError() async throws {
        try await withGateway(transport: TransportOverride { _ in ExplodingTransport() }) { gateway in
            let answer = try await gateway.post(#"{"route":"autorender","uploadId":"u"}"#)
            Self.expectError(
                answer, status: 500, code: "internal_error", source: "gateway", retryable: false, route: "autorender", provider: "autorender")
        }
    }

    @Test func unknownPathsAndMethodsUseTheEnvelope() async throws {
        try await withGateway { gateway in
            Self.expectError(try await gateway.get("/nowhere"), status: 404, code: "not_found", source: "gateway", retryable: false)
            Self.expectError(try await gateway.get("/complete"), status: 405, code: "method_not_allowed", source: "gateway", retryable: false)
        }
    }

    // MARK: Provider side

    struct FaultCase: Sendable, CustomTestStringConvertible {
        var provider: EmulatedProvider
        var fault: EmulatorFault
        var status: Int
        var code: String
        var retryable: Bool
        var upstreamStatus: Int?
        var testDescription: String { "\(provider.rawValue) \(fault) → \(status) \(code)" }
    }

    static let requests: [EmulatedProvider: String] = [
        .spatialgen: #"{"route":"spatialgen","sessionId":"s","uploadId":"u","parts":[{"partNumber":1,"etag":"e"}]}"#,
        .autorender: #"{"route":"autorender","uploadId":"u"}"#,
        .gjirafaVP: #"{"route":"gjirafa-vp","uploadId":"u","parts":[{"partNumber":1,"etag":"e"}]}"#,
        .huaweiMetaStudio: #"{"route":"huawei-metastudio","fileId":"f"}"#,
        .tenovos: #"{"route":"tenovos","fileId":"f","uploadId":"u","parts":[{"partNumber":1,"etag":"e"}]}"#,
    ]

    static let faultCases: [FaultCase] = EmulatedProvider.allCases.flatMap { provider -> [FaultCase] in
        [
            FaultCase(
                provider: provider, fault: .providerError(status: 400), status: 400, code: "upstream_rejected", retryable: false, upstreamStatus: 400),
            FaultCase(
                provider: provider, fault: .providerError(status: 409), status: 409, code: "upstream_rejected", retryable: false, upstreamStatus: 409),
            FaultCase(
                provider: provider, fault: .providerError(status: 410), status: 410, code: "upstream_rejected", retryable: false, upstreamStatus: 410),
            FaultCase(
                provider: provider, fault: .providerError(status: 422), status: 422, code: "upstream_rejected", retryable: false, upstreamStatus: 422),
            FaultCase(
                provider: provider, fault: .providerError(status: 404), status: 404, code: "upstream_not_found", retryable: false, upstreamStatus: 404
            ),
            FaultCase(
                provider: provider, fault: .providerError(status: 401), status: 502, code: "upstream_auth_failed", retryable: false,
                upstreamStatus: 401),
            FaultCase(
                provider: provider, fault: .providerError(status: 403), status: 502, code: "upstream_auth_failed", retryable: false,
                upstreamStatus: 403),
            FaultCase(
                provider: provider, fault: .providerError(status: 429), status: 429, code: "upstream_rate_limited", retryable: true,
                upstreamStatus: 429),
            FaultCase(
                provider: provider, fault: .providerError(status: 500), status: 502, code: "upstream_error", retryable: true, upstreamStatus: 500),
            FaultCase(
                provider: provider, fault: .providerError(status: 503), status: 502, code: "upstream_error", retryable: true, upstreamStatus: 503),
            FaultCase(provider: provider, fault: .backendFetchFailed, status: 502, code: "upstream_error", retryable: true, upstreamStatus: nil),
            FaultCase(provider: provider, fault: .notJSON, status: 502, code: "bad_upstream_response", retryable: false, upstreamStatus: 200),
            FaultCase(provider: provider, fault: .truncatedJSON, status: 502, code: "bad_upstream_response", retryable: false, upstreamStatus: 200),
            FaultCase(provider: provider, fault: .closeConnection, status: 502, code: "upstream_error", retryable: true, upstreamStatus: nil),
            FaultCase(
                provider: provider, fault: .reportsFailureIn2xx, status: 502, code: "bad_upstream_response", retryable: false, upstreamStatus: 200),
        ]
    }

    @Test(arguments: faultCases)
    func providerFailure(_ testCase: FaultCase) async throws {
        try await withGateway { gateway in
            gateway.emulators[testCase.provider].setFault(testCase.fault)
            let answer = try await gateway.post(Self.requests[testCase.provider] ?? "")
            let name = testCase.provider.rawValue
            let source = testCase.code == "upstream_timeout" ? "gateway" : "provider"
            Self.expectError(
                answer, status: testCase.status, code: testCase.code, source: source, retryable: testCase.retryable, route: name, provider: name)
            if let upstreamStatus = testCase.upstreamStatus {
                #expect(answer.error?["upstream"]?["status"]?.intValue == upstreamStatus)
            }
            // A provider's HTML never leaks raw.
            #expect(!answer.bodyText.contains("<"), "\(answer.bodyText)")
            if case .providerError(status: 429) = testCase.fault {
                #expect(answer.header("Retry-After") == "7")
            }
            // Provider failures are reported with the upstream timing too.
            if case .closeConnection = testCase.fault {
            } else {
                #expect(answer.header("Server-Timing") != nil)
            }
        }
    }

    @Test func upstreamTimeout() async throws {
        try await withGateway(routes: { emulators in
            try GatewayHarness.standardRoutes(emulators, timeout: .milliseconds(300))
        }) { gateway in
            gateway.emulators.autorender.setFault(.delay(.seconds(6)))
            let clock = ContinuousClock()
            let started = clock.now
            let answer = try await gateway.post(Self.requests[.autorender] ?? "")
            Self.expectError(
                answer, status: 504, code: "upstream_timeout", source: "gateway", retryable: true, route: "autorender", provider: "autorender")
            // Cut by the 300 ms deadline, not by the provider's 6 s (the margin is for a loaded machine).
            #expect(started.duration(to: clock.now) < .seconds(4))
        }
    }

    @Test func upstreamUnreachable() async throws {
        // A port bound but not listening, held for the whole test: connecting is refused, and no other
        // test's server can take the port meanwhile.
        let (socket, port) = try boundPort()
        defer { close(socket) }
        try await withGateway(routes: { _ in
            [try GatewayHarness.route("autorender", "http://127.0.0.1:\(port)", ["apiKey": "k-123456"])]
        }) { gateway in
            let answer = try await gateway.post(Self.requests[.autorender] ?? "")
            Self.expectError(
                answer, status: 502, code: "upstream_unreachable", source: "gateway", retryable: true, route: "autorender", provider: "autorender")
        }
    }

    @Test func unknownUploadIsUpstreamNotFound() async throws {
        try await withGateway { gateway in
            let answer = try await gateway.post(#"{"route":"autorender","uploadId":"missing-session"}"#)
            Self.expectError(
                answer, status: 404, code: "upstream_not_found", source: "provider", retryable: false, route: "autorender", provider: "autorender")
        }
    }

    @Test func wrongCredentialsAreUpstreamAuthFailed() async throws {
        try await withGateway(routes: { emulators in
            [try GatewayHarness.route("spatialgen", emulators.spatialgen.baseURL, ["appKey": "not-the-right-key"])]
        }) { gateway in
            let answer = try await gateway.post(Self.requests[.spatialgen] ?? "")
            Self.expectError(
                answer, status: 502, code: "upstream_auth_failed", source: "provider", retryable: false, route: "spatialgen", provider: "spatialgen")
            #expect(!answer.bodyText.contains("not-the-right-key"))
        }
    }
}

/// Binds an ephemeral port without listening; returns the socket (close it when done) and the port.
func boundPort() throws -> (socket: Int32, port: Int) {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    guard bound else {
        close(socket)
        throw HarnessError.gatewayDidNotStart
    }
    return (socket, Int(UInt16(bigEndian: address.sin_port)))
}
