import Foundation
import ProviderEmulators
import SpliceCore
import Testing

/// Two Splice instances on one PostgreSQL: two gateways over real sockets, each with its own
/// connection pool on one schema, in front of the same provider emulators.
@Suite("Several instances on one PostgreSQL", .enabled(if: TestPostgres.isAvailable, TestPostgres.skipReason))
struct SeveralInstancesTests {
    static func spatialgen(upload: String) -> String {
        #"{"route":"spatialgen","sessionId":"8c1d9f52","uploadId":"\#(upload)","parts":[{"partNumber":1,"etag":"\"aa\""}]}"#
    }

    static func keyed(_ key: String) -> [(String, String)] {
        [("Content-Type", "application/json"), ("Idempotency-Key", key)]
    }

    /// The provider's completes of `upload`.
    static func calls(_ emulators: RunningEmulators, upload: String) -> Int {
        emulators.spatialgen.receivedRequests.filter { $0.uri.contains(upload) }.count
    }

    /// Emulators started once; gateways A and B pointed at them, each with its own `PostgresStateStore` on one schema.
    static func withTwoInstances<T: Sendable>(
        _ body: (GatewayHarness, GatewayHarness, String) async throws -> T
    ) async throws -> T {
        try await TestPostgres.withStores(2) { stores, schema in
            try await withProviderEmulators { emulators in
                try await withGateway(emulators: emulators, store: stores[0]) { a in
                    try await withGateway(emulators: emulators, store: stores[1]) { b in
                        try await body(a, b, schema)
                    }
                }
            }
        }
    }

