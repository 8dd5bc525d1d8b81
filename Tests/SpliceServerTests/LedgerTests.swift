import Foundation
import NIOHTTP1
import ProviderEmulators
import SQLiteNIO
import SpliceCore
import SpliceState
import Testing

/// The egress ledger over real HTTP: the entries, `GET /ledger`, `splice ledger`, no secret in the
/// store, and no entry lost while the store is down. Each test has its own SQLite store.
@Suite(.timeLimit(.minutes(1))) struct LedgerTests {
    static let autorender = RetryTests.autorender
    static let contentType = ("Content-Type", "application/json")
    static let fields = [
        "time", "requestId", "client", "route", "provider", "kind", "action", "uploadId", "fileId", "outcome", "httpStatus",
        "upstreamStatus", "attempts", "upstreamMs", "totalMs", "idempotencyKey", "replayed",
    ]

    /// `GET /ledger` (plus `query`), its entries newest first.
    static func entries(_ gateway: GatewayHarness, _ query: String = "", headers: [(String, String)] = []) async throws -> [JSONValue] {
        let answer = try await gateway.get("/ledger" + query, headers: headers)
        #expect(answer.status == 200, "\(answer.bodyText)")
        #expect(answer.json?.objectValue?.keys == ["entries"])
        return answer.json?["entries"]?.arrayValue ?? []
    }

    /// The entry of the request that was answered with `requestId`.
    static func entry(_ entries: [JSONValue], _ requestId: String?) throws -> JSONValue {
        try #require(entries.first { $0["requestId"]?.stringValue == requestId }, "no entry for \(requestId ?? "nil")")
    }

    // MARK: What an entry holds

    @Test func everyKindOfOutcomeHasAnEntry() async throws {
        try await withStatefulGateway { gateway, _ in
            let success = try await gateway.post(Self.autorender, headers: [Self.contentType, ("Idempotency-Key", "ledger-1")])
            #expect(success.status == 200, "\(success.bodyText)")
            let replayed = try await gateway.post(
                Self.autorender, headers: [Self.contentType, ("Idempotency-Key", "ledger-1"), ("X-Request-Id", "the-retry")])
            #expect(replayed.header("Idempotent-Replayed") == "true")
            let huaweiCancel = try await gateway.post(#"{"route":"huawei-metastudio","fileId":"f1","action":"cancel"}"#)
            let notFound = try await gateway.post(#"{"route":"autorender","uploadId":"missing-session"}"#)
            #expect(notFound.errorCode == "upstream_not_found", "\(notFound.bodyText)")
            let wrongType = try await gateway.post(Self.autorender, headers: [("Content-Type", "text/plain")])
            #expect(wrongType.status == 400)
            let forwarded = try await gateway.send(
                method: .POST, path: "/autorender/api/v1/multipart/complete?x=1", body: Array(#"{"session_id":"a1"}"#.utf8),
                headers: [Self.contentType])
            #expect(forwarded.status == 200, "\(forwarded.bodyText)")
            let refused = try await gateway.send(method: .GET, path: "/spatialgen/api/%2e%2e/secret", body: nil, headers: [])
            #expect(refused.status == 400)

            let entries = try await Self.entries(gateway)
            #expect(entries.count == 7)
            for entry in entries { #expect(entry.objectValue?.keys == Self.fields, "\(entry)") }
            // Newest first.
            let times = entries.compactMap { $0["time"]?.stringValue.flatMap(LedgerEntry.parseTimestamp) }
            #expect(times.count == entries.count)
            #expect(times == times.sorted(by: >))
            #expect(entries.first?["requestId"]?.stringValue == refused.header("X-Request-Id"))
            #expect(entries.last?["requestId"]?.stringValue == success.header("X-Request-Id"))

            let first = try Self.entry(entries, success.header("X-Request-Id"))
            #expect(first["client"] == .null)
            #expect(first["route"] == "autorender")
            #expect(first["provider"] == "autorender")
            #expect(first["kind"] == "complete")
            #expect(first["action"] == "complete")
            #expect(first["uploadId"] == "a1b2c3d4")
            #expect(first["fileId"] == .null)
            #expect(first["outcome"] == "completed")
            #expect(first["httpStatus"]?.intValue == 200)
            #expect(first["upstreamStatus"]?.intValue == 200)
            #expect(first["attempts"]?.intValue == 1)
            #expect(first["upstreamMs"] != .null)
            #expect(first["totalMs"] != .null)
            #expect(first["idempotencyKey"] == "ledger-1")
            #expect(first["replayed"] == .bool(false))

            // The replay is its own request: its own id, nothing sent.
            let again = try Self.entry(entries, "the-retry")
            #expect(again["outcome"] == "completed")
            #expect(again["httpStatus"]?.intValue == 200)
            #expect(again["replayed"] == .bool(true))
            #expect(again["idempotencyKey"] == "ledger-1")
            #expect(again["attempts"]?.intValue == 0)
            #expect(again["upstreamMs"] == .null)
            #expect(again["upstreamStatus"] == .null)

            let huawei = try Self.entry(entries, huaweiCancel.header("X-Request-Id"))
            #expect(huawei["action"] == "cancel")
            #expect(huawei["fileId"] == "f1")
            #expect(huawei["outcome"]?.stringValue == (huaweiCancel.errorCode ?? "cancelled"))
            #expect(huawei["httpStatus"]?.intValue == huaweiCancel.status)

            let missing = try Self.entry(entries, notFound.header("X-Request-Id"))
            #expect(missing["outcome"] == "upstream_not_found")
            #expect(missing["httpStatus"]?.intValue == 404)
            #expect(missing["upstreamStatus"]?.intValue == 404)
            #expect(missing["attempts"]?.intValue == 1)
            #expect(missing["idempotencyKey"] == .null)

            let beforePipeline = try Self.entry(entries, wrongType.header("X-Request-Id"))
            #expect(beforePipeline["kind"] == "complete")
            #expect(beforePipeline["outcome"] == "invalid_request")
            #expect(beforePipeline["httpStatus"]?.intValue == 400)
            #expect(beforePipeline["route"] == .null)
            #expect(beforePipeline["attempts"]?.intValue == 0)
            #expect(beforePipeline["upstreamStatus"] == .null)

            let passthrough = try Self.entry(entries, forwarded.header("X-Request-Id"))
            #expect(passthrough["kind"] == "passthrough")
            #expect(passthrough["action"] == "POST /api/v1/multipart/complete")
            #expect(passthrough["route"] == "autorender")
            #expect(passthrough["outcome"] == "forwarded")
            #expect(passthrough["httpStatus"]?.intValue == 200)
            #expect(passthrough["upstreamStatus"]?.intValue == 200)
            #expect(passthrough["attempts"]?.intValue == 1)

            let refusal = try Self.entry(entries, refused.header("X-Request-Id"))
            #expect(refusal["kind"] == "passthrough")
            #expect(refusal["route"] == "spatialgen")
            #expect(refusal["outcome"] == "invalid_request")
            #expect(refusal["httpStatus"]?.intValue == 400)
            #expect(refusal["attempts"]?.intValue == 0)
            #expect(gateway.emulators.spatialgen.receivedRequests.isEmpty)
        }
    }

    // MARK: GET /ledger

    /// Entries written straight to the store at known times: two routes, two clients.
    static func seeded(count: Int, start: Date) -> [LedgerEntry] {
        (0..<count).map { (index: Int) -> LedgerEntry in
            let client: String = index % 2 == 0 ? "bay-1" : "bay-2"
            let route: String = index % 3 == 0 ? "spatialgen" : "autorender"
            return LedgerEntry(
                time: start.addingTimeInterval(Double(index)), requestId: "seed-\(index)", client: client, route: route,
                provider: route, kind: .complete, action: "complete", outcome: "completed", httpStatus: 200, upstreamStatus: 200,
                attempts: 1, upstreamMs: 1.5, totalMs: 2.5)
        }
    }

    @Test func filtersAndLimits() async throws {
        try await withStatefulGateway { gateway, store in
            let start = try #require(LedgerEntry.parseTimestamp("2026-06-01T00:00:00Z"))
            try await store.append(Self.seeded(count: 1205, start: start))

            let newest = try await Self.entries(gateway)
            #expect(newest.count == LedgerQuery.defaultLimit)
            #expect(newest.first?["requestId"] == "seed-1204")
            #expect(newest.last?["requestId"] == "seed-1105")

            #expect(try await Self.entries(gateway, "?limit=1000").count == 1000)
            #expect(try await Self.entries(gateway, "?limit=5000").count == LedgerQuery.maximumLimit)
            let three = try await Self.entries(gateway, "?limit=3")
            #expect(three.map { $0["requestId"]?.stringValue } == ["seed-1204", "seed-1203", "seed-1202"])

            let spatialgen = try await Self.entries(gateway, "?route=spatialgen&limit=1000")
            #expect(spatialgen.count == 402)
            #expect(spatialgen.allSatisfy { $0["route"] == "spatialgen" })
            let bay2 = try await Self.entries(gateway, "?client=bay-2&route=autorender&limit=1000")
            #expect(bay2.count == 401)
            #expect(bay2.allSatisfy { $0["client"] == "bay-2" && $0["route"] == "autorender" })

            // `since` is inclusive; fractions and offsets are read.
            let since = try await Self.entries(gateway, "?since=2026-06-01T00:20:00Z&limit=1000")
            #expect(since.count == 5)
            #expect(since.last?["requestId"] == "seed-1200")
            #expect(try await Self.entries(gateway, "?since=2026-06-01T02:20:00.500%2B02:00&limit=1000").count == 4)
            #expect(try await Self.entries(gateway, "?since=2027-01-01T00:00:00Z").isEmpty)

            for bad in ["?since=yesterday", "?since=2026-13-01T00:00:00Z", "?limit=0", "?limit=-1", "?limit=ten", "?limit=1.5"] {
                let answer = try await gateway.get("/ledger" + bad)
                ErrorTableTests.expectError(answer, status: 400, code: "invalid_request", source: "gateway", retryable: false)
            }
        }
    }

    @Test func aClientSeesOnlyItsRoutesEntries() async throws {
        let keys = ClientKeys(
            [
                ClientKeyConfiguration(name: "ops", key: .literal("ops-key-4567890")),
                ClientKeyConfiguration(name: "bay-2", key: .literal("bay-two-key-456"), routes: ["spatialgen"]),
            ], environment: [:], directory: ".")
        let ops = ("Authorization", "Bearer ops-key-4567890")
        let bay2 = ("Authorization", "Bearer bay-two-key-456")
        try await withStatefulGateway(clientKeys: keys) { gateway, _ in
            #expect(try await gateway.post(Self.autorender, headers: [Self.contentType, ops]).status == 200)
            #expect(try await gateway.post(CompleteEndToEndTests.spatialgenBody, headers: [Self.contentType, ops]).status == 200)
            #expect(try await gateway.post(CompleteEndToEndTests.spatialgenBody, headers: [Self.contentType, bay2]).status == 200)
            #expect(try await gateway.post(Self.autorender, headers: [Self.contentType, bay2]).status == 403)

            // A client Splice does not know is refused, and recorded too.
            let stranger = try await gateway.post(Self.autorender, headers: [Self.contentType, ("Authorization", "Bearer not-a-key")])
            #expect(stranger.status == 401)

            let all = try await Self.entries(gateway, headers: [ops])
            #expect(all.count == 5)
            let unauthorized = try Self.entry(all, stranger.header("X-Request-Id"))
            #expect(unauthorized["outcome"] == "unauthorized")
            #expect(unauthorized["httpStatus"]?.intValue == 401)
            #expect(unauthorized["client"] == .null)
            #expect(unauthorized["kind"] == "complete")
            #expect(all.dropFirst().first?["client"] == "bay-2")
            #expect(all.dropFirst().first?["outcome"] == "forbidden")
            #expect(try await Self.entries(gateway, "?client=ops", headers: [ops]).count == 2)

            let own = try await Self.entries(gateway, headers: [bay2])
            #expect(own.count == 2)
            #expect(own.allSatisfy { $0["route"] == "spatialgen" })
            #expect(try await Self.entries(gateway, "?limit=1", headers: [bay2]).count == 1)
            let elsewhere = try await gateway.get("/ledger?route=autorender", headers: [bay2])
            ErrorTableTests.expectError(
                elsewhere, status: 403, code: "forbidden", source: "gateway", retryable: false, route: "autorender")
            let anonymous = try await gateway.get("/ledger")
            ErrorTableTests.expectError(anonymous, status: 401, code: "unauthorized", source: "gateway", retryable: false)
        }
    }

    // MARK: Never a secret

    @Test(arguments: LogFormat.allCases)
    func noSecretReachesTheStoreOrTheLog(_ format: LogFormat) async throws {
        try await withStatefulGateway(logFormat: format) { gateway, store in
            let bodies = [
                CompleteEndToEndTests.spatialgenBody, Self.autorender, RetryTests.huawei, RetryTests.tenovos,
                #"{"route":"gjirafa-vp","uploadId":"rk-1","parts":[{"partNumber":1,"etag":"e1"}]}"#,
            ]
            for (index, body) in bodies.enumerated() {
                let answer = try await gateway.post(body, headers: [Self.contentType, ("Idempotency-Key", "secret-\(index)")])
                #expect(answer.status == 200, "\(answer.bodyText)")
            }
            // A refusal stored as final, and passthrough calls.
            gateway.emulators.tenovos.setFault(.first(1, .providerError(status: 400)))
            let refused = try await gateway.post(RetryTests.tenovos, headers: [Self.contentType, ("Idempotency-Key", "secret-refused")])
            #expect(refused.errorCode == "upstream_rejected", "\(refused.bodyText)")
            for call in PassthroughTests.calls {
                let answer = try await gateway.send(
                    method: call.method, path: "/\(call.provider.rawValue)\(call.path)", body: Array(call.body.utf8),
                    headers: [Self.contentType] + call.dummyHeaders)
                #expect(answer.status == 200, "\(call.provider): \(answer.bodyText)")
            }
            await gateway.state?.ledger.flush()
            #expect(try await Self.entries(gateway).count == bodies.count + 1 + PassthroughTests.calls.count)

            let secrets = Self.secrets(gateway)
            #expect(secrets.count > 10)
            var stored: [UInt8] = []
            for suffix in ["", "-wal"] {
                if let data = FileManager.default.contents(atPath: store.path + suffix) { stored += data }
            }
            #expect(!stored.isEmpty)
            // The store does hold what it should, so that the search below is a real one.
            #expect(Self.contains(stored, "secret-refused"))
            #expect(Self.contains(stored, "upstream_rejected"))
            let logs = gateway.logs.text
            for secret in secrets {
                #expect(!Self.contains(stored, secret), "a credential is in the state store")
                #expect(!logs.contains(secret), "a credential is in the log")
            }
        }
    }

    /// Every credential the gateway holds or sent: the emulators' own, and what went out in credential headers (Tenovos
    /// session tokens, Huawei signatures).
    static func secrets(_ gateway: GatewayHarness) -> [String] {
        let credentials = gateway.emulators.credentials
        var secrets = [
            credentials.spatialgenAppKey, credentials.autorenderAPIKey, credentials.gjirafaAPIKey, credentials.huaweiAccessKey,
            credentials.huaweiSecretKey, credentials.huaweiToken, credentials.tenovosAPIKey, credentials.tenovosUsername,
            credentials.tenovosPassword,
        ]
        for provider in EmulatedProvider.allCases {
            for received in gateway.emulators[provider].receivedRequests {
                for name in ["Authorization", "AccessToken", "X-API-Key", "X-Auth-Token", "X-SPATIALGEN-APPKEY"] {
                    guard let value = received.header(name), !value.isEmpty else { continue }
                    secrets.append(value)
                    if value.hasPrefix("Bearer ") { secrets.append(String(value.dropFirst("Bearer ".count))) }
                    if let range = value.range(of: "Signature=") { secrets.append(String(value[range.upperBound...])) }
                }
            }
        }
        return Array(Set(secrets.filter { $0.count >= 8 }))
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in
            haystack[start] == needle[0] && haystack[start..<(start + needle.count)].elementsEqual(needle)
        }
    }

    // MARK: A store that cannot be written

    @Test func aStoreOutageRefusesKeyedRequestsAndLosesNoEntry() async throws {
        try await withStatefulGateway(busyTimeout: .milliseconds(200)) { gateway, store in
            // Another connection holds the write lock: every write of the store fails after its busy timeout.
            let blocker = try await SQLiteConnection.open(storage: .file(path: store.path))
            let served: Result<[String], any Error>
            do {
                _ = try await blocker.query("BEGIN EXCLUSIVE")
                served = .success(try await Self.serveDuringOutage(gateway, store: store))
            } catch {
                served = .failure(error)
            }
            _ = try? await blocker.query("COMMIT")
            try await blocker.close()
            let requestIds = try served.get()

            let deadline = ContinuousClock.now + .seconds(15)
            var found: Set<String> = []
            while found.count < requestIds.count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                found = Set(try await Self.entries(gateway).compactMap { $0["requestId"]?.stringValue })
            }
            #expect(found == Set(requestIds))
            let entries = try await Self.entries(gateway)
            let refused = try Self.entry(entries, requestIds[0])
            #expect(refused["outcome"] == "state_unavailable")
            #expect(refused["httpStatus"]?.intValue == 503)
            #expect(refused["idempotencyKey"] == "outage-1")
            #expect(gateway.state?.ledger.backlog.pending == 0)
            #expect(gateway.state?.ledger.backlog.dropped == 0)
            // The store is back: the key was never consumed, and a request with it is served.
            let keyed = try await gateway.post(Self.autorender, headers: [Self.contentType, ("Idempotency-Key", "outage-1")])
            #expect(keyed.status == 200, "\(keyed.bodyText)")
            #expect(keyed.header("Idempotent-Replayed") == nil)
        }
    }

    /// Requests while the store's writes fail: the keyed one refused before anything is sent, the others served.
    /// Returns the answers' request ids, the refused one first.
    static func serveDuringOutage(_ gateway: GatewayHarness, store: SQLiteStateStore) async throws -> [String] {
        var requestIds: [String] = []
        let keyed = try await gateway.post(Self.autorender, headers: [Self.contentType, ("Idempotency-Key", "outage-1")])
        ErrorTableTests.expectError(
            keyed, status: 503, code: "state_unavailable", source: "gateway", retryable: true, route: "autorender",
            provider: "autorender")
        #expect(gateway.emulators.autorender.receivedRequests.isEmpty)
        requestIds.append(try #require(keyed.header("X-Request-Id")))
        for _ in 0..<3 {
            let answer = try await gateway.post(Self.autorender)
            #expect(answer.status == 200, "\(answer.bodyText)")
            requestIds.append(try #require(answer.header("X-Request-Id")))
        }
        let passthrough = try await gateway.send(
            method: .POST, path: "/autorender/api/v1/multipart/complete", body: Array(#"{"session_id":"a1"}"#.utf8),
            headers: [Self.contentType])
        #expect(passthrough.status == 200, "\(passthrough.bodyText)")
        requestIds.append(try #require(passthrough.header("X-Request-Id")))
        #expect(gateway.emulators.autorender.receivedRequests.count == 4)
        // None of them is in the store yet.
        #expect(try await store.ledger(LedgerQuery()).isEmpty)
        return requestIds
    }

    // MARK: splice ledger

    @Test func theCommandPrintsTheStoresEntries() async throws {
        try await withTemporaryStore { store, directory in
            let answers = try await withGateway(store: store) { gateway in
                let success = try await gateway.post(Self.autorender, headers: [Self.contentType, ("Idempotency-Key", "cli-1")])
                let replay = try await gateway.post(
                    Self.autorender, headers: [Self.contentType, ("Idempotency-Key", "cli-1"), ("X-Request-Id", "cli-replay")])
                let missing = try await gateway.post(#"{"route":"autorender","uploadId":"missing-session"}"#)
                let spatialgen = try await gateway.post(CompleteEndToEndTests.spatialgenBody)
                await gateway.state?.ledger.flush()
                return [success, replay, missing, spatialgen]
            }
            #expect(answers.map(\.status) == [200, 200, 404, 200])
            let config = directory.appendingPathComponent("splice.yaml")
            try "state: sqlite:state.db\n".write(to: config, atomically: true, encoding: .utf8)

            let table = try CommandLineTests.run(["ledger", "--config", config.path])
            #expect(table.status == 0, "\(table.output)")
            let lines = table.output.split(separator: "\n").map(String.init)
            #expect(lines.count == 5, "\(table.output)")
            #expect(lines.first?.hasPrefix("time") == true)
            #expect(lines[1].contains("spatialgen") && lines[1].contains("completed"), "\(table.output)")
            #expect(lines[2].contains("missing-session") && lines[2].contains("upstream_not_found") && lines[2].contains("404"))
            #expect(lines[3].contains("completed (replayed)") && lines[3].contains("a1b2c3d4"), "\(table.output)")
            #expect(lines[4].contains("autorender") && lines[4].contains("completed") && !lines[4].contains("replayed"))

            let json = try CommandLineTests.run(["ledger", "--config", config.path, "--format", "json", "--route", "autorender"])
            #expect(json.status == 0, "\(json.output)")
            let objects = json.output.split(separator: "\n").map { try? JSONValue.parse(String($0)) }
            #expect(objects.count == 3)
            #expect(objects.allSatisfy { $0?.objectValue?.keys == Self.fields })
            #expect(
                objects.map { $0?["requestId"]?.stringValue } == [answers[2].header("X-Request-Id"), "cli-replay", answers[0].header("X-Request-Id")])
            #expect(objects[1]?["replayed"] == .bool(true))

            let limited = try CommandLineTests.run(["ledger", "--config", config.path, "--format", "json", "--limit", "1"])
            #expect(limited.output.split(separator: "\n").count == 1, "\(limited.output)")

            let badSince = try CommandLineTests.run(["ledger", "--config", config.path, "--since", "last tuesday"])
            #expect(badSince.status == 1)
            #expect(badSince.output.contains("since"), "\(badSince.output)")
        }
    }
}
