import ArgumentParser
import Foundation
import Logging
import SpliceCore
import SpliceServer

/// `splice ledger`: the egress ledger from the configured state store, newest first.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Print the egress ledger (every call on /complete and passthrough), newest first.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table
        case json
    }

    @Option(name: .long, help: "Config file (YAML) naming the state store (default: splice-state.db here).")
    var config: String?

    @Option(name: .long, help: "Only this route's entries.")
    var route: String?

    @Option(name: .long, help: "Only this client's entries.")
    var client: String?

    @Option(name: .long, help: "Entries at or after this RFC 3339 time, e.g. 2026-12-01T09:30:00Z.")
    var since: String?

    @Option(name: .long, help: "At most this many entries (default 100, at most 1000).")
    var limit: Int?

    @Option(name: .long, help: "table, or json (one object per line).")
    var format: Format = .table

    func run() async throws {
        let query: LedgerQuery
        switch LedgerQuery.parse(route: route, client: client, since: since, limit: limit.map(String.init)) {
        case .success(let parsed): query = parsed
        case .failure(let error):
            printError("splice: \(error.message)")
            throw ExitCode(1)
        }
        var server = ServerConfiguration()
        if let config {
            do {
                server = try ServerConfiguration.load(file: config)
            } catch {
                for problem in error.problems { printError(problem.description) }
                throw ExitCode(1)
            }
        }
        var logger = Logger(label: "splice")
        logger.logLevel = .error
        let service: StateService
        do {
            service = try await StateService.open(
                server.state, idempotencyTTL: server.idempotencyTTL, environment: ProcessInfo.processInfo.environment,
                configDirectory: server.configDirectory, logger: logger)
        } catch {
            printError("splice: \(error)")
            throw ExitCode(1)
        }
        let entries: [LedgerEntry]
        do throws(StateStoreError) {
            entries = try await service.state.store.ledger(query)
        } catch {
            await service.state.store.shutdown()
            printError("splice: the state store is unavailable: \(error.reason)")
            throw ExitCode(1)
        }
        await service.state.store.shutdown()
        switch format {
        case .json:
            for entry in entries { print(String(decoding: entry.json.serialized(), as: UTF8.self)) }
        case .table:
            print(Self.table(entries))
        }
    }

    /// A fixed-width table, one row per entry; `-` where a field is absent.
    static func table(_ entries: [LedgerEntry]) -> String {
        let header = ["time", "client", "route", "kind", "action", "id", "outcome", "http", "upstream", "tries", "ms"]
        let rows = entries.map { entry -> [String] in
            [
                LedgerEntry.timestamp(entry.time), entry.client ?? "-", entry.route ?? "-", entry.kind.rawValue,
                entry.action, entry.uploadId ?? entry.fileId ?? "-", entry.outcome + (entry.replayed ? " (replayed)" : ""),
                String(entry.httpStatus), entry.upstreamStatus.map(String.init) ?? "-", String(entry.attempts),
                String((entry.totalMs * 10).rounded() / 10),
            ].map(CompleteRequest.printable)
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
