import ArgumentParser
import Foundation
import Logging
import ProviderEmulators
import SpliceCore
import SpliceServer
import SpliceEncoding
import Synchronization

/// `splice demo`: the gateway with one route per provider, each pointed at a built-in emulator of that
/// provider. No account, secret or file is needed, and it works from any directory.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the gateway against built-in provider emulators and print curl examples.")

    @Option(name: .long, help: "Address to listen on (default: 127.0.0.1).")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (default: 8080; 0 picks a free one).")
    var port: Int = 8080

    @Option(
        name: .long,
        help:
            "Port of the huawei-metastudio route's own passthrough listener, for Huawei's SDKs (default: --port + 1, or a free one when --port is 0; 0 picks a free one)."
    )
    var passthroughPort: Int?

    @Option(
        name: .long,
        help: "Config file (YAML) whose 'clients' (client keys) the demo requires; its other settings are not used.")
    var config: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if !(0...65535).contains(port) {
            throw ValidationError("--port must be between 0 and 65535")
        }
        if !(0...65535).contains(effectivePassthroughPort) {
            throw ValidationError("--passthrough-port must be between 0 and 65535")
        }
        if port != 0, effectivePassthroughPort == port {
            throw ValidationError("--passthrough-port must differ from --port")
        }
    }

    /// `--passthrough-port`, or the port after `--port` (a free one when `--port` is 0).
    var effectivePassthroughPort: Int {
        passthroughPort ?? (port == 0 ? 0 : port + 1)
    }

    func run() async throws {
        var clientKeys = ClientKeys.none
        if let config {
            do {
                let file = try ServerConfiguration.load(file: config)
                var directory = (config as NSString).deletingLastPathComponent
                if directory.isEmpty { directory = "." }
                clientKeys = ClientKeys(file.clients, environment: ProcessInfo.processInfo.environment, directory: directory)
            } catch {
                for problem in error.problems { printError(problem.description) }
                throw ExitCode(1)
            }
        }
        let logger = logging.bootstrap()
        var emulatorLogger = logger
        emulatorLogger.logLevel = .warning
        let host = self.host
        var server = ServerConfiguration()
        server.host = host
        server.port = port
        let passthrough = ListenAddress(host: host, port: effectivePassthroughPort)
        // A throwaway state store: the ledger and idempotency keys of this run only.
        let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "splice-demo-\(Hex.randomId().prefix(12))")
        do {
            try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        } catch {
            printError("splice: cannot create a temporary folder for the demo's state store: \(stateDirectory.path)")
            throw ExitCode(1)
        }
        defer { try? FileManager.default.removeItem(at: stateDirectory) }
        let stateFile = stateDirectory.appendingPathComponent(StateLocation.defaultFileName).path
        server.state = .sqlite(path: stateFile)
        let banner = DemoBanner(host: host, clientKeysFrom: clientKeys.required ? config : nil, stateFile: stateFile)
        do {
            try await withProviderEmulators(logger: emulatorLogger) { emulators in
                let loaded = LoadedConfiguration(
                    server: server, routeConfigurations: try DemoRoutes.make(emulators, huaweiListen: passthrough),
                    clientKeys: clientKeys)
                try await SpliceGateway.serve(
                    loaded, source: .fixed(loaded), environment: [:], warnAboutLiteralSecrets: false, logger: logger,
                    onListening: { port in banner.gatewayListening(port: port) },
                    onPassthroughListening: { _, port in banner.passthroughListening(port: port) })
            }
        } catch let error as ListenError {
            printError("splice: \(error)")
            throw ExitCode(2)
        } catch let error as StateOpenError {
            printError("splice: \(error)")
            throw ExitCode(1)
        }
    }
}

/// Prints the banner once the gateway and the Huawei route's own port both listen (either may be first).
final class DemoBanner: Sendable {
    private struct Ports {
        var gateway: Int?
        var passthrough: Int?
        var printed = false
    }

    let host: String
    /// The config file whose client keys the demo requires, if any.
    let clientKeysFrom: String?
    /// The temporary SQLite file of the demo's state store.
    let stateFile: String?
    private let ports = Mutex(Ports())

    init(host: String, clientKeysFrom: String?, stateFile: String? = nil) {
        self.host = host
        self.clientKeysFrom = clientKeysFrom
        self.stateFile = stateFile
    }

    func gatewayListening(port: Int) {
        update { $0.gateway = port }
    }

    func passthroughListening(port: Int) {
        update { $0.passthrough = port }
    }

