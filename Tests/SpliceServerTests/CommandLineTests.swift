import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SpliceCore
import Testing

/// The `splice` executable as a user runs it: exit codes, `check` output, the demo's printed examples.
@Suite(.serialized, .timeLimit(.minutes(1))) struct CommandLineTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `splice` binary that `swift build` put next to the test bundle.
    static func binary() throws -> URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            beside.appendingPathComponent("splice"), beside.deletingLastPathComponent().appendingPathComponent("splice"),
            packageRoot.appendingPathComponent(".build/debug/splice"),
        ]
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }, "build splice first")
    }

    struct Run {
        var status: Int32
        var output: String
    }

    /// A started `splice` whose standard output and error go to a temporary file.
    struct Launched {
        let process: ChildProcess
        let output: URL
        let handle: FileHandle

        var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

        func finish() {
            try? handle.close()
            try? FileManager.default.removeItem(at: output)
        }
    }

    /// Starts `splice` with a clean environment (plus `environment`).
    static func launch(_ arguments: [String], environment: [String: String] = [:], directory: URL = packageRoot) throws
        -> Launched
    {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("splice-cli-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        let process = try ChildProcess(
            executable: try binary().path, arguments: arguments,
            environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }, directory: directory.path,
            output: handle.fileDescriptor)
        return Launched(process: process, output: output, handle: handle)
    }

    /// Runs `splice` to completion.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let launched = try launch(arguments, environment: environment)
        defer { launched.finish() }
        launched.process.waitUntilExit()
        return Run(status: launched.process.terminationStatus, output: launched.text)
    }

    @Test func checkListsTheShippedRoutesWithWhyNotReady() throws {
        let run = try Self.run(["check", "--routes", "routes"])
        #expect(run.status == 0, "\(run.output)")
        let lines = run.output.split(separator: "\n")
        for name in ["autorender", "gjirafa-vp", "huawei-metastudio", "spatialgen", "tenovos"] {
            let line = try #require(lines.first { $0.hasPrefix(name + " ") }, "\(run.output)")
            #expect(line.contains("not ready: environment variable"), "\(line)")
            #expect(line.contains("https://"), "\(line)")
        }
    }

    @Test func checkNeverPrintsASecret() throws {
        let run = try Self.run(
            ["check", "--routes", "routes"],
            environment: ["SPATIALGEN_APPKEY": "sg-secret-value-0001", "AUTORENDER_API_KEY": "ar-secret-value-0002"])
        #expect(run.status == 0)
        #expect(run.output.contains("ready"))
        #expect(!run.output.contains("sg-secret-value-0001"))
        #expect(!run.output.contains("ar-secret-value-0002"))
        let spatialgen = run.output.split(separator: "\n").first { $0.hasPrefix("spatialgen ") }
        #expect(spatialgen?.hasSuffix("ready") == true && spatialgen?.contains("not ready") == false)
    }

    @Test func checkPrintsEveryProblemAsFileLineMessage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splice-routes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "provider: spatialgen\nupstream: http://spatialgen.com\ncredentials:\n  appKey: ${K}\n"
            .write(to: directory.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "provider: dropbox\nupstream: https://x.com\ncredentials: {}\n"
            .write(to: directory.appendingPathComponent("b.yml"), atomically: true, encoding: .utf8)
        let run = try Self.run(["check", "--routes", directory.path])
        #expect(run.status == 1)
        #expect(run.output.contains("\(directory.path)/a.yaml:2: 'upstream' must use https://"), "\(run.output)")
        #expect(run.output.contains("\(directory.path)/b.yml:1: unknown provider 'dropbox'"), "\(run.output)")
    }

    @Test func usageErrorsExitOne() throws {
        #expect(try Self.run(["serve", "--port", "eighty"]).status == 1)
        #expect(try Self.run(["frobnicate"]).status == 1)
        #expect(try Self.run(["--help"]).status == 0)
    }

    @Test func serveExitsTwoWhenThePortIsTaken() throws {
        // The port of a listening socket we hold.
        let holder = try PortHolder()
        let run = try Self.run(["serve", "--routes", "routes", "--port", "\(holder.port)"])
        #expect(run.status == 2, "\(run.output)")
        #expect(run.output.contains("could not listen"))
        // Start-up lines come first, in Splice's text format: values with spaces are quoted.
        #expect(
            run.output.contains(#"warning splice: route unavailable reason="environment variable SPATIALGEN_APPKEY is not set" route=spatialgen"#),
            "\(run.output)")
        withExtendedLifetime(holder) {}
    }

    /// A secret file holding only `\r\n` used to crash `check` (SIGILL): now its route is simply not ready.
    @Test func checkSurvivesASecretFileHoldingOnlyCRLF() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splice-routes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "provider: spatialgen\nupstream: https://spatialgen.com\ncredentials:\n  appKey: ${file:appkey.txt}\n"
            .write(to: directory.appendingPathComponent("sg.yaml"), atomically: true, encoding: .utf8)
        try Data("\r\n".utf8).write(to: directory.appendingPathComponent("appkey.txt"))
        let run = try Self.run(["check", "--routes", directory.path])
        #expect(run.status == 0, "\(run.output)")
        let line = run.output.split(separator: "\n").first { $0.hasPrefix("sg ") }
        #expect(line?.hasSuffix("not ready: file appkey.txt is empty") == true, "\(run.output)")
    }

    /// `serve` and `check` take the same `--routes` and `--config` options.
    @Test func serveAndCheckShareTheConfigurationOptions() throws {
        for command in ["serve", "check"] {
            let help = try Self.run([command, "--help"])
            #expect(help.status == 0)
            #expect(help.output.contains("--routes <routes>"), "\(help.output)")
            #expect(help.output.contains("--config <config>"), "\(help.output)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splice-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("splice.yaml")
        try "routes: \(Self.packageRoot.appendingPathComponent("routes").path)\n".write(to: config, atomically: true, encoding: .utf8)
        let run = try Self.run(["check", "--config", config.path])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("spatialgen "), "\(run.output)")
    }

    /// Starts `splice demo` and waits for its banner; returns it, the gateway's base URL and the Huawei route's own.
    static func launchDemo(_ arguments: [String], environment: [String: String] = [:]) async throws
        -> (demo: Launched, text: String, base: String, huaweiBase: String)
    {
        // Works from any directory.
        let demo = try launch(
            ["demo"] + arguments, environment: environment, directory: FileManager.default.temporaryDirectory)
        var text = ""
        for _ in 0..<200 where !text.contains("Huawei MetaStudio passthrough port: ") && demo.process.isRunning {
            try await Task.sleep(for: .milliseconds(100))
            text = demo.text
        }
        text = demo.text
        func url(after marker: String, upTo end: String) -> String? {
            text.split(separator: "\n").first { $0.contains(marker) }
                .flatMap { $0.components(separatedBy: marker).last?.components(separatedBy: end).first }
        }
        guard let base = url(after: "the gateway listens on ", upTo: ","),
            let huaweiBase = url(after: "Huawei MetaStudio passthrough port: ", upTo: " ")
        else {
            if demo.process.isRunning { demo.process.terminate() }
            demo.finish()
            Issue.record("no banner: \(text)")
            throw CancellationError()
        }
        return (demo, text, base, huaweiBase)
    }

    /// Stops a demo with SIGTERM and expects exit status 0.
    static func stop(_ demo: Launched) async throws {
        demo.process.terminate()  // SIGTERM
        for _ in 0..<100 where demo.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!demo.process.isRunning)
        #expect(demo.process.terminationStatus == 0)
    }

    /// `splice demo` serves all five providers; every curl example it prints works, the `/complete` ones and the
    /// passthrough ones in each provider's own API with dummy credentials; SIGTERM exits 0.
    @Test func demoExamplesComplete() async throws {
        let (demo, text, base, huaweiBase) = try await Self.launchDemo(["--port", "0"])
        defer {
            if demo.process.isRunning { demo.process.terminate() }
            demo.finish()
        }
        let commands = try PrintedCurl.all(in: text)
        let completes = commands.filter { $0.url == base + "/complete" }
        let passthrough = commands.filter { $0.url != base + "/complete" }
        #expect(completes.count == 5, "\(text)")
        var providers: Set<String> = []
        for command in completes {
            let (status, body) = try await command.send()
            let answer = try JSONValue.parse(Array(body.utf8))
            #expect(status == 200, "\(command): \(answer.jsonString)")
            #expect(answer["status"] == "completed")
            if let provider = answer["provider"]?.stringValue { providers.insert(provider) }
        }
        #expect(providers == ["spatialgen", "autorender", "gjirafa-vp", "huawei-metastudio", "tenovos"])

        // One passthrough example per provider, each through /{route}/… with dummy credentials.
        var routes: Set<String> = []
        for command in passthrough {
            #expect(command.url.hasPrefix(base + "/"), "\(command)")
            routes.insert(String(command.url.dropFirst(base.count + 1).prefix { $0 != "/" }))
            #expect(command.headers.contains { $0.value.hasPrefix("dummy-") || $0.value == "Bearer dummy-key" }, "\(command)")
            let (status, body) = try await command.send()
            #expect((200..<300).contains(status), "\(command): \(status) \(body)")
        }
        #expect(routes == ["spatialgen", "autorender", "gjirafa-vp", "huawei-metastudio", "tenovos"], "\(text)")
        // The Huawei route's own port serves that route at its root.
        #expect(huaweiBase != base && huaweiBase.hasPrefix("http://127.0.0.1:"), "\(text)")
        let huawei = try #require(passthrough.first { $0.url.contains("/huawei-metastudio/") })
        var atRoot = huawei
        atRoot.url = huawei.url.replacingOccurrences(of: base + "/huawei-metastudio", with: huaweiBase)
        #expect(try await atRoot.send().status == 200)

        try await Self.stop(demo)
    }

    /// `splice demo --config FILE` requires the file's client keys, in `/complete` and in each provider's own slot.
    @Test func demoRequiresTheConfigFilesClientKeys() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splice-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("splice.yaml")
        // Only `clients` is used: the demo keeps its own routes, host and port.
        try "routes: /nonexistent\nport: 1\nclients:\n  - name: cli-test\n    key: ${DEMO_CLIENT_KEY}\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let key = "demo-client-key-\(UUID().uuidString)"
        let (demo, text, base, _) = try await Self.launchDemo(
            ["--port", "0", "--config", config.path], environment: ["DEMO_CLIENT_KEY": key])
        defer {
            if demo.process.isRunning { demo.process.terminate() }
            demo.finish()
        }
        #expect(text.contains("Client keys from \(config.path) are required"), "\(text)")
        #expect(!text.contains(key))
        let example = try #require(try PrintedCurl.all(in: text).first { $0.url.hasSuffix("/autorender/api/v1/multipart/start") })
        #expect(try await example.send().status == 401)
        var keyed = example
        keyed.headers = keyed.headers.map { $0.name == "Authorization" ? ($0.name, "Bearer \(key)") : $0 }
        #expect(try await keyed.send().status == 200)
        let complete = try #require(try PrintedCurl.all(in: text).first { $0.url == base + "/complete" })
        #expect(try await complete.send().status == 401)
        var authorized = complete
        authorized.headers.append(("Authorization", "Bearer \(key)"))
        #expect(try await authorized.send().status == 200)
        try await Self.stop(demo)
    }

    @Test func demoExitsTwoWhenThePassthroughPortIsTaken() throws {
        let holder = try PortHolder()
        let run = try Self.run(["demo", "--port", "0", "--passthrough-port", "\(holder.port)"])
        #expect(run.status == 2, "\(run.output)")
        #expect(run.output.contains("could not listen on 127.0.0.1:\(holder.port)"), "\(run.output)")
        withExtendedLifetime(holder) {}
    }

    // MARK: --log-format

    /// The output's JSON lines, parsed; a line that is not one JSON object is recorded as an issue.
    static func jsonLines(_ output: String, sourceLocation: SourceLocation = #_sourceLocation) -> [[String: Any]] {
        output.split(separator: "\n").filter { !$0.hasPrefix("splice: ") }.compactMap { line in
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            #expect(object != nil, "not one JSON object: \(line)", sourceLocation: sourceLocation)
            return object
        }
    }

    /// A folder with a config file holding `config` (its state store inside the folder); removed by the caller.
    static func configFolder(_ config: String) throws -> (directory: URL, file: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splice-logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("splice.yaml")
        let routes = Self.packageRoot.appendingPathComponent("routes").path
        try "routes: \(routes)\nstate: sqlite:state.db\n\(config)".write(to: file, atomically: true, encoding: .utf8)
        return (directory, file)
    }

    /// `serve --log-format json`, really serving: every line it logs, start-up to shutdown, is one JSON object, and
    /// a request's line carries its fields.
    @Test func serveLogsOneJSONObjectPerLineWithTheFlag() async throws {
        let (directory, config) = try Self.configFolder("")
        defer { try? FileManager.default.removeItem(at: directory) }
        let serve = try Self.launch(
            ["serve", "--config", config.path, "--port", "0", "--log-format", "json"], directory: directory)
        defer {
            if serve.process.isRunning { serve.process.terminate() }
            serve.finish()
        }
        var address: String?
        for _ in 0..<200 where address == nil && serve.process.isRunning {
            try await Task.sleep(for: .milliseconds(100))
            address =
                serve.text.split(separator: "\n").compactMap { line -> String? in
                    let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
                    return object?["message"] as? String == "listening" ? object?["address"] as? String : nil
                }.first
        }
        let base = try #require(address, "\(serve.text)")
        let metrics = try await GatewayHarness.client.execute(HTTPClientRequest(url: base + "/metrics"), timeout: .seconds(10))
        let scraped = String(buffer: try await metrics.body.collect(upTo: 1024 * 1024))
        #expect(metrics.status == .ok)
        #expect(scraped.contains("splice_route_ready{route=\"spatialgen\"} 0"), "\(scraped)")
        var request = HTTPClientRequest(url: base + "/complete")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Request-Id", value: "cli-json-1")
        request.body = .bytes(ByteBuffer(string: CompleteEndToEndTests.spatialgenBody))
        let refused = try await GatewayHarness.client.execute(request, timeout: .seconds(10))
        let refusedBody = try JSONValue.parse(Array(String(buffer: try await refused.body.collect(upTo: 1024 * 1024)).utf8))
        #expect(refused.status == .serviceUnavailable, "\(refusedBody.jsonString)")
        try await Self.stop(serve)

        let objects = Self.jsonLines(serve.text)
        #expect(objects.count >= 4, "\(serve.text)")
        for object in objects {
            for key in ["time", "level", "label", "message"] { #expect(object[key] is String, "\(object)") }
        }
        let unavailable = try #require(objects.first { $0["message"] as? String == "route unavailable" && $0["route"] as? String == "spatialgen" })
        #expect(unavailable["level"] as? String == "warning")
        #expect((unavailable["reason"] as? String)?.contains("SPATIALGEN_APPKEY") == true)
        let complete = try #require(
            objects.first { $0["request_id"] as? String == "cli-json-1" && $0["message"] as? String == "complete" }, "\(serve.text)")
        #expect(complete["status"] as? String == "503")
        #expect(complete["code"] as? String == refusedBody["error"]?["code"]?.stringValue)
        #expect(complete["total_ms"] is String)
    }

    /// `logFormat` in the config file; `--log-format` wins over it; an unknown format is a usage or config error.
    @Test func theConfigFilesLogFormatAndTheFlagOverIt() throws {
        let holder = try PortHolder()
        let (directory, config) = try Self.configFolder("logFormat: json\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let fromFile = try Self.run(["serve", "--config", config.path, "--port", "\(holder.port)"])
        #expect(fromFile.status == 2, "\(fromFile.output)")
        let objects = Self.jsonLines(fromFile.output)
        #expect(objects.contains { $0["message"] as? String == "route unavailable" }, "\(fromFile.output)")

        let overridden = try Self.run(["serve", "--config", config.path, "--port", "\(holder.port)", "--log-format", "text"])
        #expect(overridden.status == 2)
        #expect(overridden.output.contains("warning splice: route unavailable reason="), "\(overridden.output)")
        #expect(!overridden.output.contains("{\"time\""))

        let badFlag = try Self.run(["serve", "--config", config.path, "--log-format", "xml"])
        #expect(badFlag.status == 1)
        #expect(badFlag.output.contains("--log-format must be text or json"), "\(badFlag.output)")
        let (badDirectory, badConfig) = try Self.configFolder("logFormat: xml\n")
        defer { try? FileManager.default.removeItem(at: badDirectory) }
        let badFile = try Self.run(["check", "--config", badConfig.path])
        #expect(badFile.status == 1)
        #expect(badFile.output.contains("'logFormat' must be text or json"), "\(badFile.output)")
        withExtendedLifetime(holder) {}
    }

    @Test func demoRefusesABadConfigFile() throws {
        let run = try Self.run(["demo", "--port", "0", "--config", "/nonexistent/splice.yaml"])
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.contains("/nonexistent/splice.yaml:1: cannot be read"), "\(run.output)")
    }
}
