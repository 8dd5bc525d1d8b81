import ArgumentParser
import Foundation
import Logging
import SpliceCore
import SpliceServer

/// `splice`: the gateway's command line.
@main
struct SpliceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "splice",
        abstract: "One POST /complete for every upload provider: Splice translates, signs and normalizes.",
        version: SpliceVersion.current,
        subcommands: [ServeCommand.self, DemoCommand.self, CheckCommand.self, LedgerCommand.self])

    /// Runs a command with the contract's exit codes: 0 success, 1 invalid configuration or usage,
    /// 2 could not bind/listen (ArgumentParser alone would answer 64 for usage errors).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(code == .validationFailure ? 1 : code.rawValue)
        }
    }
}

/// Where `serve` and `check` read their configuration.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "Directory of route files (default: routes; overrides the config file's 'routes').")
    var routes: String?

    @Option(name: .long, help: "Config file (YAML); flags override it.")
    var config: String?

    /// Reads the config file and the route files, with these flags (and `host`, `port`) applied over the file.
    func load(host: String? = nil, port: Int? = nil) throws(ConfigurationError) -> LoadedConfiguration {
        try source(host: host, port: port).read()
    }

    /// The same files and flags, read again at every reload.
    func source(host: String? = nil, port: Int? = nil) -> ConfigurationSource {
        .files(config: config, routes: routes, host: host, port: port, environment: ProcessInfo.processInfo.environment)
    }
}

/// Options every serving command shares.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(name: .long, help: "Log format: text or json (default: text; overrides the config file's 'logFormat').")
    var logFormat: String?

    func validate() throws {
        if let logFormat, LogFormat(rawValue: logFormat) == nil {
            throw ValidationError("--log-format must be text or json")
        }
    }

    /// Logs go to standard error as one line each (text or one JSON object), every value quoted and escaped where
    /// needed (so that a client's request id cannot forge a field); no secret is ever logged. `--log-format`
    /// wins over `configured` (the config file's `logFormat`).
    func bootstrap(configured: LogFormat = .text) -> Logger {
        let level = logLevel
        let format = logFormat.flatMap(LogFormat.init(rawValue:)) ?? configured
        LoggingSystem.bootstrap { label in
            TextLogHandler(label: label, logLevel: level, format: format)
        }
        var logger = Logger(label: "splice")
        logger.logLevel = level
        return logger
    }
}

// Neither swift-log nor ArgumentParser knows the other, so neither can ever declare this conformance.
// swift-format-ignore: AvoidRetroactiveConformances
extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
