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
        var clientsNode: Node?
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
                clientsNode = member.value
                (configuration.clients, configuration.certificateClients) = parseClients(member.value, reader: &reader)
            case "tls":
                configuration.tls = ListenerTLSConfiguration.parse(member.value, directory: directory, reader: &reader)
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
        // A certificate is only ever asked for, and verified, with a client CA.
        if !configuration.certificateClients.isEmpty && configuration.tls?.clientCA == nil && reader.problems.isEmpty {
            reader.report(clientsNode, "clients identified by 'certificate' need 'tls.clientCA' (the CA their certificates verify against)")
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

    private static func parseClients(
        _ node: Node, reader: inout YAMLReader
    ) -> (keys: [ClientKeyConfiguration], certificates: [ClientCertificateConfiguration]) {
        guard case .sequence(let sequence) = node else {
            reader.report(node, "'clients' must be a list of {name, key or certificate, routes}")
            return ([], [])
        }
        var clients: [ClientKeyConfiguration] = []
        var certificates: [ClientCertificateConfiguration] = []
        for element in sequence {
            guard let entries = reader.mapping(element, what: "a client") else { continue }
            var name: String?
            var key: SecretReference?
            var match: CertificateMatch?
            var routes: Set<String>?
            for entry in entries {
                switch entry.key {
                case "name": name = reader.string(entry.value, key: "name")
                case "key":
                    guard let text = reader.string(entry.value, key: "key") else { continue }
                    do { key = try SecretReference(parsing: text) } catch { reader.report(entry.value, "'key': \(error.reason)") }
                case "certificate": match = parseCertificateMatch(entry.value, reader: &reader)
                case "routes": routes = reader.stringList(entry.value, key: "routes").map(Set.init)
                default: reader.reportUnknownKey(entry.key, at: entry.keyNode, known: clientKeys, in: "a client")
                }
            }
            let hasKey = entries.contains { $0.key == "key" }
            let hasCertificate = entries.contains { $0.key == "certificate" }
            guard hasKey != hasCertificate else {
                reader.report(element, "a client needs exactly one of 'key' or 'certificate'")
                continue
            }
            guard let name else {
                reader.report(element, "a client needs 'name' and 'key' (or 'certificate')")
                continue
            }
            if let key {
                clients.append(ClientKeyConfiguration(name: name, key: key, routes: routes))
            } else if let match {
                certificates.append(ClientCertificateConfiguration(name: name, match: match, routes: routes))
            }
        }
        return (clients, certificates)
    }

    /// `certificate: {subject: "CN=…"}` or `{san: "…"}`: exactly one of the two.
    private static func parseCertificateMatch(_ node: Node, reader: inout YAMLReader) -> CertificateMatch? {
        guard let entries = reader.mapping(node, what: "a client's 'certificate'") else { return nil }
        var match: CertificateMatch?
        for entry in entries {
            switch entry.key {
            case "subject":
                guard let subject = reader.string(entry.value, key: "certificate.subject") else { continue }
                guard subject.contains("=") else {
                    reader.report(entry.value, "'certificate.subject' must be a distinguished name such as \"CN=edit-bay-3\"")
                    continue
                }
                match = .subject(subject)
            case "san":
                guard let san = reader.string(entry.value, key: "certificate.san") else { continue }
                guard !san.isEmpty else {
                    reader.report(entry.value, "'certificate.san' must not be empty")
                    continue
                }
                match = .san(san)
            default:
                reader.reportUnknownKey(entry.key, at: entry.keyNode, known: clientCertificateKeys, in: "a client's 'certificate'")
            }
        }
        guard entries.count == 1, entries[0].key == "subject" || entries[0].key == "san" else {
            if entries.count != 1 { reader.report(node, "a client's 'certificate' needs exactly one of 'subject' or 'san'") }
            return nil
        }
        return match
    }
}