    private func update(_ change: (inout Ports) -> Void) {
        let text: String? = ports.withLock { ports in
            change(&ports)
            guard !ports.printed, let gateway = ports.gateway, let passthrough = ports.passthrough else { return nil }
            ports.printed = true
            return DemoRoutes.banner(
                host: host, port: gateway, passthroughPort: passthrough, clientKeysFrom: clientKeysFrom,
                stateFile: stateFile)
        }
        // Written unbuffered: standard output may be a pipe or a file, and the examples must show now.
        if let text { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
    }
}

/// The demo's routes and the examples it prints.
enum DemoRoutes {
    /// One route per provider, named after it, with the emulators' (fake) credentials as literals.
    /// The huawei-metastudio route also listens on `huaweiListen` (Huawei's SDKs drop any path from their endpoint).
    static func make(_ emulators: RunningEmulators, huaweiListen: ListenAddress? = nil) throws -> [RouteConfiguration] {
        let credentials = emulators.credentials
        func route(
            _ provider: EmulatedProvider, _ values: [String: String], defaults: RouteConfiguration.Defaults = .init(),
            passthrough: PassthroughConfiguration = .init()
        ) throws -> RouteConfiguration {
            RouteConfiguration(
                name: provider.rawValue, provider: provider.rawValue,
                upstream: try UpstreamURL(parsing: emulators[provider].baseURL),
                credentials: values.mapValues(SecretReference.literal), defaults: defaults, timeout: .seconds(10),
                passthrough: passthrough, file: "(demo)")
        }
        return [
            try route(.spatialgen, ["appKey": credentials.spatialgenAppKey]),
            try route(.autorender, ["apiKey": credentials.autorenderAPIKey]),
            try route(
                .gjirafaVP, ["apiKey": credentials.gjirafaAPIKey, "scheme": credentials.gjirafaScheme],
                defaults: .init(projectId: "p1234567")),
            try route(
                .huaweiMetaStudio, ["accessKey": credentials.huaweiAccessKey, "secretKey": credentials.huaweiSecretKey],
                defaults: .init(projectId: huaweiProject), passthrough: .init(listen: huaweiListen)),
            try route(
                .tenovos,
                [
                    "apiKey": credentials.tenovosAPIKey, "username": credentials.tenovosUsername,
                    "password": credentials.tenovosPassword,
                ]),
        ]
    }

    /// The demo's MetaStudio project id (the route's `defaults.projectId`).
    static let huaweiProject = "6a6a1f8354f64dd9b9a614def7b59d83"

    /// The `/complete` examples, one per provider.
    static let examples: [(title: String, body: String)] = [
        (
            "SpatialGen (parts must be exactly 1…N)",
            #"{"route":"spatialgen","sessionId":"8c1d9f52-3a61-4f0e-9d47-2b7c5e0a1f33","uploadId":"402f0bda-a0fa-4551-ae28-7300ab6678dd","parts":[{"partNumber":1,"etag":"\"9b2cf535f27731c974343645a3985328\""},{"partNumber":2,"etag":"\"6f5902ac237024bdd0c176cb93063dc4\""}]}"#
        ),
        (
            "AutoRender (uploadId is the session_id)",
            #"{"route":"autorender","uploadId":"a1b2c3d4-e5f6-7890-abcd-ef1234567890"}"#
        ),
        (
            "GjirafaTech VP (projectId comes from the route's defaults)",
            #"{"route":"gjirafa-vp","uploadId":"rk-5f1c2a","parts":[{"partNumber":1,"etag":"e1"},{"partNumber":2,"etag":"e2"}]}"#
        ),
        (
            "Huawei MetaStudio (AK/SK-signed; projectId from the route's defaults; cancel and fail work too)",
            #"{"route":"huawei-metastudio","fileId":"24bad716-87b1-45e5-8912-6102f7693265","options":{"autoMetaAnalysis":true}}"#
        ),
        (
            "Tenovos (Splice logs in once and shares the session; action cancel works too)",
            #"{"route":"tenovos","fileId":"3f9e2c1a-77d0-4c55-9e1b-0c2d4b6a8e10","uploadId":"2~a8Yf3kQ","fileName":"trailer.mov","fileSize":314572800,"parts":[{"partNumber":1,"etag":"\"5d41402abc4b2a76b9719d911017c592\""},{"partNumber":2,"etag":"\"7d793037a0760186574b0282f2f435e7\""}]}"#
        ),
    ]

    /// A call in a provider's own API, sent through the route with dummy credentials.
    struct PassthroughExample {
        var title: String
        var method: String
        /// Below `http://HOST:PORT`, starting with the route's name.
        var path: String
        var headers: [String]
        var body: String?
    }

