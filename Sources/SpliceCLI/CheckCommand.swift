import ArgumentParser
import Foundation
import SpliceCore
import SpliceServer

/// `splice check`: validates configuration without serving. Never prints a secret.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the routes (and config file) and say which routes are ready.")

    @OptionGroup var configurationFiles: ConfigurationOptions

    func run() async throws {
        let loaded: LoadedConfiguration
        do {
            loaded = try configurationFiles.load()
        } catch {
            for problem in error.problems { print(problem.description) }
            throw ExitCode(1)
        }
        // Resolving needs no network: authenticators are built but not used.
        let table = RouteTable.resolve(
            loaded.routeConfigurations, environment: ProcessInfo.processInfo.environment, transport: NoTransport())
        print(CheckReport.lines(for: table, clientKeys: loaded.clientKeys).joined(separator: "\n"))
    }
}

/// The text `splice check` prints.
enum CheckReport {
    static func lines(for table: RouteTable, clientKeys: ClientKeys) -> [String] {
        var lines: [String] = []
        if table.routes.isEmpty {
            lines.append("no routes: add a *.yaml file per route to the routes directory")
        }
        let rows = table.routes.map { route in
            [
                route.name, route.provider.name, route.configuration.upstream.description,
                route.provider.actions.map(\.rawValue).joined(separator: ","),
                route.unavailableReason.map { "not ready: \($0)" } ?? "ready",
            ]
        }
        // Columns aligned; the last one (ready or why not) is left as it is.
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let padded = (0..<4).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
            lines.append((padded + [row[4]]).joined(separator: "  "))
        }
        for warning in table.warnings {
            lines.append("warning: \(warning.description)")
        }
        if clientKeys.required {
            lines.append("client keys: required (\(clientKeys.unresolved.isEmpty ? "all resolved" : "some unresolved"))")
            for client in clientKeys.unresolved {
                lines.append("warning: client '\(client.name)' cannot authenticate: \(client.reason)")
            }
        }
        return lines
    }
}

/// `check` resolves credentials without sending anything.
struct NoTransport: UpstreamTransport {
    func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse {
        throw UpstreamTransportError.unreachable(reason: "splice check sends nothing")
    }
}
