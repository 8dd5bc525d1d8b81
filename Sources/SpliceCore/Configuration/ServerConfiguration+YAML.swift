import Foundation
import Yams

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
        configuration.state = StateLocation.defaultLocation(directory: directory)
        configuration.configDirectory = directory
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
            case let key where ConnectionLimits.keys.contains(key):
                configuration.connections.parse(key, member.value, reader: &reader)
            case "clients":
                configuration.clients = parseClients(member.value, reader: &reader)
            case "state":
                guard let text = reader.string(member.value, key: "state") else { continue }
                do {
                    configuration.state = try StateLocation(parsing: text, relativeTo: directory)
                } catch {
                    reader.report(member.value, "'state': \(error.reason)")
                }
            case "logFormat":
                guard let text = reader.string(member.value, key: "logFormat") else { continue }
                guard let format = LogFormat(rawValue: text) else {
                    reader.report(member.value, "'logFormat' must be text or json")
                    continue
                }
                configuration.logFormat = format
            case "idempotency":
                if let ttl = parseIdempotency(member.value, reader: &reader) { configuration.idempotencyTTL = ttl }
            default:
                reader.reportUnknownKey(member.key, at: member.keyNode, known: keys, in: "the config file")
            }
        }
        guard reader.problems.isEmpty else { throw ConfigurationError(reader.problems) }
        return configuration
    }

    /// `idempotency: {ttlSeconds: N}`; `nil` when absent or invalid (a problem is recorded for the latter).
    private static func parseIdempotency(_ node: Node, reader: inout YAMLReader) -> Duration? {
        guard let entries = reader.mapping(node, what: "'idempotency'") else { return nil }
        var ttl: Duration?
        for entry in entries {
            switch entry.key {
            case "ttlSeconds":
                guard let seconds = reader.integer(entry.value, key: "ttlSeconds") else { continue }
                guard (1...maximumIdempotencyTTLSeconds).contains(seconds) else {
                    reader.report(entry.value, "'ttlSeconds' must be between 1 and \(maximumIdempotencyTTLSeconds)")
                    continue
                }
                ttl = .seconds(seconds)
            default:
                reader.reportUnknownKey(entry.key, at: entry.keyNode, known: idempotencyKeys, in: "'idempotency'")
            }
        }
        return ttl
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
