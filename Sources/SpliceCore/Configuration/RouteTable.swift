import Crypto
import CoreMetrics
import Foundation

/// A route ready to serve, or unavailable because a credential reference did not resolve.
package struct Route: Sendable {
    package var configuration: RouteConfiguration
    package var provider: any Provider
    package var state: State
    /// The route's own way to its upstream (its own connection pool).
    package var transport: any UpstreamTransport
    /// What the pipeline records about this route's upstream (made once, from the gateway's metrics factory).
    package var instruments: RouteInstruments = .none
    /// What a reload compares to decide whether this route keeps its transport and authenticator (and so its
    /// Tenovos session); `nil` for an unavailable route, which has nothing worth keeping.
    package var reuseKey: ReuseKey?

    /// The provider, the upstream, a digest of the resolved credential values (never the values) and the
    /// settings of the connection pool (its size and its trust).
    package struct ReuseKey: Sendable, Equatable {
        var provider: String
        var upstream: String
        var credentials: SHA256.Digest
        var maxConnections: Int
        /// `tls.ca`'s path: the CA is read when the pool is made.
        var trustedCA: String?
    }

    package enum State: Sendable {
        case ready(any UpstreamAuthenticator)
        /// Why not, naming the variable or file (never a value).
        case unavailable(reason: String)
    }

    package var name: String { configuration.name }
    package var isReady: Bool {
        if case .ready = state { return true }
        return false
    }
    package var unavailableReason: String? {
        if case .unavailable(let reason) = state { return reason }
        return nil
    }
}

