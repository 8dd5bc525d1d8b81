import Foundation
import ProviderEmulators
import SpliceCore
import SpliceState
import Testing

/// `Idempotency-Key` on `POST /complete` over real HTTP, each test with its own SQLite store.
@Suite(.timeLimit(.minutes(1))) struct IdempotencyTests {
    static let autorender = RetryTests.autorender
    static let spatialgen = CompleteEndToEndTests.spatialgenBody
    static let contentType = ("Content-Type", "application/json")

    static func keyed(_ key: String, _ more: [(String, String)] = []) -> [(String, String)] {
        [contentType, ("Idempotency-Key", key)] + more
    }

    /// `replay` is `first` given again: same status, the same bytes, the first's `X-Request-Id`, marked replayed.
    static func expectReplay(
        _ replay: GatewayHarness.Answer, of first: GatewayHarness.Answer, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(replay.status == first.status, "\(replay.bodyText)", sourceLocation: sourceLocation)
        #expect(Array(replay.bodyText.utf8) == Array(first.bodyText.utf8), sourceLocation: sourceLocation)
        #expect(first.header("X-Request-Id") != nil, sourceLocation: sourceLocation)
        #expect(replay.header("X-Request-Id") == first.header("X-Request-Id"), sourceLocation: sourceLocation)
        #expect(replay.header("Idempotent-Replayed") == "true", sourceLocation: sourceLocation)
        #expect(first.header("Idempotent-Replayed") == nil, sourceLocation: sourceLocation)
        #expect(replay.header("Content-Type") == first.header("Content-Type"), sourceLocation: sourceLocation)
    }

    /// An answer that ran the pipeline again rather than replaying.
    static func expectFresh(_ answer: GatewayHarness.Answer, status: Int = 200, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.status == status, "\(answer.bodyText)", sourceLocation: sourceLocation)
        #expect(answer.header("Idempotent-Replayed") == nil, sourceLocation: sourceLocation)
    }

    /// Waits (at most 10 s) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    // MARK: Stored answers

    @Test func aSuccessIsReplayedWithoutCallingTheProvider() async throws {
        try await withStatefulGateway { gateway, _ in
            let first = try await gateway.post(Self.spatialgen, headers: Self.keyed("success-1"))
            Self.expectFresh(first)
            #expect(first.json?["status"] == "completed")
            let second = try await gateway.post(Self.spatialgen, headers: Self.keyed("success-1", [("X-Request-Id", "retry-of-success-1")]))
            Self.expectReplay(second, of: first)
            #expect(gateway.emulators.spatialgen.receivedRequests.count == 1)
        }
    }

    struct StoredCase: Sendable, CustomTestStringConvertible {
        var fault: EmulatorFault
        var status: Int
        var code: String
        var testDescription: String { "\(fault) → \(status) \(code)" }
    }

    static let storedCases: [StoredCase] = [
        StoredCase(fault: .providerError(status: 400), status: 400, code: "upstream_rejected"),
        StoredCase(fault: .providerError(status: 409), status: 409, code: "upstream_rejected"),
        StoredCase(fault: .providerError(status: 422), status: 422, code: "upstream_rejected"),
        StoredCase(fault: .providerError(status: 404), status: 404, code: "upstream_not_found"),
        StoredCase(fault: .providerError(status: 401), status: 502, code: "upstream_auth_failed"),
        StoredCase(fault: .reportsFailureIn2xx, status: 502, code: "bad_upstream_response"),
        StoredCase(fault: .notJSON, status: 502, code: "bad_upstream_response"),
    ]

    /// The provider's definitive refusals are final: replayed, never sent twice (even though the provider would now
    /// answer otherwise).
    @Test(arguments: storedCases)
    func aDefinitiveRefusalIsReplayed(_ testCase: StoredCase) async throws {
        try await withStatefulGateway { gateway, _ in
            gateway.emulators.autorender.setFault(.first(1, testCase.fault))
            let first = try await gateway.post(Self.autorender, headers: Self.keyed("refused-1"))
            ErrorTableTests.expectError(
                first, status: testCase.status, code: testCase.code, source: "provider", retryable: false, route: "autorender",
                provider: "autorender")
            let second = try await gateway.post(Self.autorender, headers: Self.keyed("refused-1"))
            Self.expectReplay(second, of: first)
            #expect(gateway.emulators.autorender.receivedRequests.count == 1)
        }
    }

    // MARK: Outcomes not stored

    struct RetryableCase: Sendable, CustomTestStringConvertible {
        var fault: EmulatorFault
        var status: Int
        var code: String
        var testDescription: String { "\(fault) → \(status) \(code)" }
    }

    static let retryableCases: [RetryableCase] = [
        RetryableCase(fault: .providerError(status: 500), status: 502, code: "upstream_error"),
        RetryableCase(fault: .providerError(status: 503), status: 502, code: "upstream_error"),
        RetryableCase(fault: .closeConnection, status: 502, code: "upstream_error"),
        // The emulator's 429 asks for 7 s, more than the 5 s Splice waits itself: the 429 is the answer.
        RetryableCase(fault: .providerError(status: 429), status: 429, code: "upstream_rate_limited"),
        RetryableCase(fault: .delay(.seconds(3)), status: 504, code: "upstream_timeout"),
    ]

    /// A retryable outcome leaves the key free: the retry with it runs again, and succeeds once the provider does.
    @Test(arguments: retryableCases)
    func aRetryableOutcomeIsNotStored(_ testCase: RetryableCase) async throws {
        try await withStatefulGateway(routes: { emulators in
            try RetryTests.routes(emulators, changing: "autorender", retries: .init(attempts: 1), timeout: .milliseconds(500))
        }) { gateway, _ in
            gateway.emulators.autorender.setFault(.first(1, testCase.fault))
            let first = try await gateway.post(Self.autorender, headers: Self.keyed("retryable-1"))
            #expect(first.status == testCase.status, "\(first.bodyText)")
            #expect(first.errorCode == testCase.code, "\(first.bodyText)")
            #expect(first.error?["retryable"] == .bool(true))
            let second = try await gateway.post(Self.autorender, headers: Self.keyed("retryable-1"))
            Self.expectFresh(second)
            #expect(second.header("X-Request-Id") != first.header("X-Request-Id"))
            #expect(gateway.emulators.autorender.receivedRequests.count == 2)
            // The success, once there, is final.
            Self.expectReplay(try await gateway.post(Self.autorender, headers: Self.keyed("retryable-1")), of: second)
            #expect(gateway.emulators.autorender.receivedRequests.count == 2)
        }
    }

    @Test func anUnreachableProviderIsNotStored() async throws {
        // Both attempts of the first request go to a port that refuses connections; then the provider is back.
        let (socket, port) = try boundPort()
        defer { close(socket) }
        let refusal = FirstAttemptsElsewhere(count: 2, upstream: try UpstreamURL(parsing: "http://127.0.0.1:\(port)"))
        try await withStatefulGateway(transport: TransportOverride(make: refusal.wrapping)) { gateway, _ in
            let first = try await gateway.post(Self.autorender, headers: Self.keyed("unreachable-1"))
            #expect(first.status == 502, "\(first.bodyText)")
            #expect(first.errorCode == "upstream_unreachable")
            #expect(refusal.redirected == 2)
            let second = try await gateway.post(Self.autorender, headers: Self.keyed("unreachable-1"))
            Self.expectFresh(second)
            #expect(gateway.emulators.autorender.receivedRequests.count == 1)
        }
    }

    /// A request the gateway refuses itself never consumes the key: the corrected request with it runs.
    @Test func gatewayRefusalsDoNotConsumeTheKey() async throws {
        let cases: [(key: String, bad: String, headers: [(String, String)], code: String, corrected: String)] = [
            ("v-1", "not json", [], "invalid_request", Self.autorender),
            ("v-2", #"{"route":"autorende","uploadId":"a1b2c3d4"}"#, [], "unknown_route", Self.autorender),
            ("v-3", #"{"route":"autorender","action":"cancel","uploadId":"a1b2c3d4"}"#, [], "unsupported_action", Self.autorender),
            ("v-4", #"{"route":"spatialgen","uploadId":"402f0bda"}"#, [], "invalid_request", Self.spatialgen),
            ("v-5", #"{"route":"autorender","uploadId":"a1b2c3d4","bogus":1}"#, [], "invalid_request", Self.autorender),
            ("v-6", Self.autorender, [("Content-Type", "text/plain")], "invalid_request", Self.autorender),
        ]
        try await withStatefulGateway { gateway, _ in
            for testCase in cases {
                let headers = testCase.headers.isEmpty ? Self.keyed(testCase.key) : testCase.headers + [("Idempotency-Key", testCase.key)]
                let refused = try await gateway.post(testCase.bad, headers: headers)
                #expect(refused.errorCode == testCase.code, "\(testCase.key): \(refused.bodyText)")
                #expect(refused.header("Idempotent-Replayed") == nil)
                let corrected = try await gateway.post(testCase.corrected, headers: Self.keyed(testCase.key))
                Self.expectFresh(corrected)
            }
            #expect(gateway.emulators.autorender.receivedRequests.count == 5)
            #expect(gateway.emulators.spatialgen.receivedRequests.count == 1)
        }
    }

    // MARK: Fingerprints

    @Test func aKeyReusedWithAnotherRequestIsRefused() async throws {
        try await withStatefulGateway { gateway, _ in
            let first = try await gateway.post(Self.autorender, headers: Self.keyed("reuse-1"))
            Self.expectFresh(first)
            let other = try await gateway.post(#"{"route":"autorender","uploadId":"e5f6a7b8"}"#, headers: Self.keyed("reuse-1"))
            ErrorTableTests.expectError(
                other, status: 422, code: "idempotency_key_reused", source: "gateway", retryable: false, route: "autorender",
                provider: "autorender")
            // Another action on the same upload is another request too.
            let failing = try await gateway.post(
                #"{"route":"autorender","uploadId":"a1b2c3d4","action":"complete","options":{}}"#, headers: Self.keyed("reuse-1"))
            Self.expectReplay(failing, of: first)
            // The same request, written with other spacing, key order and an explicit default action: the same one.
            let respelled = try await gateway.post(
                "{ \"uploadId\" : \"a1b2c3d4\",\n  \"action\":\"complete\", \"route\": \"autorender\" }", headers: Self.keyed("reuse-1"))
            Self.expectReplay(respelled, of: first)
            #expect(gateway.emulators.autorender.receivedRequests.count == 1)
        }
    }

    // MARK: In flight

    @Test func aKeyInFlightIsRefusedWithRetryAfter() async throws {
        try await withStatefulGateway { gateway, _ in
            gateway.emulators.autorender.setFault(.first(1, .delay(.seconds(2))))
            let firstTask = Task { try await gateway.post(Self.autorender, headers: Self.keyed("slow-1")) }
            #expect(await Self.eventually { gateway.emulators.autorender.receivedRequests.count == 1 })
            let during = try await gateway.post(Self.autorender, headers: Self.keyed("slow-1"))
            ErrorTableTests.expectError(
                during, status: 409, code: "idempotency_key_in_use", source: "gateway", retryable: true, route: "autorender",
                provider: "autorender")
            #expect(during.header("Retry-After") == "1")
            let first = try await firstTask.value
            Self.expectFresh(first)
            Self.expectReplay(try await gateway.post(Self.autorender, headers: Self.keyed("slow-1")), of: first)
            #expect(gateway.emulators.autorender.receivedRequests.count == 1)
        }
    }

    @Test func concurrentDuplicatesReachTheProviderOnce() async throws {
        try await withStatefulGateway { gateway, _ in
            gateway.emulators.autorender.setFault(.first(1, .delay(.seconds(1))))
            let answers = try await withThrowingTaskGroup(of: GatewayHarness.Answer.self) { group in
                for _ in 0..<24 {
                    group.addTask { try await gateway.post(Self.autorender, headers: Self.keyed("race-1")) }
                }
                var answers: [GatewayHarness.Answer] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
            #expect(gateway.emulators.autorender.receivedRequests.count == 1)
            let successes = answers.filter { $0.status == 200 }
            let original = try #require(successes.first { $0.header("Idempotent-Replayed") == nil })
            #expect(successes.filter { $0.header("Idempotent-Replayed") == nil }.count == 1)
            for answer in answers {
                if answer.status == 200 {
                    #expect(answer.bodyText == original.bodyText)
                } else {
                    #expect(answer.status == 409, "\(answer.bodyText)")
                    #expect(answer.errorCode == "idempotency_key_in_use")
                }
            }
            #expect(answers.filter { $0.status == 409 }.count >= 1)
            Self.expectReplay(try await gateway.post(Self.autorender, headers: Self.keyed("race-1")), of: original)
            #expect(gateway.emulators.autorender.receivedRequests.count == 1)
        }
    }

    // MARK: Scope and lifetime

    @Test func aKeyIsScopedToTheClientAndTheRoute() async throws {
        let keys = ClientKeys(
            [
                ClientKeyConfiguration(name: "bay-1", key: .literal("bay-one-key-123")),
                ClientKeyConfiguration(name: "bay-2", key: .literal("bay-two-key-456")),
            ], environment: [:], directory: ".")
        try await withStatefulGateway(clientKeys: keys) { gateway, _ in
            let one = try await gateway.post(Self.autorender, headers: Self.keyed("shared-1", [("Authorization", "Bearer bay-one-key-123")]))
            let two = try await gateway.post(Self.autorender, headers: Self.keyed("shared-1", [("Authorization", "Bearer bay-two-key-456")]))
            Self.expectFresh(one)
            Self.expectFresh(two)
            #expect(gateway.emulators.autorender.receivedRequests.count == 2)
            // Each client's retry replays its own first answer.
            Self.expectReplay(
                try await gateway.post(Self.autorender, headers: Self.keyed("shared-1", [("Authorization", "Bearer bay-two-key-456")])), of: two)
            // The same key on another route is another request.
            let otherRoute = try await gateway.post(Self.spatialgen, headers: Self.keyed("shared-1", [("Authorization", "Bearer bay-one-key-123")]))
            Self.expectFresh(otherRoute)
            #expect(gateway.emulators.spatialgen.receivedRequests.count == 1)
            #expect(gateway.emulators.autorender.receivedRequests.count == 2)
        }
    }

    @Test func anExpiredKeyRunsAgain() async throws {
        try await withStatefulGateway(idempotencyTTL: .seconds(1)) { gateway, store in
            let first = try await gateway.post(Self.autorender, headers: Self.keyed("ttl-1"))
            Self.expectFresh(first)
            try await Task.sleep(for: .milliseconds(1200))
            #expect(try await store.removeExpired(now: Date()) == 1)
            let again = try await gateway.post(Self.autorender, headers: Self.keyed("ttl-1"))
            Self.expectFresh(again)
            #expect(again.header("X-Request-Id") != first.header("X-Request-Id"))
            #expect(gateway.emulators.autorender.receivedRequests.count == 2)
        }
    }

    // MARK: The header itself

    @Test func malformedKeysAreRefusedAndNothingIsSent() async throws {
        try await withStatefulGateway { gateway, _ in
            for key in ["", String(repeating: "k", count: 256), "two words", #""unclosed"#, #""bad\escape""#, #""a"b"#] {
                let answer = try await gateway.post(Self.spatialgen, headers: Self.keyed(key))
                ErrorTableTests.expectError(answer, status: 400, code: "invalid_request", source: "gateway", retryable: false)
                #expect(answer.error?["message"]?.stringValue?.contains("Idempotency-Key") == true, "\(answer.bodyText)")
            }
            #expect(gateway.emulators.spatialgen.receivedRequests.isEmpty)
            // The longest key, and a quoted one that is the same key as its bare spelling.
            let longest = String(repeating: "k", count: 255)
            Self.expectFresh(try await gateway.post(Self.autorender, headers: Self.keyed(longest)))
            let bare = try await gateway.post(Self.spatialgen, headers: Self.keyed("quoted-1"))
            Self.expectFresh(bare)
            Self.expectReplay(try await gateway.post(Self.spatialgen, headers: Self.keyed(#""quoted-1""#)), of: bare)
            #expect(gateway.emulators.spatialgen.receivedRequests.count == 1)
        }
    }
}
