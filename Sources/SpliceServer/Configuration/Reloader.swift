import CoreMetrics
import Foundation
import Logging
import SpliceCore
import Synchronization

/// Reads the configuration again and, when the whole of it is valid, makes it the one new requests use.
///
/// Everything is checked before anything changes: a route file with a problem, a config file that does not parse,
/// and the old configuration stays, with every problem logged and returned. Routes whose provider, upstream,
/// credential values and connection pool are unchanged keep their transport and authenticator (a Tenovos session
/// survives the reload); the others get new ones, and the clients they replace are shut down once the requests
/// still using them are done. Reloads run one at a time.
package final class Reloader: Sendable {
    /// What a reload did.
    package enum Outcome: Sendable {
        case reloaded(generation: Int, loadedAt: Date, restartRequired: [String])
        /// Nothing changed: these are the problems of the configuration on disk.
        case refused([ConfigurationProblem])
    }

    private let live: LiveConfiguration
    private let source: ConfigurationSource
    private let environment: [String: String]
    private let idempotency: IdempotencyGate?
    private let transport: @Sendable (RouteConfiguration) -> any UpstreamTransport
    private let retireRoutes: @Sendable (Set<String>) -> Void
    private let warnAboutLiteralSecrets: Bool
    private let clock: WallClock
    /// Where reloads are counted and route readiness is shown; the new routes record into it too.
    private let metrics: GatewayMetrics?
    private let logger: Logger
    /// Held for the whole of a reload, so that two never interleave.
    private let running = Mutex(())

    package init(
        live: LiveConfiguration, source: ConfigurationSource, environment: [String: String],
        idempotency: IdempotencyGate?, warnAboutLiteralSecrets: Bool = true, clock: WallClock = .system,
        metrics: GatewayMetrics? = nil, logger: Logger,
        transport: @escaping @Sendable (RouteConfiguration) -> any UpstreamTransport,
        retireRoutes: @escaping @Sendable (Set<String>) -> Void = { _ in }
    ) {
        self.live = live
        self.source = source
        self.environment = environment
        self.idempotency = idempotency
        self.warnAboutLiteralSecrets = warnAboutLiteralSecrets
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.transport = transport
        self.retireRoutes = retireRoutes
    }

    /// Reloads now; `trigger` (`SIGHUP`, `POST /admin/reload`) goes into the log line.
    @discardableResult
    package func reload(trigger: String) -> Outcome {
        running.withLock { _ in
            let old = live.current
            let loaded: LoadedConfiguration
            do throws(ConfigurationError) {
                loaded = try source.read()
            } catch {
                for problem in error.problems {
                    logger.error("reload refused: \(problem.description)", metadata: ["trigger": "\(trigger)"])
                }
                logger.warning(
                    "reload refused: the configuration in use is kept",
                    metadata: [
                        "trigger": "\(trigger)", "problems": "\(error.problems.count)",
                        "generation": "\(old.generation)",
                    ])
                metrics?.recordReload(succeeded: false)
                return .refused(error.problems)
            }
            let routes = RouteTable.resolve(
                loaded.routeConfigurations, environment: environment, clock: clock,
                metrics: metrics?.factory ?? NOOPMetricsHandler.instance, reusing: old.routes, transport: transport)
            let configuration = GatewayConfiguration(
                generation: old.generation + 1, server: loaded.server, routes: routes, clientKeys: loaded.clientKeys,
                idempotency: idempotency)
            live.replace(with: configuration)
            retireRoutes(Set(routes.routes.map(\.name)))
            metrics?.update(for: routes)
            metrics?.recordReload(succeeded: true)

            let restartRequired = Self.restartRequired(from: old, to: configuration)
            SpliceGateway.logRoutes(routes, clientKeys: loaded.clientKeys, warnAboutLiteralSecrets: warnAboutLiteralSecrets, logger: logger)
            let kept = routes.routes.filter { route in
                guard let key = route.reuseKey else { return false }
                return old.routes[route.name]?.reuseKey == key
            }
            logger.info(
                "configuration reloaded",
                metadata: [
                    "trigger": "\(trigger)", "generation": "\(configuration.generation)",
                    "routes": "\(routes.routes.count)", "routes_kept": "\(kept.count)",
                ])
            for setting in restartRequired {
                logger.warning(
                    "reload: \(setting) changed; it takes effect at the next restart",
                    metadata: ["generation": "\(configuration.generation)"])
            }
            return .reloaded(
                generation: configuration.generation, loadedAt: configuration.loadedAt, restartRequired: restartRequired)
        }
    }

    /// The settings that changed but apply only at start-up: the listeners (and their passthrough ports), the
    /// connection limits, the state store.
    static func restartRequired(from old: GatewayConfiguration, to new: GatewayConfiguration) -> [String] {
        var changed: [String] = []
        let before = old.server
        let after = new.server
        if before.host != after.host { changed.append("host") }
        if before.port != after.port { changed.append("port") }
        if before.tls?.files != after.tls?.files { changed.append("tls") }
        if before.connections != after.connections { changed.append("connections") }
        if before.shutdownGrace != after.shutdownGrace { changed.append("shutdownGraceSeconds") }
        if before.state != after.state { changed.append("state") }
        if before.idempotencyTTL != after.idempotencyTTL { changed.append("idempotency.ttlSeconds") }
        let listenBefore = Self.passthroughListeners(old.routes)
        let listenAfter = Self.passthroughListeners(new.routes)
        for name in Set(listenBefore.keys).union(listenAfter.keys).sorted() where listenBefore[name] != listenAfter[name] {
            changed.append("passthrough.listen of route \(name)")
        }
        return changed
    }

    private static func passthroughListeners(_ routes: RouteTable) -> [String: ListenAddress] {
        var listeners: [String: ListenAddress] = [:]
        for route in routes.routes where route.configuration.passthrough.enabled {
            if let listen = route.configuration.passthrough.listen { listeners[route.name] = listen }
        }
        return listeners
    }
}
