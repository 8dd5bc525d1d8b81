import Crypto
import Foundation
import Yams

/// Settings of `splice serve`: from the `--config` file, overridden by command-line flags.
package struct ServerConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = 8080
    package var routesDirectory = "routes"
    /// How long in-flight requests may take to finish after SIGTERM/SIGINT.
    package var shutdownGrace: Duration = .seconds(10)
    /// Client keys; when any are configured, every `/complete` and `/routes` request must present one.
    package var clients: [ClientKeyConfiguration] = []
    /// Client connections: idle and read timeouts, and how many may be open at once.
    package var connections = ConnectionLimits()

    package static let maximumRequestBytes = 2 * 1024 * 1024

    package init() {}

    static let keys = ["host", "port", "routes", "shutdownGraceSeconds", "clients"] + ConnectionLimits.keys
    static let clientKeys = ["name", "key", "routes"]
}

/// One client allowed to call Splice, from the config file's `clients` list.
package struct ClientKeyConfiguration: Sendable {
    package var name: String
    package var key: SecretReference
    /// `nil`: every route.
    package var routes: Set<String>?

    package init(name: String, key: SecretReference, routes: Set<String>? = nil) {
        self.name = name
        self.key = key
        self.routes = routes
    }
}

extension ServerConfiguration {
    /// Reads a config file. Relative paths in it (`routes`) are relative to the file's folder.
    package static func load(file: String) throws(ConfigurationError) -> ServerConfiguration {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError([ConfigurationProblem(file: file, line: 1, message: "cannot be read")])
        }
        let directory = (file as NSString).deletingLastPathComponent
        return try parse(yaml: text, file: file, directory: directory.isEmpty ? "." : directory)
    }

    package static func parse(yaml text: String, file: String, directory: String) throws(ConfigurationError)
        -> ServerConfiguration
    {
        var reader = YAMLReader(file: file)
        var configuration = ServerConfiguration()
        guard let root = reader.compose(text) else {
            guard reader.problems.isEmpty else { throw ConfigurationError(reader.problems) }
            return configuration  // an empty file: all defaults
        }
        guard let members = reader.mapping(root, what: "the config file") else { throw ConfigurationError(reader.problems) }
        for member in members {
            switch member.key {
            case "host":
                if let host = reader.string(member.value, key: "host") { configuration.host = host }
            case "port":
                guard let port = reader.integer(member.value, key: "port") else { continue }
                guard (0...65535).contains(port) else {
                    reader.report(member.value, "'port' must be between 0 and 65535")
                    continue
                }
                configuration.port = port
            case "routes":
                guard let path = reader.string(member.value, key: "routes") else { continue }
                configuration.routesDirectory = path.hasPrefix("/") ? path : directory + "/" + path
            case "shutdownGraceSeconds":
                guard let seconds = reader.number(member.value, key: "shutdownGraceSeconds") else { continue }
                guard (0...600).contains(seconds) else {
                    reader.report(member.value, "'shutdownGraceSeconds' must be between 0 and 600")
                    continue
                }
                configuration.shutdownGrace = .milliseconds(Int(seconds * 1000))
            case "clients":
                configuration.clients = parseClients(member.value, reader: &reader)
            case let key where ConnectionLimits.keys.contains(key):
                configuration.connections.parse(key, member.value, reader: &reader)
            default:
                reader.reportUnknownKey(member.key, at: member.keyNode, known: keys, in: "the config file")
            }
        }
        guard reader.problems.isEmpty else { throw ConfigurationError(reader.problems) }
        return configuration
    }

    private static func parseClients(_ node: Node, reader: inout YAMLReader) -> [ClientKeyConfiguration] {
        guard case .sequence(let sequence) = node else {
            reader.report(node, "'clients' must be a list of {name, key, routes}")
            return []
        }
        var clients: [ClientKeyConfiguration] = []
        for element in sequence {
            guard let entries = reader.mapping(element, what: "a client") else { continue }
            var name: String?
            var key: SecretReference?
            var routes: Set<String>?
            for entry in entries {
                switch entry.key {
                case "name": name = reader.string(entry.value, key: "name")
                case "key":
                    guard let text = reader.string(entry.value, key: "key") else { continue }
                    do { key = try SecretReference(parsing: text) } catch { reader.report(entry.value, "'key': \(error.reason)") }
                case "routes": routes = reader.stringList(entry.value, key: "routes").map(Set.init)
                default: reader.reportUnknownKey(entry.key, at: entry.keyNode, known: clientKeys, in: "a client")
                }
            }
            guard let name, let key else {
                reader.report(element, "a client needs 'name' and 'key'")
                continue
            }
            clients.append(ClientKeyConfiguration(name: name, key: key, routes: routes))
        }
        return clients
    }
}