/// All routes of a routes directory, loaded and resolved.
package struct RouteTable: Sendable {
    package let routes: [Route]
    /// Non-fatal notes, e.g. a secret written literally in a route file.
    package var warnings: [ConfigurationProblem]

    /// Each route's position in `routes`, by name: looked up on every request.
    private let indexByName: [String: Int]

    package init(routes: [Route], warnings: [ConfigurationProblem] = []) {
        self.routes = routes.sorted { $0.name < $1.name }
        self.warnings = warnings
        self.indexByName = Dictionary(self.routes.enumerated().map { ($1.name, $0) }) { first, _ in first }
    }

    package subscript(name: String) -> Route? {
        indexByName[name].map { routes[$0] }
    }

    /// Reads every `*.yaml`/`*.yml` file in `directory`, without resolving credentials. Any invalid file
    /// makes the whole load fail with every problem found; unresolvable credentials are `resolve`'s
    /// business and only make their route unavailable.
    package static func loadConfigurations(
        directory: String, registry: ProviderRegistry = .standard
    ) throws(ConfigurationError) -> [RouteConfiguration] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigurationError([
                ConfigurationProblem(file: directory, line: 1, message: "routes directory does not exist")
            ])
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ConfigurationError([
                ConfigurationProblem(file: directory, line: 1, message: "routes directory cannot be read")
            ])
        }
        var problems: [ConfigurationProblem] = []
        var configurations: [RouteConfiguration] = []
        var names: [String: String] = [:]
        for entry in entries.sorted() where entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
            let path = directory.hasSuffix("/") ? directory + entry : directory + "/" + entry
            let stem = entry.hasSuffix(".yaml") ? String(entry.dropLast(5)) : String(entry.dropLast(4))
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                problems.append(ConfigurationProblem(file: path, line: 1, message: "cannot be read as UTF-8 text"))
                continue
            }
            if let other = names[stem] {
                problems.append(ConfigurationProblem(file: path, line: 1, message: "route '\(stem)' is also defined by \(other)"))
                continue
            }
            names[stem] = path
            switch RouteConfiguration.parse(yaml: text, name: stem, file: path, directory: directory, registry: registry) {
            case .success(let configuration): configurations.append(configuration)
            case .failure(let error): problems.append(contentsOf: error.problems)
            }
        }
        // Two routes cannot serve their passthrough on the same port.
        var listeners: [ListenAddress: String] = [:]
        for configuration in configurations {
            guard let listen = configuration.passthrough.listen else { continue }
            if let other = listeners[listen] {
                problems.append(
                    ConfigurationProblem(
                        file: configuration.file, line: 1,
                        message: "passthrough.listen \(listen) is also used by route '\(other)'"))
            }
            listeners[listen] = configuration.name
        }
        guard problems.isEmpty else { throw ConfigurationError(problems) }
        return configurations
    }

    /// A secret credential shorter than this makes its route unavailable: a value that short would not be a
    /// real key, and redacting it from answers would mangle ordinary text (every secret is redacted).
    package static let minimumSecretLength = 8

    /// Resolves each route's credential references; a route whose references do not all resolve is unavailable,
    /// and so is one with a secret shorter than `minimumSecretLength` or a value holding a control character.
    /// `transport` gives each route its way to its upstream; `clock` is the wall clock its authenticator reads;
    /// `metrics` makes each route's `RouteInstruments` (the gateway's factory; nothing is recorded by default).
    /// A route of `previous` (the configuration a reload replaces) with the same `ReuseKey` is kept as it was:
    /// its transport, and its authenticator with whatever session it holds.
    package static func resolve(
        _ configurations: [RouteConfiguration],
        registry: ProviderRegistry = .standard,
        environment: [String: String],
        clock: WallClock = .system,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance,
        reusing previous: RouteTable? = nil,
        transport: (RouteConfiguration) -> any UpstreamTransport
    ) -> RouteTable {
        var routes: [Route] = []
        var warnings: [ConfigurationProblem] = []
        for configuration in configurations {
            guard let provider = registry.provider(named: configuration.provider) else { continue }
            let secretKeys = provider.credentialKeys.secret
            var values: [String: String] = [:]
            var missing: [String] = []
            for (key, reference) in configuration.credentials.sorted(by: { $0.key < $1.key }) {
                if case .literal = reference, secretKeys.contains(key) {
                    warnings.append(
                        ConfigurationProblem(
                            file: configuration.file, line: 1,
                            message: "credentials.\(key) is written literally; prefer ${NAME} or ${file:PATH}"))
                }
                switch reference.resolve(
                    environment: environment, relativeTo: configuration.directory,
                    allowEmpty: !secretKeys.contains(key))
                {
                case .success(let value):
                    if secretKeys.contains(key), value.count < Self.minimumSecretLength {
                        missing.append(
                            "credentials.\(key) (\(reference)) is shorter than \(Self.minimumSecretLength) characters: "
                                + "too short to be a real secret and could not be redacted safely")
                    } else {
                        values[key] = value
                    }
                case .failure(let unresolved):
                    if case .literal = reference {
                        missing.append("credentials.\(key): \(unresolved.reason)")
                    } else {
                        missing.append(unresolved.reason)
                    }
                }
            }
            guard missing.isEmpty else {
                routes.append(
                    Route(
                        configuration: configuration, provider: provider,
                        state: .unavailable(reason: missing.joined(separator: "; ")), transport: transport(configuration),
                        instruments: RouteInstruments(
                            route: configuration.name, provider: provider.name, factory: metrics, clock: clock)))
                continue
            }
            let key = Route.ReuseKey(
                provider: provider.name, upstream: configuration.upstream.description,
                credentials: credentialDigest(values), maxConnections: configuration.maxConnections,
                trustedCA: configuration.tls?.ca.path)
            if let kept = previous?[configuration.name], kept.reuseKey == key {
                routes.append(
                    Route(
                        configuration: configuration, provider: provider, state: kept.state, transport: kept.transport,
                        instruments: kept.instruments, reuseKey: key))
                continue
            }
            let routeTransport = transport(configuration)
            let instruments = RouteInstruments(
                route: configuration.name, provider: provider.name, factory: metrics, clock: clock)
            let authenticator = provider.makeAuthenticator(
                route: configuration, credentials: ResolvedCredentials(values), transport: routeTransport, clock: clock,
                instruments: instruments)
            routes.append(
                Route(
                    configuration: configuration, provider: provider, state: .ready(authenticator),
                    transport: routeTransport, instruments: instruments, reuseKey: key))
        }
        return RouteTable(routes: routes, warnings: warnings)
    }

    /// SHA-256 over the sorted `key=value` lines: equal exactly when every resolved value is equal.
    private static func credentialDigest(_ values: [String: String]) -> SHA256.Digest {
        var hash = SHA256()
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            hash.update(data: Array("\(key.utf8.count):\(key)=\(value.utf8.count):\(value)\n".utf8))
        }
        return hash.finalize()
    }
}

extension RouteTable {
    /// Resolves the routes with one transport for all of them (`splice check`, which sends nothing; unit tests).
    package static func resolve(
        _ configurations: [RouteConfiguration],
        registry: ProviderRegistry = .standard,
        environment: [String: String],
        clock: WallClock = .system,
        transport: any UpstreamTransport
    ) -> RouteTable {
        resolve(configurations, registry: registry, environment: environment, clock: clock) { _ in transport }
    }
}
