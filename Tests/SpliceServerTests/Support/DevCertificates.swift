import AsyncHTTPClient
import Foundation
import NIOSSL
import SpliceCore
import SpliceServer
import Testing

/// TLS material made by `certs/make-dev-certs.sh`, as a user makes it: a CA, a server certificate for localhost and
/// 127.0.0.1, and client certificates for edit-bay-1 and edit-bay-2. Made once per test run per folder, in a
/// temporary directory, and shared by the suites (the script needs openssl: without it, the tests fail).
struct DevCertificates: Sendable {
    let directory: URL

    /// The CA the gateway's certificate and the client certificates come from.
    static let primary = Result { try make("primary") }
    /// Another, unrelated CA with certificates of the same names (for "a certificate from another CA").
    static let other = Result { try make("other") }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    struct ScriptFailed: Error, CustomStringConvertible {
        var status: Int32
        var output: String
        var description: String { "certs/make-dev-certs.sh exited \(status): \(output)" }
    }

    private static func make(_ name: String) throws -> DevCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splice-certs-\(name)-\(UUID().uuidString)")
        let script = CommandLineTests.packageRoot.appendingPathComponent("certs/make-dev-certs.sh").path
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("splice-certs-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer {
            try? handle.close()
            try? FileManager.default.removeItem(at: log)
        }
        let process = try ChildProcess(
            executable: "/bin/sh", arguments: [script, directory.path], environment: ["PATH": "/usr/bin:/bin"],
            directory: FileManager.default.temporaryDirectory.path, output: handle.fileDescriptor)
        process.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else { throw ScriptFailed(status: process.terminationStatus, output: output) }
        return DevCertificates(directory: directory)
    }

    /// A config file's `tls:` for these files, as if written at line 1 of `(test)`.
    func listenerConfiguration(clientCA: DevCertificates? = nil, require: Bool = false) -> ListenerTLSConfiguration {
        ListenerTLSConfiguration(
            certificate: ConfiguredFile(path: path("server.pem"), file: "(test)", line: 1),
            privateKey: ConfiguredFile(path: path("server.key"), file: "(test)", line: 2),
            clientCA: clientCA.map { ConfiguredFile(path: $0.path("ca.pem"), file: "(test)", line: 3) },
            requireClientCertificate: require)
    }

    /// The gateway's listener TLS, loaded as `splice serve` loads it.
    func listener(clientCA: DevCertificates? = nil, require: Bool = false) throws -> ListenerTLS {
        try ListenerTLS.load(listenerConfiguration(clientCA: clientCA, require: require))
    }

    /// A server configuration for an HTTPS emulator with this folder's server certificate.
    func serverConfiguration() throws -> TLSConfiguration {
        TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(path("server.pem")).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: path("server.key"), format: .pem)))
    }

    /// Runs `body` with an HTTPS client that trusts this CA only, presenting `identity`'s certificate (e.g.
    /// `edit-bay-1` of `identityFrom`, this folder by default) when given; shuts the client down afterwards.
    func withClient<T: Sendable>(
        identity: String? = nil, identityFrom: DevCertificates? = nil, _ body: (HTTPClient) async throws -> T
    ) async throws -> T {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path("ca.pem")))
        if let identity {
            let source = identityFrom ?? self
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(source.path("\(identity).pem")).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: source.path("\(identity).key"), format: .pem))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // Answers are checked as the gateway gave them (the console's 303s included).
        configuration.redirectConfiguration = .disallow
        // A refused handshake must fail the request at once, not be retried until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(client))
        } catch {
            result = .failure(error)
        }
        try await client.shutdown()
        return try result.get()
    }
}
