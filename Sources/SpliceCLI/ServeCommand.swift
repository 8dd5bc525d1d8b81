import ArgumentParser
import Foundation
import SpliceCore
import SpliceServer

/// `splice serve`: runs the gateway.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway.")

    @OptionGroup var configurationFiles: ConfigurationOptions

    @Option(name: .long, help: "Address to listen on (default: 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (default: 8080).")
    var port: Int?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let port, !(0...65535).contains(port) {
            throw ValidationError("--port must be between 0 and 65535")
        }
    }

    func run() async throws {
        let loaded: LoadedConfiguration
        do {
            loaded = try configurationFiles.load(host: host, port: port)
        } catch {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(1)
        }
        let logger = logging.bootstrap(configured: loaded.server.logFormat)
        do {
            try await SpliceGateway.serve(
                loaded, source: configurationFiles.source(host: host, port: port),
                environment: ProcessInfo.processInfo.environment, logger: logger)
        } catch let error as ListenError {
            printError("splice: \(error)")
            throw ExitCode(2)
        } catch let error as ConfigurationError {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(1)
        } catch let error as StateOpenError {
            printError("splice: \(error)")
            throw ExitCode(1)
        }
    }
}
