import Foundation
import Testing

/// `splice check` and `serve` with TLS files that cannot be used: `FILE:LINE: message` at the key that names the
/// file, exit 1.
@Suite(.serialized, .timeLimit(.minutes(1))) struct TLSCheckTests {
    /// A folder with `config.yaml` (`config`) and `routes/spatialgen.yaml` (`route`), removed afterwards.
    static func withFiles<T>(config: String, route: String, _ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splice-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("routes"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try config.write(to: directory.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        try route.write(to: directory.appendingPathComponent("routes/spatialgen.yaml"), atomically: true, encoding: .utf8)
        return try body(directory)
    }

    static let route = "provider: spatialgen\nupstream: https://spatialgen.com\ncredentials:\n  appKey: ${K}\n"

    @Test func anUnreadableCertificateIsReportedAtItsLine() throws {
        let certificates = try DevCertificates.primary.get()
        let config = "routes: routes\ntls:\n  certificate: missing.pem\n  privateKey: \(certificates.path("server.key"))\n"
        try Self.withFiles(config: config, route: Self.route) { directory in
            let run = try CommandLineTests.run(["check", "--config", directory.appendingPathComponent("config.yaml").path])
            #expect(run.status == 1, "\(run.output)")
            #expect(
                run.output.contains("\(directory.path)/config.yaml:3: 'tls.certificate' (\(directory.path)/missing.pem) cannot be read"),
                "\(run.output)")
        }
    }

    @Test func anUnparsableCertificateAndClientCAAreReported() throws {
        let certificates = try DevCertificates.primary.get()
        let config =
            "routes: routes\ntls:\n  certificate: \(certificates.path("server.key"))\n  privateKey: \(certificates.path("server.key"))\n"
            + "  clientCA: config.yaml\n"
        try Self.withFiles(config: config, route: Self.route) { directory in
            let run = try CommandLineTests.run(["check", "--config", directory.appendingPathComponent("config.yaml").path])
            #expect(run.status == 1, "\(run.output)")
            #expect(run.output.contains("config.yaml:3: 'tls.certificate' ("), "\(run.output)")
            #expect(run.output.contains("holds no PEM certificate"), "\(run.output)")
            #expect(run.output.contains("config.yaml:5: 'tls.clientCA' ("), "\(run.output)")
            // The key's contents never appear.
            let key = try String(contentsOfFile: certificates.path("server.key"), encoding: .utf8)
            let body = key.split(separator: "\n").dropFirst().first.map(String.init) ?? "-"
            #expect(!run.output.contains(body))
        }
    }

    @Test func aKeyThatDoesNotMatchTheCertificateIsReportedByCheckAndServe() throws {
        let certificates = try DevCertificates.primary.get()
        let config =
            "routes: routes\nport: 0\ntls:\n  certificate: \(certificates.path("server.pem"))\n"
            + "  privateKey: \(certificates.path("edit-bay-1.key"))\n"
        try Self.withFiles(config: config, route: Self.route) { directory in
            let file = directory.appendingPathComponent("config.yaml").path
            for command in ["check", "serve"] {
                let run = try CommandLineTests.run([command, "--config", file])
                #expect(run.status == 1, "\(command): \(run.output)")
                #expect(
                    run.output.contains("\(file):5: 'tls.privateKey' (\(certificates.path("edit-bay-1.key"))) does not match 'tls.certificate'"),
                    "\(command): \(run.output)")
            }
        }
    }

    @Test func aBadRouteCAIsReportedAtItsLineInTheRouteFile() throws {
        let route = Self.route + "tls:\n  ca: not-a-certificate.txt\n"
        try Self.withFiles(config: "routes: routes\n", route: route) { directory in
            try "hello\n".write(
                to: directory.appendingPathComponent("routes/not-a-certificate.txt"), atomically: true, encoding: .utf8)
            let run = try CommandLineTests.run(["check", "--config", directory.appendingPathComponent("config.yaml").path])
            #expect(run.status == 1, "\(run.output)")
            #expect(
                run.output.contains(
                    "\(directory.path)/routes/spatialgen.yaml:6: 'tls.ca' (\(directory.path)/routes/not-a-certificate.txt) holds no PEM certificate"
                ), "\(run.output)")
        }
    }

    @Test func goodTLSFilesPass() throws {
        let certificates = try DevCertificates.primary.get()
        let config =
            "routes: routes\ntls:\n  certificate: \(certificates.path("server.pem"))\n  privateKey: \(certificates.path("server.key"))\n"
            + "  clientCA: \(certificates.path("ca.pem"))\n  requireClientCertificate: true\n"
            + "clients:\n  - name: bay-1\n    certificate: {subject: \"CN=edit-bay-1\"}\n"
        let route = Self.route + "tls:\n  ca: \(certificates.path("ca.pem"))\n"
        try Self.withFiles(config: config, route: route) { directory in
            let run = try CommandLineTests.run(["check", "--config", directory.appendingPathComponent("config.yaml").path])
            #expect(run.status == 0, "\(run.output)")
        }
    }
}
