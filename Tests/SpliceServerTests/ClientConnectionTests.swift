import Foundation
import SpliceCore
import SpliceServer
import Testing

/// Client connections end: idle ones, and those whose request does not arrive in time. Their number
/// is bounded. Over raw sockets, with timeouts of about a second.
@Suite(.timeLimit(.minutes(1))) struct ClientConnectionTests {
    static let livez = "GET /livez HTTP/1.1\r\nHost: splice\r\n\r\n"

    @Test func idleConnectionIsClosed() async throws {
        try await ServingGateway.run(connections: ServingGateway.limits(idleTimeout: .seconds(1))) { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                #expect(await connection.waitUntilClosed(), "a connection that never sends anything is closed")
            }
            try await RawConnection.with(port: gateway.port) { connection in
                try await connection.send(Self.livez)
                let answer = await connection.readResponse()
                #expect(answer?.status == 200)
                #expect(answer?.header("Connection") != "close")
                #expect(await connection.waitUntilClosed(), "an idle keep-alive connection is closed")
            }
        }
    }

    /// A keep-alive connection that waits longer than the read timeout between requests is idle, not
    /// slow: only the idle timeout applies to it.
    @Test func readTimeoutDoesNotCountIdleTime() async throws {
        let limits = ServingGateway.limits(idleTimeout: .seconds(20), requestReadTimeout: .seconds(1))
        try await ServingGateway.run(connections: limits) { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                try await connection.send(Self.livez)
                #expect(await connection.readResponse()?.status == 200)
                try await Task.sleep(for: .milliseconds(1800))
                #expect(!connection.isClosed)
                try await connection.send(Self.livez)
                #expect(await connection.readResponse()?.status == 200)
            }
        }
    }

    enum SlowRequest: String, CaseIterable, Sendable {
        case headOneByteAtATime, bodyStopsHalfWay, bodyOneByteAtATime
    }

    /// Slowloris: a request whose head or body does not fully arrive within the read timeout of its
    /// first byte is cut, even though bytes keep coming (the idle timeout is far away).
    @Test(arguments: SlowRequest.allCases)
    func slowRequestIsCut(_ slow: SlowRequest) async throws {
        let limits = ServingGateway.limits(idleTimeout: .seconds(30), requestReadTimeout: .seconds(1))
        try await ServingGateway.run(connections: limits) { gateway in
            try await RawConnection.with(port: gateway.port) { connection in
                let head = "POST /complete HTTP/1.1\r\nHost: splice\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"
                var trickle: [Character]
                switch slow {
                case .headOneByteAtATime:
                    trickle = Array(head)
                case .bodyStopsHalfWay:
                    try await connection.send(head + #"{"route":"#)
                    trickle = []
                case .bodyOneByteAtATime:
                    try await connection.send(head)
                    trickle = Array(String(repeating: " ", count: 40))
                }
                // One byte every 200 ms: well within the idle timeout, never a whole request in 1 s.
                let started = ContinuousClock.now
                while !connection.isClosed, ContinuousClock.now - started < .seconds(8) {
                    if !trickle.isEmpty { try? await connection.send(String(trickle.removeFirst())) }
                    try await Task.sleep(for: .milliseconds(200))
                }
                #expect(connection.isClosed, "the connection must be closed by the read timeout")
                #expect(await connection.readResponse() == nil, "no answer: the request never arrived")
            }
        }
    }

    /// Connections over the bound wait to be accepted (a warning says so) and are served once another
    /// closes.
    @Test func connectionsOverTheBoundWait() async throws {
        try await ServingGateway.run(connections: ServingGateway.limits(maximumConnections: 2)) { gateway in
            let first = try await RawConnection.open(port: gateway.port)
            let second = try await RawConnection.open(port: gateway.port)
            defer {
                first.close()
                second.close()
            }
            for connection in [first, second] {
                try await connection.send(Self.livez)
                #expect(await connection.readResponse()?.status == 200)
            }
            try await RawConnection.with(port: gateway.port) { third in
                try await third.send(Self.livez)
                #expect(await gateway.waitForLog("connection limit reached"))
                #expect(!(await third.receivesBytes(within: .milliseconds(500))), "the third connection is not served yet")
                first.close()
                #expect(await third.readResponse()?.status == 200, "served once a connection closed")
            }
            let warnings = gateway.logs.all.filter { $0.contains("connection limit reached") }
            #expect(warnings.count == 1, "rate-limited: \(warnings)")
            #expect(warnings.first?.hasPrefix("warning ") == true)
        }
    }

    /// `splice serve` raises its soft file descriptor limit to the hard one and bounds connections to
    /// half of it. Run as a separate process (with `ulimit`), since the limit is the process's.
    @Test(arguments: [(shell: "ulimit -S -n 256", lowersHardLimit: false), (shell: "ulimit -n 300", lowersHardLimit: true)])
    func serveRaisesTheFileDescriptorLimit(_ limit: (shell: String, lowersHardLimit: Bool)) async throws {
        let hard = try #require(FileDescriptorLimit.current()).hard
        let expectedLimit = limit.lowersHardLimit ? 300 : hard
        let routes = FileManager.default.temporaryDirectory.appendingPathComponent("splice-fd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: routes, withIntermediateDirectories: true)
        let output = routes.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer {
            try? handle.close()
            try? FileManager.default.removeItem(at: routes)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "\(limit.shell) && exec \"$0\" serve --routes \"$1\" --port 0", try CommandLineTests.binary().path, routes.path,
        ]
        process.environment = ["PATH": "/usr/bin:/bin"]
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let text = { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
        let started = await eventually(timeout: .seconds(20)) { text().contains("listening") }
        process.terminate()
        process.waitUntilExit()
        #expect(started, "\(text())")
        #expect(process.terminationStatus == 0, "\(text())")
        let line = try #require(text().split(separator: "\n").first { $0.contains("client connections") }, "\(text())")
        #expect(line.contains("file_descriptor_limit=\(expectedLimit) "), "\(line)")
        #expect(line.contains("maximum_connections=\(min(10_000, expectedLimit / 2)) "), "\(line)")
        // The default bound adapts quietly; only a configured one that does not fit is a warning.
        #expect(!text().contains("warning"), "\(text())")
    }

    @Test func settingsAreReadFromTheConfigFile() throws {
        let configuration = try ServerConfiguration.parse(
            yaml: "idleTimeoutSeconds: 5\nrequestReadTimeoutSeconds: 2.5\nmaximumConnections: 300\n", file: "splice.yaml",
            directory: ".")
        #expect(configuration.connections.idleTimeout == .seconds(5))
        #expect(configuration.connections.requestReadTimeout == .milliseconds(2500))
        #expect(configuration.connections.maximumConnections == 300)
        #expect(ServerConfiguration().connections == ConnectionLimits())
        #expect(ConnectionLimits().idleTimeout == .seconds(60))
        #expect(ConnectionLimits().requestReadTimeout == .seconds(30))
        #expect(ConnectionLimits().maximumConnections == 10_000)

        let problems: [String]
        do {
            _ = try ServerConfiguration.parse(
                yaml: "idleTimeoutSeconds: 0\nrequestReadTimeoutSeconds: \"30\"\nmaximumConnections: 0\nmaximumConections: 5\n",
                file: "splice.yaml", directory: ".")
            problems = []
        } catch {
            problems = error.problems.map(\.description)
        }
        #expect(problems.count == 4, "\(problems)")
        #expect(problems.contains { $0.contains("'idleTimeoutSeconds' must be between") })
        #expect(problems.contains { $0.contains("'requestReadTimeoutSeconds' must be a number") })
        #expect(problems.contains { $0.contains("'maximumConnections' must be between 1 and 1000000") })
        #expect(problems.contains { $0.contains("did you mean 'maximumConnections'") })
    }
}
