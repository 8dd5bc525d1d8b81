import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ProviderEmulators
import SpliceCore
import SpliceServer
import Synchronization
import Testing

/// Configuration reload over real HTTP: route files and secret files on disk, edited between reloads.
@Suite(.timeLimit(.minutes(2))) struct ReloadTests {
    static let spatialgen = CompleteEndToEndTests.spatialgenBody
    static let tenovos = TenovosSessionTests.complete
    static let autorender = #"{"route":"autorender","uploadId":"up-1","parts":[{"partNumber":1,"etag":"e1"}]}"#

    /// A routes directory the test edits, with each secret in a file of its own (`${file:NAME.secret}`).
    struct RoutesFolder: Sendable {
        let url: URL

        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("splice-reload-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }

        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: url.appendingPathComponent(name))
        }

        func remove(_ name: String) throws {
            try FileManager.default.removeItem(at: url.appendingPathComponent(name))
        }

        func spatialgen(_ emulators: RunningEmulators, key: String? = nil, extra: String = "") throws {
            try write("spatialgen.secret", (key ?? emulators.credentials.spatialgenAppKey) + "\n")
            try write(
                "spatialgen.yaml",
                """
                provider: spatialgen
                upstream: \(emulators.spatialgen.baseURL)
                credentials:
                  appKey: ${file:spatialgen.secret}
                \(extra)
                """)
        }

        func tenovos(_ emulators: RunningEmulators, extra: String = "") throws {
            let credentials = emulators.credentials
            try write("tenovos-api.secret", credentials.tenovosAPIKey)
            try write("tenovos-password.secret", credentials.tenovosPassword)
            try write(
                "tenovos.yaml",
                """
                provider: tenovos
                upstream: \(emulators.tenovos.baseURL)
                credentials:
                  apiKey: ${file:tenovos-api.secret}
                  username: \(credentials.tenovosUsername)
                  password: ${file:tenovos-password.secret}
                \(extra)
                """)
        }

        func autorender(_ emulators: RunningEmulators) throws {
            try write("autorender.secret", emulators.credentials.autorenderAPIKey)
            try write(
                "autorender.yaml",
                """
                provider: autorender
                upstream: \(emulators.autorender.baseURL)
                credentials:
                  apiKey: ${file:autorender.secret}
                """)
        }

        var source: ConfigurationSource {
            .files(config: nil, routes: url.path, host: nil, port: nil, environment: [:])
        }

        func delete() {
            try? FileManager.default.removeItem(at: url)
        }
    }

    /// Runs a gateway over `folder`, which `prepare` fills once the emulators are up.
    func withReloadableGateway(
        _ folder: RoutesFolder, store: (any StateStore)? = nil, prepare: @escaping (RunningEmulators) throws -> Void,
        _ body: (GatewayHarness) async throws -> Void
    ) async throws {
        try await withGateway(
            store: store,
            source: { emulators in
                try prepare(emulators)
                return folder.source
            }, body)
    }

    func reload(_ gateway: GatewayHarness) async throws -> GatewayHarness.Answer {
        try await gateway.post("", path: "/admin/reload", headers: [])
    }

    @Test func aValidReloadTakesOverAndCountsGenerations() async throws {
        let folder = try RoutesFolder()
        defer { folder.delete() }
        try await withReloadableGateway(folder, prepare: { try folder.spatialgen($0) }) { gateway in
            let first = try await gateway.get("/routes")
            #expect(first.json?["generation"]?.intValue == 1)
            let firstLoadedAt = try #require(first.json?["loadedAt"]?.stringValue)
            #expect(LedgerEntry.parseTimestamp(firstLoadedAt) != nil, "\(firstLoadedAt)")
            #expect(first.json?["routes"]?.arrayValue?.count == 1)
            #expect(try await gateway.post(Self.autorender).errorCode == "unknown_route")

            try folder.autorender(gateway.emulators)
            try await Task.sleep(for: .milliseconds(5))
            let answer = try await reload(gateway)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(answer.json?["generation"]?.intValue == 2)
            #expect(answer.json?["restartRequired"]?.arrayValue == [])
            let second = try await gateway.get("/routes")
            #expect(second.json?["generation"]?.intValue == 2)
            #expect(second.json?["loadedAt"]?.stringValue != firstLoadedAt)
            #expect(second.json?["routes"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["autorender", "spatialgen"])
            #expect(try await gateway.post(Self.autorender).status == 200)
            #expect(try await gateway.post(Self.spatialgen).status == 200)

            // A route file removed: the route is gone after the next reload.
            try folder.remove("autorender.yaml")
            #expect(try await reload(gateway).json?["generation"]?.intValue == 3)
            #expect(try await gateway.post(Self.autorender).errorCode == "unknown_route")
            #expect(gateway.logs.text.contains("configuration reloaded"))
        }
    }

    @Test func anInvalidConfigurationKeepsTheOldOneAndSaysWhy() async throws {
        let folder = try RoutesFolder()
        defer { folder.delete() }
        try await withReloadableGateway(folder, prepare: { try folder.spatialgen($0) }) { gateway in
            try folder.autorender(gateway.emulators)
            try folder.write("broken.yaml", "provider: nosuchprovider\nupstream: https://example.com\ncredentials: {}\n")
            try folder.write("typo.yaml", "provider: spatialgen\nupstreem: https://example.com\n")
            let answer = try await reload(gateway)
            #expect(answer.status == 422, "\(answer.bodyText)")
            #expect(answer.errorCode == "invalid_configuration")
            #expect(answer.error?["source"] == "gateway")
            #expect(answer.error?["retryable"] == .bool(false))
            let listed = try #require(answer.error?["problems"]?.arrayValue)
            let problems = listed.compactMap(\.stringValue)
            #expect(problems.count >= 2, "\(problems)")
            #expect(problems.contains { $0.hasPrefix(folder.url.path + "/broken.yaml:1: ") }, "\(problems)")
            #expect(problems.contains { $0.hasPrefix(folder.url.path + "/typo.yaml:2: ") }, "\(problems)")
            // Nothing changed: not even the valid new file was taken.
            let routes = try await gateway.get("/routes")
            #expect(routes.json?["generation"]?.intValue == 1)
            #expect(routes.json?["routes"]?.arrayValue?.count == 1)
            #expect(try await gateway.post(Self.spatialgen).status == 200)
            #expect(try await gateway.post(Self.autorender).errorCode == "unknown_route")
            // Every problem is in the log too.
            for problem in problems { #expect(gateway.logs.text.contains(problem), "\(problem)") }

            // Fixed: the next reload takes all of it.
            try folder.remove("broken.yaml")
            try folder.remove("typo.yaml")
            #expect(try await reload(gateway).status == 200)
            #expect(try await gateway.post(Self.autorender).status == 200)
        }
    }

    /// A rotated `${file:…}` secret is read again: the provider refused the old one, it accepts the new one.
    @Test func aRotatedSecretIsUsedAfterReload() async throws {
        let folder = try RoutesFolder()
        defer { folder.delete() }
        let staleKey = "sg-stale-key-0000000000"
        try await withReloadableGateway(folder, prepare: { try folder.spatialgen($0, key: staleKey) }) { gateway in
            let refused = try await gateway.post(Self.spatialgen)
            #expect(refused.errorCode == "upstream_auth_failed", "\(refused.bodyText)")

            try folder.write("spatialgen.secret", gateway.emulators.credentials.spatialgenAppKey + "\n")
            #expect(try await reload(gateway).status == 200)
            let accepted = try await gateway.post(Self.spatialgen)
            #expect(accepted.status == 200, "\(accepted.bodyText)")
            #expect(
                gateway.emulators.spatialgen.receivedRequests.last?.header("X-SPATIALGEN-APPKEY")
                    == gateway.emulators.credentials.spatialgenAppKey)
            // Neither key reached the log.
            #expect(!gateway.logs.text.contains(staleKey))
            #expect(!gateway.logs.text.contains(gateway.emulators.credentials.spatialgenAppKey))
        }
    }

    /// An unchanged Tenovos route keeps its session across reloads (one login); a changed connection pool, or
    /// changed credentials, start a new one.
    @Test func anUnchangedTenovosRouteKeepsItsSession() async throws {
        let folder = try RoutesFolder()
        defer { folder.delete() }
        try await withReloadableGateway(
            folder,
            prepare: {
                try folder.tenovos($0)
                try folder.spatialgen($0)
            }
        ) { gateway in
            #expect(try await gateway.post(Self.tenovos).status == 200)
            #expect(gateway.emulators.tenovos.loginCount == 1)

            // Another route changes; tenovos' deadline changes (not part of its session): the session stays.
            try folder.autorender(gateway.emulators)
            try folder.tenovos(gateway.emulators, extra: "timeoutSeconds: 12")
            for _ in 0..<3 { #expect(try await reload(gateway).status == 200) }
            #expect(try await gateway.post(Self.tenovos).status == 200)
            #expect(gateway.emulators.tenovos.loginCount == 1)

            // The same password written again (a rotation to the same value) is no change either.
            try folder.write("tenovos-password.secret", gateway.emulators.credentials.tenovosPassword + "\n")
            #expect(try await reload(gateway).status == 200)
            #expect(try await gateway.post(Self.tenovos).status == 200)
            #expect(gateway.emulators.tenovos.loginCount == 1)

            // A new connection pool is a new route: it logs in again.
            try folder.tenovos(gateway.emulators, extra: "maxConnections: 7")
            #expect(try await reload(gateway).status == 200)
            #expect(try await gateway.post(Self.tenovos).status == 200)
            #expect(gateway.emulators.tenovos.loginCount == 2)
        }
    }

    /// A request in flight when its route is removed finishes on the configuration it started with.
    @Test func aRequestInFlightFinishesOnTheOldConfiguration() async throws {
        let folder = try RoutesFolder()
        defer { folder.delete() }
        try await withReloadableGateway(
            folder,
            prepare: {
                try folder.spatialgen($0)
                try folder.autorender($0)
            }
        ) { gateway in
            gateway.emulators.spatialgen.setFault(.delay(.seconds(1)))
            async let slow = gateway.post(Self.spatialgen)
            // Wait until the provider holds the request.
            for _ in 0..<100 where gateway.emulators.spatialgen.receivedRequests.isEmpty {
                try await Task.sleep(for: .milliseconds(10))
            }
            try folder.remove("spatialgen.yaml")
            #expect(try await reload(gateway).status == 200)
            #expect(try await gateway.post(Self.spatialgen).errorCode == "unknown_route")
            let answer = try await slow
            #expect(answer.status == 200, "\(answer.bodyText)")
        }
    }

    /// 32 clients keep `/complete` busy while the configuration is reloaded 20 times, each reload giving the route a
    /// new connection pool (the old one retired under load): not one request fails.
    @Test func reloadingUnderLoadLosesNoRequest() async throws {
        let folder = try RoutesFolder()
        defer { folder.delete() }
        try await withReloadableGateway(folder, prepare: { try folder.spatialgen($0) }) { gateway in
            let reloading = StillReloading()
            let clients = 32
            let reloads = 20
            async let results: [(ok: Int, failed: [String])] = withThrowingTaskGroup(of: (Int, [String]).self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        var ok = 0
                        var failed: [String] = []
                        // Every client makes at least a few requests, and goes on until the reloads are done.
                        while ok + failed.count < 5 || reloading.value.load(ordering: .relaxed) {
                            do {
                                let answer = try await gateway.post(Self.spatialgen)
                                if answer.status == 200 { ok += 1 } else { failed.append("\(answer.status) \(answer.bodyText)") }
                            } catch {
                                failed.append("\(error)")
                            }
                        }
                        return (ok, failed)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            var generations: [Int] = []
            for index in 0..<reloads {
                try await Task.sleep(for: .milliseconds(50))
                try folder.spatialgen(gateway.emulators, extra: "maxConnections: \(16 + index % 2)")
                let answer = try await reload(gateway)
                #expect(answer.status == 200, "\(answer.bodyText)")
                generations.append(answer.json?["generation"]?.intValue ?? -1)
            }
            reloading.value.store(false, ordering: .relaxed)
            let finished = try await results
            let succeeded = finished.map(\.ok).reduce(0, +)
            let failures = finished.flatMap(\.failed)
            print("reload under load: \(clients) clients, \(reloads) reloads, \(succeeded) requests answered 200, \(failures.count) failed")
            #expect(generations == Array(2...(reloads + 1)))
            #expect(failures.count == 0, "\(failures.prefix(3))")
            #expect(succeeded >= clients * 5)
            #expect(gateway.emulators.spatialgen.receivedRequests.isEmpty == false)
        }
    }

    /// A reload that changes what only a restart applies says so (and applies the rest).
    @Test func listenerChangesNeedARestart() async throws {
        let folder = try RoutesFolder()
        defer { folder.delete() }
        try await withReloadableGateway(folder, prepare: { try folder.spatialgen($0) }) { gateway in
            try folder.spatialgen(gateway.emulators, extra: "passthrough:\n  listen: 127.0.0.1:59123")
            let answer = try await reload(gateway)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(answer.json?["restartRequired"]?.arrayValue == ["passthrough.listen of route spatialgen"])
            #expect(gateway.logs.text.contains("passthrough.listen of route spatialgen changed; it takes effect at the next restart"))
        }
    }

    /// The real `splice serve`: SIGHUP reloads the route files, and the process goes on serving.
    @Test func sighupReloadsTheRealServer() async throws {
        let folder = try RoutesFolder()
        defer { folder.delete() }
        let route = { (name: String) in
            "provider: spatialgen\nupstream: http://127.0.0.1:9/\(name)\ncredentials:\n  appKey: ${file:\(name).secret}\n"
        }
        try folder.write("one.secret", "sg-key-one-0000000")
        try folder.write("one.yaml", route("one"))
        let serve = try CommandLineTests.launch(
            ["serve", "--routes", folder.url.path, "--port", "0"],
            directory: folder.url)
        defer {
            if serve.process.isRunning { serve.process.terminate() }
            serve.finish()
        }
        var base: String?
        for _ in 0..<200 where base == nil && serve.process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
            let line = serve.text.split(separator: "\n").first { $0.contains("listening address=") }
            base = line?.components(separatedBy: "address=").last
        }
        let url = try #require(base, "\(serve.text)")
        func routes() async throws -> JSONValue? {
            let response = try await HTTPClient.shared.get(url: url + "/routes").get()
            return response.body.flatMap { try? JSONValue.parse(Array($0.readableBytesView)) }
        }
        #expect(try await routes()?["generation"]?.intValue == 1)

        try folder.write("two.secret", "sg-key-two-0000000")
        try folder.write("two.yaml", route("two"))
        #expect(kill(serve.process.pid, SIGHUP) == 0)
        var generation: Int?
        for _ in 0..<100 where generation != 2 {
            try await Task.sleep(for: .milliseconds(50))
            generation = try await routes()?["generation"]?.intValue
        }
        #expect(generation == 2, "\(serve.text)")
        #expect(try await routes()?["routes"]?.arrayValue?.count == 2)
        #expect(serve.process.isRunning)
        #expect(serve.text.contains("trigger=SIGHUP"))
        #expect(!serve.text.contains("sg-key-"))
        try await CommandLineTests.stop(serve)
    }

    /// Over real sockets: the same gateway, listening on every address, reloads for a loopback peer and answers
    /// 403 to a peer on the machine's own network address.
    @Test func aPeerOnAnotherAddressMayNotReload() async throws {
        let devices = try System.enumerateDevices()
        guard
            let outside = devices.compactMap({ $0.address?.ipAddress }).first(where: {
                !$0.hasPrefix("127.") && $0 != "::1" && !$0.hasPrefix("fe80") && !$0.contains(":")
            })
        else {
            Issue.record("this machine has no non-loopback IPv4 address to call from")
            return
        }
        try await withGateway(host: "0.0.0.0") { gateway in
            let port = try #require(gateway.baseURL.split(separator: ":").last)
            var request = HTTPClientRequest(url: "http://\(outside):\(port)/admin/reload")
            request.method = .POST
            let refused = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let body = try await refused.body.collect(upTo: 65536)
            #expect(refused.status.code == 403)
            let json = try JSONValue.parse(Array(body.readableBytesView))
            #expect(json["error"]?["code"] == "forbidden")
            #expect(try await reload(gateway).status == 200)
            #expect(try await gateway.get("/routes").json?["generation"]?.intValue == 2)
        }
    }

    @Test func onlyLoopbackPeersMayReload() {
        #expect(AdminController.isLoopback(try? .init(ipAddress: "127.0.0.1", port: 1)))
        #expect(AdminController.isLoopback(try? .init(ipAddress: "127.10.0.3", port: 1)))
        #expect(AdminController.isLoopback(try? .init(ipAddress: "::1", port: 1)))
        #expect(!AdminController.isLoopback(try? .init(ipAddress: "10.0.0.7", port: 1)))
        #expect(!AdminController.isLoopback(try? .init(ipAddress: "128.0.0.1", port: 1)))
        #expect(!AdminController.isLoopback(try? .init(ipAddress: "::2", port: 1)))
        #expect(!AdminController.isLoopback(try? .init(ipAddress: "fe80::1", port: 1)))
        #expect(!AdminController.isLoopback(nil))
    }
}

/// Whether the reloads of the load test are still going on, shared by its client tasks.
final class StillReloading: Sendable {
    let value = Atomic<Bool>(true)
}