    /// The passthrough examples, one per provider: dummy credentials, which Splice replaces with the route's own.
    static let passthroughExamples: [PassthroughExample] = [
        PassthroughExample(
            title: "SpatialGen, its own complete call",
            method: "POST",
            path: "/spatialgen/api/videos/uploads/8c1d9f52-3a61-4f0e-9d47-2b7c5e0a1f33/files/402f0bda-a0fa-4551-ae28-7300ab6678dd/complete",
            headers: ["X-SPATIALGEN-APPKEY: dummy-key", "Content-Type: application/json"],
            body:
                #"{"parts":[{"partNumber":1,"etag":"\"9b2cf535f27731c974343645a3985328\""},{"partNumber":2,"etag":"\"6f5902ac237024bdd0c176cb93063dc4\""}]}"#
        ),
        PassthroughExample(
            title: "AutoRender, its own multipart start (complete is /autorender/api/v1/multipart/complete)",
            method: "POST",
            path: "/autorender/api/v1/multipart/start",
            headers: ["Authorization: Bearer dummy-key", "Content-Type: application/json"],
            body: #"{"file_name":"trailer.mp4","size":52428800,"format":"video/mp4"}"#
        ),
        PassthroughExample(
            title: "GjirafaTech VP, its own complete call",
            method: "PUT",
            path: "/gjirafa-vp/api/projects/p1234567/uploads/multipart-complete",
            headers: ["Authorization: Bearer dummy-key", "Content-Type: application/json"],
            body: #"{"requestKey":"rk-5f1c2a","parts":[{"partNumber":1,"eTag":"e1"},{"partNumber":2,"eTag":"e2"}]}"#
        ),
        PassthroughExample(
            title: "Huawei MetaStudio by hand: a dummy IAM token, Splice signs with the route's AK/SK",
            method: "POST",
            path: "/huawei-metastudio/v1/\(huaweiProject)/files/24bad716-87b1-45e5-8912-6102f7693265/complete",
            headers: ["X-Auth-Token: dummy-token", "Content-Type: application/json"],
            body: #"{"state":"CREATED"}"#
        ),
        PassthroughExample(
            title: "Tenovos, its own complete call (Splice answers /tenovos/auth/token itself, with placeholder tokens)",
            method: "POST",
            path: "/tenovos/asset/complete",
            headers: [
                "X-API-Key: dummy-key", "Authorization: dummy-id-token", "AccessToken: dummy-access-token",
                "Content-Type: application/json",
            ],
            body:
                #"{"fileId":"3f9e2c1a-77d0-4c55-9e1b-0c2d4b6a8e10","uploadId":"2~a8Yf3kQ","filename":"trailer.mov","filesize":314572800,"parts":[{"etag":"\"5d41402abc4b2a76b9719d911017c592\"","partNumber":1}],"action":"complete"}"#
        ),
    ]

    /// `http://HOST:PORT`, with an IPv6 host in brackets.
    static func baseURL(host: String, port: Int) -> String {
        "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    static func banner(
        host: String, port: Int, passthroughPort: Int, clientKeysFrom: String? = nil, stateFile: String? = nil
    ) -> String {
        let base = baseURL(host: host, port: port)
        let huaweiBase = baseURL(host: host, port: passthroughPort)
        var text = """

            Splice demo: the gateway listens on \(base), with one route per provider pointed at a
            built-in emulator of that provider (fake credentials, nothing leaves this machine).
            Routes: curl -s \(base)/routes
            Operator's page (routes, the last 15 minutes, the ledger): open \(base)/console in a browser
            Try one of these from another terminal; Ctrl-C stops the demo.

            """
        if let clientKeysFrom {
            text += """

                Client keys from \(clientKeysFrom) are required: add -H 'Authorization: Bearer <client key>' to
                /complete, and put the client key in the provider's own credential slot instead of the dummy
                values below (docs/passthrough.md). The operator's page asks for a client key.

                """
        }
        for example in examples {
            text += """

                # \(example.title)
                curl -s -X POST \(base)/complete -H 'Content-Type: application/json' \\
                  -d '\(example.body)'

                """
        }
        text += """

            Passthrough: every route also speaks its provider's own API at \(base)/{route}/...
            Any credentials do: Splice strips them and adds the route's real ones (docs/passthrough.md).
            Huawei MetaStudio passthrough port: \(huaweiBase)
            (Huawei's SDKs sign every request and drop any path from their endpoint: point one there with any
            AK/SK, e.g. Python MetaStudioClient.new_builder().with_endpoint("\(huaweiBase)").)

            """
        for example in passthroughExamples {
            text += "\n# \(example.title)\ncurl -s -X \(example.method) \(base)\(example.path)"
            for header in example.headers {
                text += " \\\n  -H '\(header)'"
            }
            if let body = example.body {
                text += " \\\n  -d '\(body)'"
            }
            text += "\n"
        }
        text += """

            Safe retries: send the same request twice with -H 'Idempotency-Key: demo-1' and the second answer is the
            first one again (Idempotent-Replayed: true), without calling the provider.
            Ledger of every call: curl -s '\(base)/ledger?limit=5'
            """
        if let stateFile {
            text += "\n(state store: a temporary SQLite file, \(stateFile), removed when the demo stops)\n"
        }
        return text
    }
}
