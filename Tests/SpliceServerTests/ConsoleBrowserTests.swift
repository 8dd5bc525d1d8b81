import Foundation
import Testing

/// The operator's page in a real browser: headless Chromium loads `GET /console` from a running gateway, its DOM
/// holds every route and the ledger row of the request just made, and its screenshots are PNGs of the window's size.
/// With `CI` set a missing Chromium fails the test (`.ci/run` installs it); otherwise the test is skipped.
/// Chromium keeps both cores busy for seconds, so `.ci/run` runs this suite on its own, after the others.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ConsoleBrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static let inCI = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false

    /// Where the screenshots are kept for a person to look at (never in git: `.build` is ignored).
    static let artifacts = CommandLineTests.packageRoot.appendingPathComponent(".build/ci-artifacts")

    @Test(
        .enabled(
            if: ConsoleBrowserTests.chromium != nil || ConsoleBrowserTests.inCI, "chromium is not installed (apt-get install chromium)"))
    func thePageRendersInChromium() async throws {
        let chromium = try #require(Self.chromium, "chromium is missing: .ci/run installs Debian's chromium")
        try await withStatefulGateway { gateway, _ in
            let requestId = "browser-\(UUID().uuidString.prefix(8).lowercased())"
            let answer = try await gateway.post(
                RetryTests.autorender, headers: [("Content-Type", "application/json"), ("X-Request-Id", requestId)])
            #expect(answer.status == 200, "\(answer.bodyText)")
            _ = try await gateway.post(#"{"route":"autorender","uploadId":"missing-session"}"#)
            let url = gateway.baseURL + "/console"

            let dom = try await Self.run(chromium, ["--dump-dom", url])
            for name in ["spatialgen", "autorender", "gjirafa-vp", "huawei-metastudio", "tenovos"] {
                #expect(dom.contains(#"<h3>\#(name)</h3>"#), "\(name) is not in the DOM")
            }
            #expect(dom.contains(#"<td class="id">\#(requestId)"#), "the request's ledger row is not in the DOM: \(dom.suffix(3000))")

            try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
            for (name, width, height) in [("laptop", 1280, 900), ("phone", 390, 844)] {
                let file = Self.artifacts.appendingPathComponent("splice-console-\(name).png")
                try? FileManager.default.removeItem(at: file)
                _ = try await Self.run(chromium, ["--screenshot=\(file.path)", "--window-size=\(width),\(height)", url])
                let png = try Data(contentsOf: file)
                let size = try #require(Self.pngSize(png), "not a PNG: \(file.path)")
                #expect(size.width == width && size.height == height, "\(size)")
                #expect(png.count > 10_000, "an empty-looking screenshot: \(png.count) bytes")
                print("console screenshot (\(name), \(width)x\(height)): \(file.path)")
            }
        }
    }

    /// Runs headless Chromium with its own throwaway profile; its standard output and error, once it exits.
    static func run(_ chromium: String, _ arguments: [String]) async throws -> String {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("splice-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let output = home.appendingPathComponent("output.txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let process = try ChildProcess(
            executable: chromium,
            arguments: [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                "--user-data-dir=\(home.appendingPathComponent("profile").path)",
            ] + arguments,
            environment: ["PATH": "/usr/bin:/bin", "HOME": home.path], directory: home.path, output: handle.fileDescriptor)
        // Polled, not waited for: a blocked thread would be one fewer for the gateway in this process.
        let deadline = ContinuousClock.now + .seconds(90)
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("chromium did not finish within 90 s")
        }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "chromium exited \(process.terminationStatus): \(text.suffix(2000))")
        return text
    }

    /// The width and height in a PNG's IHDR chunk (the first, right after the signature).
    static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(24))
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count == 24, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            return nil
        }
        func number(_ start: Int) -> Int { bytes[start..<start + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (number(16), number(20))
    }
}
