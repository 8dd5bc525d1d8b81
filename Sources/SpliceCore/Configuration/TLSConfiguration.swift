import Yams

/// A file named in a configuration file: its path (resolved against that file's folder) and where it was named,
/// so that a problem found when the file is read points at the line that names it.
package struct ConfiguredFile: Sendable, Equatable {
    package var path: String
    /// The configuration file that names it, and the line of its key.
    package var file: String
    package var line: Int

    package init(path: String, file: String, line: Int) {
        self.path = path
        self.file = file
        self.line = line
    }

    /// `FILE:LINE: message` at the key that names this file.
    package func problem(_ message: String) -> ConfigurationProblem {
        ConfigurationProblem(file: file, line: line, message: message)
    }
}

/// The listener's TLS (`tls:` in the config file). With it Splice serves HTTPS only (TLS 1.2 or later), on the main
/// listener and on every `passthrough.listen` listener. Changing it needs a restart; it is `Equatable` so that a
/// reload can tell.
package struct ListenerTLSConfiguration: Sendable, Equatable {
    /// The server's certificate chain (PEM), the server's own certificate first.
    package var certificate: ConfiguredFile
    /// The certificate's private key (PEM).
    package var privateKey: ConfiguredFile
    /// When set, clients are asked for a certificate, and one that is presented must verify against this CA (PEM).
    package var clientCA: ConfiguredFile?
    /// Refuse a connection without a client certificate (needs `clientCA`).
    package var requireClientCertificate: Bool

    package init(
        certificate: ConfiguredFile, privateKey: ConfiguredFile, clientCA: ConfiguredFile? = nil,
        requireClientCertificate: Bool = false
    ) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.clientCA = clientCA
        self.requireClientCertificate = requireClientCertificate
    }

    /// What a reload compares (the files read at start-up, and whether a certificate is required), whatever the
    /// lines that name them.
    package var files: [String] {
        [certificate.path, privateKey.path, clientCA?.path ?? "-", requireClientCertificate ? "required" : "optional"]
    }

    static let keys = ["certificate", "privateKey", "clientCA", "requireClientCertificate"]

    /// `tls: {certificate, privateKey, clientCA, requireClientCertificate}`; `nil` when invalid (problems recorded).
    static func parse(_ node: Node, directory: String, reader: inout YAMLReader) -> ListenerTLSConfiguration? {
        guard let entries = reader.mapping(node, what: "'tls'") else { return nil }
        var certificate: ConfiguredFile?
        var privateKey: ConfiguredFile?
        var clientCA: ConfiguredFile?
        var require = false
        var requireNode: Node?
        for entry in entries {
            switch entry.key {
            case "certificate":
                certificate = reader.configuredFile(entry.value, key: "tls.certificate", directory: directory)
            case "privateKey":
                privateKey = reader.configuredFile(entry.value, key: "tls.privateKey", directory: directory)
            case "clientCA":
                clientCA = reader.configuredFile(entry.value, key: "tls.clientCA", directory: directory)
            case "requireClientCertificate":
                requireNode = entry.value
                guard let value = reader.boolean(entry.value, key: "tls.requireClientCertificate") else { continue }
                require = value
            default:
                reader.reportUnknownKey(entry.key, at: entry.keyNode, known: keys, in: "'tls'")
            }
        }
        if require && clientCA == nil && !entries.contains(where: { $0.key == "clientCA" }) {
            reader.report(requireNode, "'tls.requireClientCertificate' needs 'tls.clientCA' (the CA client certificates must verify against)")
        }
        for required in ["certificate", "privateKey"] where !entries.contains(where: { $0.key == required }) {
            reader.report(node, "'tls' needs '\(required)'")
        }
        guard let certificate, let privateKey else { return nil }
        return ListenerTLSConfiguration(
            certificate: certificate, privateKey: privateKey, clientCA: clientCA, requireClientCertificate: require)
    }
}

/// A route's trust for its upstream (`tls:` in the route file): a CA trusted in addition to the system's (a
/// TLS-inspecting proxy's). Certificate verification itself is never turned off.
package struct UpstreamTLSConfiguration: Sendable, Equatable {
    /// CA certificates (PEM), relative to the route file.
    package var ca: ConfiguredFile

    package init(ca: ConfiguredFile) {
        self.ca = ca
    }

    static let keys = ["ca"]

    static func parse(_ node: Node, directory: String, reader: inout YAMLReader) -> UpstreamTLSConfiguration? {
        guard let entries = reader.mapping(node, what: "'tls'") else { return nil }
        var ca: ConfiguredFile?
        for entry in entries {
            guard entry.key == "ca" else {
                reader.reportUnknownKey(entry.key, at: entry.keyNode, known: keys, in: "'tls'")
                continue
            }
            ca = reader.configuredFile(entry.value, key: "tls.ca", directory: directory)
        }
        if !entries.contains(where: { $0.key == "ca" }) {
            reader.report(node, "'tls' needs 'ca'")
        }
        return ca.map(UpstreamTLSConfiguration.init)
    }
}

extension YAMLReader {
    /// A path, resolved against `directory` unless absolute, remembered with the line of its value.
    mutating func configuredFile(_ node: Node, key: String, directory: String) -> ConfiguredFile? {
        guard let path = string(node, key: key) else { return nil }
        guard !path.isEmpty else {
            report(node, "'\(key)' must name a file")
            return nil
        }
        let resolved = path.hasPrefix("/") ? path : (directory.hasSuffix("/") ? directory : directory + "/") + path
        return ConfiguredFile(path: resolved, file: file, line: node.mark?.line ?? 1)
    }

    /// A plain `true` or `false`.
    mutating func boolean(_ node: Node, key: String) -> Bool? {
        guard let scalar = node.scalar, scalar.style == .plain, let value = Bool(scalar.string) else {
            report(node, "'\(key)' must be true or false")
            return nil
        }
        return value
    }
}
