import Yams

extension RouteConfiguration {
    static let passthroughKeys = ["listen", "allow"]

    /// Route names that would hide one of the gateway's own endpoints (`/{route}/…` is the passthrough).
    package static let reservedNames: Set<String> = [
        "complete", "routes", "livez", "readyz", "metrics", "openapi.json", "ledger", "console", "admin",
    ]

    /// `passthrough: false`, `passthrough: true`, or `passthrough: {listen, allow}`.
    static func parsePassthrough(_ node: Node, reader: inout YAMLReader) -> PassthroughConfiguration? {
        if let scalar = node.scalar, scalar.style == .plain, ["true", "false"].contains(scalar.string) {
            return PassthroughConfiguration(enabled: scalar.string == "true")
        }
        guard let members = reader.mapping(node, what: "'passthrough' (false, or {listen, allow})") else { return nil }
        var configuration = PassthroughConfiguration()
        for member in members {
            switch member.key {
            case "listen":
                guard let text = reader.string(member.value, key: "passthrough.listen") else { continue }
                guard let address = ListenAddress(parsing: text) else {
                    reader.report(member.value, "'passthrough.listen' must be HOST:PORT, e.g. 127.0.0.1:9101")
                    continue
                }
                configuration.listen = address
            case "allow":
                guard let patterns = reader.stringList(member.value, key: "passthrough.allow") else { continue }
                for pattern in patterns {
                    guard let rule = PassthroughRule(parsing: pattern) else {
                        reader.report(
                            member.value,
                            "'passthrough.allow' pattern '\(pattern)' must be 'METHOD /path' (METHOD or * ; * one segment, ** the rest)")
                        continue
                    }
                    configuration.allow.append(rule)
                }
            default:
                reader.reportUnknownKey(member.key, at: member.keyNode, known: passthroughKeys, in: "'passthrough'")
            }
        }
        return configuration
    }
}
