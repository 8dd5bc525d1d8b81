import ArgumentParser
import Foundation
import Logging
import ProviderEmulators
import SpliceCore
import SpliceServer

/// `splice demo`: the gateway with one route per provider, each pointed at a built-in emulator of that
/// provider. No account, secret or file is needed, and it works from any directory.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the gateway against built-in provider emulators and print curl examples.")

    @Option(name: .long, help: "Address to listen on (default: 127.0.0.1).")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (default: 8080).")
    var port: Int = 8080

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if !(0...65535).contains(port) {
            throw ValidationError("--port must be between 0 and 65535")
        }
    }

    func run() async throws {
        let logger = logging.bootstrap()
        var emulatorLogger = logger
        emulatorLogger.logLevel = .warning
        let host = self.host
        var server = ServerConfiguration()
        server.host = host
        server.port = port
        do {
            try await withProviderEmulators(logger: emulatorLogger) { emulators in
                try await SpliceGateway.serve(
                    configuration: server, routeConfigurations: DemoRoutes.make(emulators),
                    clientKeys: .none, environment: [:], warnAboutLiteralSecrets: false, logger: logger
                ) { port in
                    // Written unbuffered: standard output may be a pipe or a file, and the examples must show now.
                    FileHandle.standardOutput.write(Data((DemoRoutes.banner(host: host, port: port) + "\n").utf8))
                }
            }
        } catch let error as ListenError {
            printError("splice: \(error)")
            throw ExitCode(2)
        }
    }
}

/// The demo's routes and the examples it prints.
enum DemoRoutes {
    /// One route per provider, named after it, with the emulators' (fake) credentials as literals.
    static func make(_ emulators: RunningEmulators) throws -> [RouteConfiguration] {
        let credentials = emulators.credentials
        func route(_ provider: EmulatedProvider, _ values: [String: String], defaults: RouteConfiguration.Defaults = .init())
            throws -> RouteConfiguration
        {
            RouteConfiguration(
                name: provider.rawValue, provider: provider.rawValue,
                upstream: try UpstreamURL(parsing: emulators[provider].baseURL),
                credentials: values.mapValues(SecretReference.literal), defaults: defaults, timeout: .seconds(10),
                file: "(demo)")
        }
        return [
            try route(.spatialgen, ["appKey": credentials.spatialgenAppKey]),
            try route(.autorender, ["apiKey": credentials.autorenderAPIKey]),
            try route(
                .gjirafaVP, ["apiKey": credentials.gjirafaAPIKey, "scheme": credentials.gjirafaScheme],
                defaults: .init(projectId: "p1234567")),
            try route(
                .huaweiMetaStudio, ["accessKey": credentials.huaweiAccessKey, "secretKey": credentials.huaweiSecretKey],
                defaults: .init(projectId: "6a6a1f8354f64dd9b9a614def7b59d83")),
            try route(
                .tenovos,
                [
                    "apiKey": credentials.tenovosAPIKey, "username": credentials.tenovosUsername,
                    "password": credentials.tenovosPassword,
                ]),
        ]
    }

    /// The examples, one per provider.
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

    static func banner(host: String, port: Int) -> String {
        let base = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        var text = """

            Splice demo: the gateway listens on \(base), with one route per provider pointed at a
            built-in emulator of that provider (fake credentials, nothing leaves this machine).
            Routes: curl -s \(base)/routes
            Try one of these from another terminal; Ctrl-C stops the demo.

            """
        for example in examples {
            text += """

                # \(example.title)
                curl -s -X POST \(base)/complete -H 'Content-Type: application/json' \\
                  -d '\(example.body)'

                """
        }
        return text
    }
}
