import Yams

extension RouteConfiguration {
    static let topLevelKeys = [
        "provider", "upstream", "credentials", "defaults", "timeoutSeconds", "maxConnections", "retries", "passthrough", "options", "tls",
    ]
    static let defaultsKeys = ["projectId"]
    static let retriesKeys = ["attempts", "maxDelaySeconds"]

    /// Reads one route file. Every problem found is returned, each with its line.
    package static func parse(
        yaml text: String, name: String, file: String, directory: String, registry: ProviderRegistry
    ) -> Result<RouteConfiguration, ConfigurationError> {
        var reader = YAMLReader(file: file)
        guard RouteConfiguration.isValidName(name) else {
            reader.report(nil, "route name '\(name)' must match [a-z0-9][a-z0-9-]{0,62} (it is the file name)")
            return .failure(ConfigurationError(reader.problems))
        }
        guard !reservedNames.contains(name) else {
            reader.report(nil, "route name '\(name)' is reserved: /\(name) is one of Splice's own endpoints; rename the file")
            return .failure(ConfigurationError(reader.problems))
        }
        guard let root = reader.compose(text) else {
            if reader.problems.isEmpty {
                reader.report(nil, "the file is empty: a route needs provider, upstream and credentials")
            }
            return .failure(ConfigurationError(reader.problems))
        }
        guard let members = reader.mapping(root, what: "a route file") else {
            return .failure(ConfigurationError(reader.problems))
        }

        var providerName: String?
        var provider: (any Provider)?
        var upstream: UpstreamURL?
        var credentials: [String: SecretReference] = [:]
        var credentialsNode: Node?
        var defaults = Defaults()
        var timeout = defaultTimeout
        var maxConnections = defaultMaxConnections
        var retries = Retries()
        var passthrough = PassthroughConfiguration()
        var options: [String: String] = [:]
        var optionsNode: Node?
        var tls: UpstreamTLSConfiguration?

        for member in members {
            switch member.key {
            case "provider":
                guard let value = reader.string(member.value, key: "provider") else { continue }
                guard let found = registry.provider(named: value) else {
                    reader.report(
                        member.value,
                        "unknown provider '\(value)' (expected one of: \(registry.names.joined(separator: ", ")))")
                    continue
                }
                providerName = value
                provider = found
            case "upstream":
                guard let value = reader.string(member.value, key: "upstream") else { continue }
                do {
                    let url = try UpstreamURL(parsing: value)
                    if url.scheme == .http && !url.isLoopback {
                        reader.report(member.value, "'upstream' must use https:// (http:// is allowed only for loopback hosts)")
                    } else {
                        upstream = url
                    }
                } catch {
                    reader.report(member.value, "'upstream' \(error.reason)")
                }
            case "credentials":
                credentialsNode = member.value
            case "defaults":
                guard let entries = reader.mapping(member.value, what: "'defaults'") else { continue }
                for entry in entries {
                    guard entry.key == "projectId" else {
                        reader.reportUnknownKey(entry.key, at: entry.keyNode, known: defaultsKeys, in: "'defaults'")
                        continue
                    }
                    guard let value = reader.string(entry.value, key: "defaults.projectId") else { continue }
                    guard CompleteRequest.idLengthRange.contains(value.count) else {
                        reader.report(entry.value, "'defaults.projectId' must be 1 to 512 characters long")
                        continue
                    }
                    defaults.projectId = value
                }
            case "timeoutSeconds":
                guard let seconds = reader.number(member.value, key: "timeoutSeconds") else { continue }
                guard timeoutRange.contains(seconds) else {
                    reader.report(member.value, "'timeoutSeconds' must be between 0.1 and 600")
                    continue
                }
                timeout = .milliseconds(Int((seconds * 1000).rounded()))
            case "maxConnections":
                guard let count = reader.integer(member.value, key: "maxConnections") else { continue }
                guard maxConnectionsRange.contains(count) else {
                    reader.report(member.value, "'maxConnections' must be between 1 and 10000")
                    continue
                }
                maxConnections = count
            case "retries":
                if let parsed = parseRetries(member.value, reader: &reader) { retries = parsed }
            case "passthrough":
                if let parsed = parsePassthrough(member.value, reader: &reader) { passthrough = parsed }
            case "options":
                optionsNode = member.value
            case "tls":
                tls = UpstreamTLSConfiguration.parse(member.value, directory: directory, reader: &reader)
            default:
                reader.reportUnknownKey(member.key, at: member.keyNode, known: topLevelKeys, in: "a route file")
            }
        }

        if providerName == nil && !members.contains(where: { $0.key == "provider" }) {
            reader.report(root, "missing key 'provider'")
        }
        if !members.contains(where: { $0.key == "upstream" }) {
            reader.report(root, "missing key 'upstream'")
        }
        if let credentialsNode {
            if let provider {
                credentials = parseCredentials(credentialsNode, provider: provider, reader: &reader)
            }
        } else {
            reader.report(root, "missing key 'credentials'")
        }
        if let optionsNode, let provider, let entries = reader.mapping(optionsNode, what: "'options'") {
            for entry in entries {
                guard provider.optionKeys.contains(entry.key) else {
                    if provider.optionKeys.isEmpty {
                        reader.report(entry.keyNode, "\(provider.name) routes take no 'options'")
                    } else {
                        reader.reportUnknownKey(entry.key, at: entry.keyNode, known: provider.optionKeys, in: "'options'")
                    }
                    continue
                }
                if let value = reader.string(entry.value, key: "options.\(entry.key)") { options[entry.key] = value }
            }
        }

        guard reader.problems.isEmpty, let providerName, let provider, let upstream else {
            return .failure(ConfigurationError(reader.problems))
        }
        var route = RouteConfiguration(
            name: name, provider: providerName, upstream: upstream, credentials: credentials, defaults: defaults,
            timeout: timeout, maxConnections: maxConnections, retries: retries, passthrough: passthrough, options: options, file: file,
            directory: directory)
        route.tls = tls
        let providerProblems = provider.validate(route: route)
        guard providerProblems.isEmpty else {
            let line = optionsNode?.mark?.line ?? root.mark?.line ?? 1
            return .failure(
                ConfigurationError(providerProblems.map { ConfigurationProblem(file: file, line: line, message: $0) }))
        }
        return .success(route)
    }

