import Foundation
import ProviderEmulators
import SpliceCore
import SpliceServer
import Testing

/// `GET /metrics` over real HTTP: scraped, parsed strictly as Prometheus text, and checked to move by exactly what
/// the test did. Each gateway has its own registry, so tests running alongside never move these series.
@Suite(.timeLimit(.minutes(1))) struct MetricsTests {
    static let spatialgen = CompleteEndToEndTests.spatialgenBody
    static let contentType = ("Content-Type", "application/json")

    /// Scrapes and parses `/metrics` (no client key).
    static func scrape(_ gateway: GatewayHarness, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> PrometheusText
    {
        let answer = try await gateway.get("/metrics")
        #expect(answer.status == 200, "\(answer.bodyText)", sourceLocation: sourceLocation)
        #expect(
            answer.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8", sourceLocation: sourceLocation)
        return try PrometheusText(parsing: answer.bodyText)
    }

    static func requests(_ scrape: PrometheusText, route: String, kind: String, code: String) -> Double {
        scrape.value(
            "splice_requests_total", ["route": route, "provider": route, "kind": kind, "code": code]) ?? 0
    }

    @Test func requestsDurationsAndAttemptsMoveByWhatWasDone() async throws {
        try await withGateway { gateway in
            let before = try await Self.scrape(gateway)
            #expect(Self.requests(before, route: "spatialgen", kind: "complete", code: "completed") == 0)
            #expect(before.types["splice_requests_total"] == nil, "no request yet, so no request series")
            #expect(before.types["splice_route_ready"] == "gauge")
            #expect(before.types["splice_upstream_attempts_total"] == "counter")
            #expect(before.value("splice_inflight_requests") == 0)

            var attemptsSent = 0
            for _ in 0..<3 {
                let answer = try await gateway.post(Self.spatialgen)
                #expect(answer.status == 200, "\(answer.bodyText)")
                attemptsSent += Int(answer.header("Splice-Attempts") ?? "0") ?? 0
            }
            for call in PassthroughTests.calls where call.provider == .spatialgen {
                for _ in 0..<2 {
                    let answer = try await gateway.send(
                        method: call.method, path: "/spatialgen\(call.path)", body: Array(call.body.utf8),
                        headers: [Self.contentType] + call.dummyHeaders)
                    #expect(answer.status == 200, "\(answer.bodyText)")
                    attemptsSent += 1
                }
            }
            // A provider failure, and a request for a route that does not exist.
            gateway.emulators.spatialgen.setFault(.first(1, .providerError(status: 400)))
            let refused = try await gateway.post(Self.spatialgen)
            #expect(refused.errorCode == "upstream_rejected", "\(refused.bodyText)")
            attemptsSent += Int(refused.header("Splice-Attempts") ?? "0") ?? 0
            let unknown = try await gateway.post(#"{"route":"no-such-route","uploadId":"u"}"#)
            #expect(unknown.status == 404, "\(unknown.bodyText)")

            let after = try await Self.scrape(gateway)
            #expect(after.types["splice_requests_total"] == "counter")
            #expect(after.types["splice_request_duration_seconds"] == "histogram")
            #expect(after.types["splice_upstream_duration_seconds"] == "histogram")
            #expect(Self.requests(after, route: "spatialgen", kind: "complete", code: "completed") == 3)
            #expect(Self.requests(after, route: "spatialgen", kind: "passthrough", code: "forwarded") == 2)
            #expect(Self.requests(after, route: "spatialgen", kind: "complete", code: "upstream_rejected") == 1)
            let unknownCode = try #require(unknown.errorCode)
            #expect(
                after.value(
                    "splice_requests_total", ["route": "_none", "provider": "_none", "kind": "complete", "code": unknownCode])
                    == 1, "a route name a client made up is not a label")
            #expect(after.samples("splice_requests_total", matching: ["route": "no-such-route"]).isEmpty)
            let labels = ["route": "spatialgen", "provider": "spatialgen"]
            #expect(after.value("splice_request_duration_seconds_count", labels) == 6)
            #expect(after.value("splice_upstream_duration_seconds_count", labels) == 6)
            #expect(after.value("splice_request_duration_seconds_bucket", labels.merging(["le": "+Inf"]) { $1 }) == 6)
            // The buckets run from half a millisecond to a minute.
            let bounds = after.samples("splice_request_duration_seconds_bucket", matching: labels).compactMap { $0.labels["le"] }
            #expect(bounds.first == "0.0005" && bounds.contains("60.0") && bounds.count == 17, "\(bounds)")
            let attempts = after.samples("splice_upstream_attempts_total", matching: labels)
            #expect(attempts.count == RouteInstruments.AttemptResult.allCases.count)
            #expect(attempts.reduce(0) { $0 + $1.value } == Double(attemptsSent))
            #expect(after.value("splice_upstream_attempts_total", labels.merging(["result": "answered"]) { $1 }) == Double(attemptsSent))
            // The emulator runs on this machine: its `Date` is this clock, to the second it is truncated to.
            let skew = try #require(after.value("splice_upstream_clock_skew_seconds", ["route": "spatialgen"]))
            #expect(abs(skew) < 60, "\(skew)")
            #expect(after.value("splice_inflight_requests") == 0, "the scrape itself is not counted")
            // No label carries a client, an id or a secret.
            #expect(!after.samples.contains { $0.labels.keys.contains("client") || $0.labels.keys.contains("request_id") })
            let credentials = gateway.emulators.credentials
            let text = try await gateway.get("/metrics").bodyText
            for secret in [credentials.spatialgenAppKey, credentials.tenovosPassword, credentials.huaweiSecretKey] {
                #expect(!text.contains(secret))
            }
        }
    }

    @Test func aFailedAttemptIsCountedByItsResult() async throws {
        try await withGateway { gateway in
            gateway.emulators.autorender.setFault(.closeConnection)
            let answer = try await gateway.post(RetryTests.autorender)
            #expect(answer.status == 502, "\(answer.bodyText)")
            let made = try #require(Int(answer.header("Splice-Attempts") ?? ""))
            let scrape = try await Self.scrape(gateway)
            let labels = ["route": "autorender", "provider": "autorender"]
            #expect(scrape.value("splice_upstream_attempts_total", labels.merging(["result": "closed"]) { $1 }) == Double(made))
            #expect(scrape.value("splice_upstream_attempts_total", labels.merging(["result": "answered"]) { $1 }) == 0)
            #expect(scrape.value("splice_request_duration_seconds_count", labels) == 1)
        }
    }

    @Test func routeReadinessIsOneForAReadyRouteAndZeroForAnUnresolvedOne() async throws {
        try await withGateway(routes: { emulators in
            var unresolved = try GatewayHarness.route(
                "autorender", emulators.autorender.baseURL, [:], name: "unresolved")
            unresolved.credentials = ["apiKey": .environment("SPLICE_METRICS_TEST_UNSET")]
            return [
                try GatewayHarness.route(
                    "spatialgen", emulators.spatialgen.baseURL, ["appKey": emulators.credentials.spatialgenAppKey]),
                unresolved,
            ]
        }) { gateway in
            let scrape = try await Self.scrape(gateway)
            #expect(scrape.value("splice_route_ready", ["route": "spatialgen"]) == 1)
            #expect(scrape.value("splice_route_ready", ["route": "unresolved"]) == 0)
            #expect(scrape.samples("splice_route_ready").count == 2)
        }
    }

    @Test func replaysAreCounted() async throws {
        try await withStatefulGateway { gateway, _ in
            let headers = [Self.contentType, ("Idempotency-Key", "metrics-replay-1")]
            let first = try await gateway.post(Self.spatialgen, headers: headers)
            #expect(first.status == 200, "\(first.bodyText)")
            #expect(try await Self.scrape(gateway).value("splice_idempotent_replays_total", ["route": "spatialgen"]) == 0)
            for _ in 0..<2 {
                let replay = try await gateway.post(Self.spatialgen, headers: headers)
                #expect(replay.header("Idempotent-Replayed") == "true")
            }
            let scrape = try await Self.scrape(gateway)
            #expect(scrape.value("splice_idempotent_replays_total", ["route": "spatialgen"]) == 2)
            #expect(Self.requests(scrape, route: "spatialgen", kind: "complete", code: "completed") == 3)
            #expect(gateway.emulators.spatialgen.receivedRequests.count == 1)
        }
    }

    @Test func tenovosLoginsAreCounted() async throws {
        try await withGateway { gateway in
            #expect(try await Self.scrape(gateway).value("splice_tenovos_logins_total", ["route": "tenovos"]) == 0)
            for _ in 0..<3 {
                let answer = try await gateway.post(RetryTests.tenovos)
                #expect(answer.status == 200, "\(answer.bodyText)")
            }
            let scrape = try await Self.scrape(gateway)
            #expect(scrape.value("splice_tenovos_logins_total", ["route": "tenovos"]) == Double(gateway.emulators.tenovos.loginCount))
            #expect(scrape.value("splice_tenovos_logins_total", ["route": "tenovos"]) == 1, "one session, shared")
            #expect(scrape.value("splice_tenovos_refreshes_total", ["route": "tenovos"]) == 0)
            // Only a Tenovos route has these series.
            #expect(scrape.samples("splice_tenovos_logins_total").count == 1)
        }
    }

    /// A refresh ahead of expiry is counted as a refresh, not a login; the skew is measured against the gateway's
    /// own clock, here an hour ahead of the provider's.
    @Test func tenovosRefreshesAndClockSkewFollowTheGatewaysClock() async throws {
        let clock = OffsetClock()
        try await withGateway(clock: clock.wallClock) { gateway in
            gateway.emulators.tenovos.setTokenLifetime(600)
            #expect(try await gateway.post(RetryTests.tenovos).status == 200)
            clock.advance(by: 3600)
            let answer = try await gateway.post(RetryTests.tenovos)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(gateway.emulators.tenovos.refreshCount == 1)
            let scrape = try await Self.scrape(gateway)
            #expect(scrape.value("splice_tenovos_logins_total", ["route": "tenovos"]) == 1)
            #expect(scrape.value("splice_tenovos_refreshes_total", ["route": "tenovos"]) == 1)
            let skew = try #require(scrape.value("splice_upstream_clock_skew_seconds", ["route": "tenovos"]))
            // The provider's `Date` has whole seconds: an hour behind, give or take the second it was cut to.
            #expect((-3602 ... -3598).contains(skew), "\(skew)")
        }
    }

    /// A request waiting on its provider is in flight; once answered it is not, and a scrape never counts itself.
    @Test func aRequestWaitingOnItsProviderIsInFlight() async throws {
        // A route timeout well above the delay: on a loaded machine the wait must still end in the provider's answer.
        try await withGateway(routes: { try GatewayHarness.standardRoutes($0, timeout: .seconds(30)) }) { gateway in
            gateway.emulators.autorender.setFault(.first(1, .delay(.seconds(3))))
            async let slow = gateway.post(RetryTests.autorender)
            var seen = 0.0
            for _ in 0..<200 where seen == 0 {
                seen = try await Self.scrape(gateway).value("splice_inflight_requests") ?? -1
                if seen == 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(seen == 1)
            #expect(try await slow.status == 200)
            #expect(try await Self.scrape(gateway).value("splice_inflight_requests") == 0)
        }
    }

    @Test func metricsNeedNoClientKey() async throws {
        let keys = ClientKeys(
            [ClientKeyConfiguration(name: "bay-1", key: .literal("metrics-client-key-1"))], environment: [:], directory: ".")
        try await withGateway(clientKeys: keys) { gateway in
            #expect(try await gateway.get("/routes").status == 401)
            let answer = try await gateway.post(Self.spatialgen, headers: [Self.contentType, ("Authorization", "Bearer metrics-client-key-1")])
            #expect(answer.status == 200, "\(answer.bodyText)")
            let scrape = try await Self.scrape(gateway)
            #expect(Self.requests(scrape, route: "spatialgen", kind: "complete", code: "completed") == 1)
            #expect(!(try await gateway.get("/metrics").bodyText.contains("bay-1")), "no client name in a label")
        }
    }

    /// What reload calls: the ready gauges follow the new table, and each reload is counted by its result.
    @Test func reloadUpdatesReadinessAndCountsReloads() throws {
        let metrics = GatewayMetrics()
        func route(_ name: String, _ reference: SecretReference) throws -> RouteConfiguration {
            var configuration = try GatewayHarness.route("autorender", "http://127.0.0.1:9", [:], name: name)
            configuration.credentials = ["apiKey": reference]
            return configuration
        }
        let environment = ["SPLICE_METRICS_RELOAD_KEY": "a-long-enough-key"]
        let first = RouteTable.resolve(
            [try route("a", .environment("SPLICE_METRICS_RELOAD_KEY")), try route("b", .environment("UNSET_VAR"))],
            environment: environment, metrics: metrics.factory, transport: { _ in ErrorTableTests.ExplodingTransport() })
        metrics.update(for: first)
        var scrape = try PrometheusText(parsing: String(decoding: metrics.render(), as: UTF8.self))
        #expect(scrape.value("splice_route_ready", ["route": "a"]) == 1)
        #expect(scrape.value("splice_route_ready", ["route": "b"]) == 0)
        #expect(scrape.value("splice_config_reloads_total", ["result": "success"]) == 0)

        let second = RouteTable.resolve(
            [try route("b", .environment("SPLICE_METRICS_RELOAD_KEY"))], environment: environment,
            metrics: metrics.factory, transport: { _ in ErrorTableTests.ExplodingTransport() })
        metrics.update(for: second)
        metrics.recordReload(succeeded: true)
        metrics.recordReload(succeeded: false)
        metrics.recordReload(succeeded: false)
        scrape = try PrometheusText(parsing: String(decoding: metrics.render(), as: UTF8.self))
        #expect(scrape.value("splice_route_ready", ["route": "a"]) == nil, "a route the reload removed has no series")
        #expect(scrape.value("splice_route_ready", ["route": "b"]) == 1)
        #expect(scrape.value("splice_config_reloads_total", ["result": "success"]) == 1)
        #expect(scrape.value("splice_config_reloads_total", ["result": "failure"]) == 2)
    }
}

/// The test parser itself: it must refuse what Prometheus would.
@Suite struct PrometheusTextTests {
    @Test func parsesSamplesWithEscapedLabels() throws {
        let text = """
            # HELP x_total A counter.
            # TYPE x_total counter
            x_total{a="1",b="q\\"uo\\\\te\\nnl"} 3
            x_total 4 1700000000000
            # TYPE y gauge
            y -Inf

            """
        let parsed = try PrometheusText(parsing: text)
        #expect(parsed.value("x_total", ["a": "1", "b": "q\"uo\\te\nnl"]) == 3)
        #expect(parsed.value("x_total") == 4)
        #expect(parsed.value("y") == -.infinity)
        #expect(parsed.types == ["x_total": "counter", "y": "gauge"])
    }

    @Test(arguments: [
        "x{a=\"1\"", "x{a=\"1} 2", "x{a=\"\\t\"} 1", "x{a=\"1\",a=\"2\"} 1", "x one", "x 1 2 3", "9x 1", "x{1a=\"b\"} 1",
        "x{a=\"1\"}1", "x 1 notatime", "# TYPE x bogus", "x", "x{a=1} 2",
    ])
    func rejectsMalformedLines(_ line: String) {
        #expect(throws: PrometheusText.Malformed.self) { try PrometheusText(parsing: line + "\n") }
    }
}