/// The resolved client keys, compared by SHA-256 digest in constant time.
package struct ClientKeys: Sendable {
    struct Entry: Sendable {
        var name: String
        var digest: [UInt8]
        var access: ClientAccess
    }

    let entries: [Entry]
    /// Whether clients must authenticate (any client is configured, resolved or not).
    package let required: Bool
    /// Clients whose key reference did not resolve (they cannot authenticate), with the reason.
    package let unresolved: [(name: String, reason: String)]

    package static let none = ClientKeys(entries: [], required: false, unresolved: [])

    init(entries: [Entry], required: Bool, unresolved: [(name: String, reason: String)]) {
        self.entries = entries
        self.required = required
        self.unresolved = unresolved
    }

    package init(_ configurations: [ClientKeyConfiguration], environment: [String: String], directory: String) {
        var entries: [Entry] = []
        var unresolved: [(name: String, reason: String)] = []
        for client in configurations {
            switch client.key.resolve(environment: environment, relativeTo: directory, allowEmpty: false) {
            case .success(let key):
                entries.append(
                    Entry(
                        name: client.name, digest: Array(SHA256.hash(data: Array(key.utf8))),
                        access: client.routes.map(ClientAccess.routes) ?? .allRoutes))
            case .failure(let failure):
                unresolved.append((name: client.name, reason: failure.reason))
            }
        }
        self.init(entries: entries, required: !configurations.isEmpty, unresolved: unresolved)
    }

    /// The access granted to a presented key, or `nil` when it matches no client.
    package func access(forKey key: String) -> (name: String, access: ClientAccess)? {
        let digest = Array(SHA256.hash(data: Array(key.utf8)))
        var found: (name: String, access: ClientAccess)?
        // Compare against every entry, without early exit, so timing does not reveal which key matched.
        for entry in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, digest) { difference |= a ^ b }
            if difference == 0 && found == nil { found = (entry.name, entry.access) }
        }
        return found
    }
}

/// Limits on client connections (config file keys `idleTimeoutSeconds`, `requestReadTimeoutSeconds`,
/// `maximumConnections`).
package struct ConnectionLimits: Sendable, Equatable {
    /// A connection with no request in progress is closed after this long.
    package var idleTimeout: Duration = .seconds(60)
    /// A request's head and body must arrive within this long of its first byte.
    package var requestReadTimeout: Duration = .seconds(30)
    /// At most this many client connections are open at once (further ones wait to be accepted).
    package var maximumConnections = 10_000

    package init() {}

    static let keys = ["idleTimeoutSeconds", "requestReadTimeoutSeconds", "maximumConnections"]

    mutating func parse(_ key: String, _ node: Node, reader: inout YAMLReader) {
        switch key {
        case "maximumConnections":
            guard let value = reader.integer(node, key: key) else { return }
            guard (1...1_000_000).contains(value) else {
                reader.report(node, "'maximumConnections' must be between 1 and 1000000")
                return
            }
            maximumConnections = value
        default:
            let range: ClosedRange<Double> = key == "idleTimeoutSeconds" ? 0.1...3600 : 0.1...600
            guard let seconds = reader.number(node, key: key) else { return }
            guard range.contains(seconds) else {
                reader.report(node, "'\(key)' must be between \(range.lowerBound) and \(Int(range.upperBound))")
                return
            }
            let duration = Duration.milliseconds(Int(seconds * 1000))
            if key == "idleTimeoutSeconds" { idleTimeout = duration } else { requestReadTimeout = duration }
        }
    }
}