    /// `retries: {attempts, maxDelaySeconds}`; a key left out keeps its default.
    private static func parseRetries(_ node: Node, reader: inout YAMLReader) -> Retries? {
        guard let entries = reader.mapping(node, what: "'retries'") else { return nil }
        var retries = Retries()
        for entry in entries {
            switch entry.key {
            case "attempts":
                guard let count = reader.integer(entry.value, key: "retries.attempts") else { continue }
                guard Retries.attemptsRange.contains(count) else {
                    reader.report(entry.value, "'retries.attempts' must be between 1 and 10 (1 never retries)")
                    continue
                }
                retries.attempts = count
            case "maxDelaySeconds":
                guard let seconds = reader.number(entry.value, key: "retries.maxDelaySeconds") else { continue }
                guard Retries.maxDelaySecondsRange.contains(seconds) else {
                    reader.report(entry.value, "'retries.maxDelaySeconds' must be between 0 and 300")
                    continue
                }
                retries.maxDelay = .milliseconds(Int((seconds * 1000).rounded()))
            default:
                reader.reportUnknownKey(entry.key, at: entry.keyNode, known: retriesKeys, in: "'retries'")
            }
        }
        // A problem reported above fails the whole file, so what is returned then is never used.
        return retries
    }

    private static func parseCredentials(
        _ node: Node, provider: any Provider, reader: inout YAMLReader
    ) -> [String: SecretReference] {
        guard let entries = reader.mapping(node, what: "'credentials'") else { return [:] }
        let keys = provider.credentialKeys
        var credentials: [String: SecretReference] = [:]
        for entry in entries {
            guard keys.all.contains(entry.key) else {
                reader.reportUnknownKey(entry.key, at: entry.keyNode, known: keys.all, in: "\(provider.name) credentials")
                continue
            }
            // An empty literal is meaningful for some keys (VP's `scheme: ""` sends the key bare).
            guard let scalar = entry.value.scalar else {
                reader.report(entry.value, "'credentials.\(entry.key)' must be a string")
                continue
            }
            do {
                credentials[entry.key] = try SecretReference(parsing: scalar.string)
            } catch {
                reader.report(entry.value, "'credentials.\(entry.key)': \(error.reason)")
            }
        }
        let given = Set(entries.map(\.key))
        let complete = keys.requiredSets.filter { Set($0).isSubset(of: given) }
        if complete.isEmpty {
            let alternatives = keys.requiredSets.map { $0.joined(separator: " + ") }.joined(separator: ", or ")
            reader.report(node, "\(provider.name) credentials need \(alternatives)")
        } else if complete.count > 1 {
            let alternatives = keys.requiredSets.map { $0.joined(separator: " + ") }.joined(separator: " or ")
            reader.report(node, "\(provider.name) credentials take \(alternatives), not both")
        }
        return credentials
    }
}