    @Test("one key sent to both instances at once: one complete reaches the provider, every answer is it or 409")
    func sameKeyAtOnce() async throws {
        try await Self.withTwoInstances { a, b, _ in
            let upload = "at-once-\(UUID().uuidString)"
            let body = Self.spatialgen(upload: upload)
            let key = "k-\(UUID().uuidString)"
            // The first claim holds the key while the provider takes its time: the others meet it in flight.
            a.emulators.spatialgen.setFault(.delay(.seconds(2)))
            let requests = 40
            let answers = try await withThrowingTaskGroup(of: GatewayHarness.Answer.self) { group in
                for index in 0..<requests {
                    let gateway = index.isMultiple(of: 2) ? a : b
                    group.addTask { try await gateway.post(body, headers: Self.keyed(key)) }
                }
                var answers: [GatewayHarness.Answer] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
            a.emulators.spatialgen.setFault(nil)

            #expect(Self.calls(a.emulators, upload: upload) == 1)
            for answer in answers {
                let expected = answer.status == 200 || (answer.status == 409 && answer.errorCode == "idempotency_key_in_use")
                #expect(expected, "\(answer.status) \(answer.bodyText)")
            }
            let fresh = answers.filter { $0.status == 200 && $0.header("Idempotent-Replayed") == nil }
            try #require(fresh.count == 1)
            let first = fresh[0]
            // Requests that came after the first one finished got its answer again.
            for replay in answers where replay.status == 200 && replay.header("Idempotent-Replayed") != nil {
                #expect(replay.bodyText == first.bodyText)
                #expect(replay.header("X-Request-Id") == first.header("X-Request-Id"))
            }
            let conflicts = answers.filter { $0.status == 409 }.count
            let replays = answers.count - conflicts - 1
            let calls = Self.calls(a.emulators, upload: upload)
            print("one key on two instances at once: \(requests) requests, \(calls) provider call(s), \(conflicts) 409, \(replays) replayed")

            // Afterwards both instances give the stored answer.
            for gateway in [a, b] {
                let replay = try await gateway.post(body, headers: Self.keyed(key))
                #expect(replay.status == 200)
                #expect(replay.header("Idempotent-Replayed") == "true")
                #expect(replay.bodyText == first.bodyText)
                #expect(replay.header("X-Request-Id") == first.header("X-Request-Id"))
            }
            #expect(Self.calls(a.emulators, upload: upload) == 1)
        }
    }

    @Test("a key sent to A, then to B: B replays A's answer and the provider is called once")
    func sameKeyInSequence() async throws {
        try await Self.withTwoInstances { a, b, _ in
            let upload = "in-sequence-\(UUID().uuidString)"
            let body = Self.spatialgen(upload: upload)
            let key = "k-\(UUID().uuidString)"
            let first = try await a.post(body, headers: Self.keyed(key))
            #expect(first.status == 200, "\(first.bodyText)")
            #expect(first.header("Idempotent-Replayed") == nil)
            let second = try await b.post(body, headers: Self.keyed(key))
            #expect(second.status == 200, "\(second.bodyText)")
            #expect(second.header("Idempotent-Replayed") == "true")
            #expect(second.bodyText == first.bodyText)
            #expect(second.header("X-Request-Id") == first.header("X-Request-Id"))
            #expect(Self.calls(a.emulators, upload: upload) == 1)

            // Same key, another request, on the other instance: refused as reused.
            let other = try await b.post(Self.spatialgen(upload: upload + "-other"), headers: Self.keyed(key))
            #expect(other.status == 422)
            #expect(other.errorCode == "idempotency_key_reused")
        }
    }

    @Test("the two ledgers are one: each instance's GET /ledger shows the other's entries")
    func oneLedger() async throws {
        try await Self.withTwoInstances { a, b, _ in
            var idsA: [String] = []
            var idsB: [String] = []
            for index in 0..<3 {
                let onA = try await a.post(Self.spatialgen(upload: "ledger-a-\(index)"))
                let onB = try await b.post(Self.spatialgen(upload: "ledger-b-\(index)"), headers: Self.keyed("ledger-\(index)"))
                #expect(onA.status == 200)
                #expect(onB.status == 200)
                idsA.append(try #require(onA.header("X-Request-Id")))
                idsB.append(try #require(onB.header("X-Request-Id")))
            }
            await a.state?.ledger.flush()
            await b.state?.ledger.flush()

            for (reader, expected) in [(a, idsA + idsB), (b, idsA + idsB)] {
                let ledger = try await reader.get("/ledger?limit=1000")
                #expect(ledger.status == 200)
                let entries = ledger.json?["entries"]?.arrayValue ?? []
                let seen = Set(entries.compactMap { $0["requestId"]?.stringValue })
                #expect(Set(expected).isSubset(of: seen), "\(ledger.bodyText)")
                #expect(entries.count == expected.count)
            }
            let fromB = try await a.get("/ledger?limit=1000")
            let keyed = (fromB.json?["entries"]?.arrayValue ?? []).filter { $0["idempotencyKey"]?.stringValue != nil }
            #expect(keyed.count == 3)
        }
    }

    @Test("no secret is stored: the ledger and idempotency tables after requests to the five providers")
    func noSecretInTables() async throws {
        try await TestPostgres.withStores(1) { stores, schema in
            try await withGateway(store: stores[0]) { gateway in
                let bodies = [
                    Self.spatialgen(upload: "secrets"),
                    #"{"route":"autorender","uploadId":"a1b2c3d4"}"#,
                    #"{"route":"gjirafa-vp","uploadId":"rk","parts":[{"partNumber":1,"etag":"e"}]}"#,
                    #"{"route":"huawei-metastudio","fileId":"f1"}"#,
                    #"{"route":"tenovos","fileId":"f-1","uploadId":"u-1","fileName":"a.mov","fileSize":300,"parts":[{"partNumber":1,"etag":"e1"}]}"#,
                ]
                for (index, body) in bodies.enumerated() {
                    let answer = try await gateway.post(body, headers: Self.keyed("secrets-\(index)"))
                    #expect(answer.status == 200, "\(answer.bodyText)")
                }
                // A definitive refusal is stored too, with its error body.
                gateway.emulators.autorender.setFault(.providerError(status: 404))
                let refused = try await gateway.post(#"{"route":"autorender","uploadId":"gone"}"#, headers: Self.keyed("secrets-404"))
                #expect(refused.errorCode == "upstream_not_found")
                gateway.emulators.autorender.setFault(nil)
                await gateway.state?.ledger.flush()

                let ledger = try await TestPostgres.rowsAsText("splice_ledger", schema: schema)
                let keys = try await TestPostgres.rowsAsText("splice_idempotency_keys", schema: schema)
                #expect(ledger.count == bodies.count + 1)
                #expect(keys.count == bodies.count + 1)
                let credentials = EmulatorCredentials.demo
                let secrets =
                    [
                        credentials.spatialgenAppKey, credentials.autorenderAPIKey, credentials.gjirafaAPIKey,
                        credentials.huaweiAccessKey, credentials.huaweiSecretKey, credentials.huaweiToken,
                        credentials.tenovosAPIKey, credentials.tenovosUsername, credentials.tenovosPassword,
                    ] + [credentials.tenovosClientId].compactMap { $0 }
                for secret in secrets {
                    #expect(secret.count >= 6, "a credential too short to search for")
                    for row in ledger + keys {
                        #expect(!row.contains(secret), "a credential in a stored row: \(row.prefix(200))")
                    }
                }
            }
        }
    }
}

/// The store going away for real: the outage test's own PostgreSQL is stopped and started again
/// (`SPLICE_TEST_POSTGRES_CTL`); no other test uses that server, so a parallel run is not disturbed.
@Suite(
    "A store outage: PostgreSQL stopped and started", .serialized,
    .enabled(if: TestPostgres.canRestart, TestPostgres.noRestartReason),
    .timeLimit(.minutes(1))
)
struct StoreOutageTests {
    @Test("while PostgreSQL is down keyed requests are refused unsent, others served; their entries reach the ledger")
    func restart() async throws {
        try await TestPostgres.withStores(1, url: TestPostgres.outageURL) { stores, _ in
            try await withGateway(store: stores[0]) { gateway in
                let emulator = gateway.emulators.autorender
                let body = #"{"route":"autorender","uploadId":"a1b2c3d4"}"#
                let warm = try await gateway.post(body, headers: SeveralInstancesTests.keyed("before"))
                #expect(warm.status == 200)
                await gateway.state?.ledger.flush()

                try await TestPostgres.control("stop")
                var expected: [String] = []
                do {
                    let sent = emulator.receivedRequests.count
                    let keyed = try await gateway.post(body, headers: SeveralInstancesTests.keyed("during"))
                    #expect(keyed.status == 503)
                    #expect(keyed.errorCode == "state_unavailable")
                    #expect(emulator.receivedRequests.count == sent)
                    expected.append(try #require(keyed.header("X-Request-Id")))
                    for _ in 0..<3 {
                        let plain = try await gateway.post(body)
                        #expect(plain.status == 200, "\(plain.bodyText)")
                        expected.append(try #require(plain.header("X-Request-Id")))
                    }
                    #expect(emulator.receivedRequests.count == sent + 3)
                } catch {
                    try? await TestPostgres.control("start")
                    throw error
                }
                try await TestPostgres.control("start")

                // The recorder retries on its own: poll the ledger (bounded) until the outage's entries are in.
                var seen: Set<String> = []
                for _ in 0..<240 {
                    let ledger = try await gateway.get("/ledger?limit=1000")
                    if ledger.status == 200 {
                        seen = Set((ledger.json?["entries"]?.arrayValue ?? []).compactMap { $0["requestId"]?.stringValue })
                        if Set(expected).isSubset(of: seen) { break }
                    }
                    try await Task.sleep(for: .milliseconds(250))
                }
                #expect(Set(expected).isSubset(of: seen), "entries lost: \(Set(expected).subtracting(seen))")
                #expect(seen.count == expected.count + 1)

                // And keys work again.
                let after = try await gateway.post(body, headers: SeveralInstancesTests.keyed("after"))
                #expect(after.status == 200, "\(after.bodyText)")
            }
        }
    }
}
