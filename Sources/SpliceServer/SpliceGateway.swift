import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import SpliceCore

/// Builds the gateway application. The CLI and the tests both call this.
package enum SpliceGateway {
    /// The Hummingbird application serving the contract's endpoints for `routes` (a configuration no reload replaces).
    /// `metrics` is served at `/metrics`; its `requests` must be among `observers` for the request series to move.
    package static func buildApplication(
        host: String,
        port: Int,
        routes: RouteTable,
        clientKeys: ClientKeys = .none,
        state: GatewayState? = nil,
        observers: [any FinishedRequestObserver] = [],
        metrics: GatewayMetrics = GatewayMetrics(),
        services: [any Service] = [],
        logger: Logger,
        connections: ConnectionLimits = ConnectionLimits(),
        shutdownGrace: Duration? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let live = LiveConfiguration(
            GatewayConfiguration(generation: 1, routes: routes, clientKeys: clientKeys, idempotency: state?.idempotency))
        return buildApplication(
            host: host, port: port, configuration: live, state: state, observers: observers, metrics: metrics,
            services: services, logger: logger, connections: connections, shutdownGrace: shutdownGrace,
            onServerRunning: onServerRunning)
    }

    /// The Hummingbird application serving the contract's endpoints for the configuration `live` holds, which
    /// `reloader` (when given: `POST /admin/reload`) may replace.
    package static func buildApplication(
        host: String,
        port: Int,
        configuration live: LiveConfiguration,
        state: GatewayState?,
        observers: [any FinishedRequestObserver] = [],
        metrics: GatewayMetrics = GatewayMetrics(),
        reloader: Reloader? = nil,
        services: [any Service] = [],
        tls: ListenerTLS? = nil,
        logger: Logger,
        connections: ConnectionLimits = ConnectionLimits(),
        shutdownGrace: Duration? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let checks = RequestHeadChecks(limitedPaths: endpoints, maximumBodyBytes: ServerConfiguration.maximumRequestBytes)
        // The console counts what the `ActivityWindow` among `observers` sees (its own one when none is given).
        let (activity, observers) = ActivityWindow.among(observers)
        let finished = finishedRequests(state: state, observers: observers)
        let router = Router(context: SpliceRequestContext.self)
        // Order matters: the request id must be set before any error is rendered, the configuration before
        // anything reads it.
        router.add(middleware: RequestIdMiddleware())
        router.add(middleware: ErrorEnvelopeMiddleware())
        router.add(middleware: EarlyRefusalMiddleware(checks: checks))
        metrics.update(for: live.current.routes)
        router.add(middleware: InflightMiddleware(metrics: metrics, uncounted: uncountedEndpoints))
        router.add(middleware: ConfigurationMiddleware(live: live))
        router.add(middleware: CertificateClientMiddleware())
        // `/{route}/…`: the providers' own APIs, identified in each provider's own credential slot.
        router.add(middleware: PassthroughMiddleware(finished: finished))

        let protected = router.group().add(middleware: ClientAuthMiddleware())
        // `/complete` has its own group so that a request client authentication refuses is in the ledger too.
        let complete = router.group().add(middleware: UnauthenticatedLedgerMiddleware(finished: finished))
            .add(middleware: ClientAuthMiddleware())
        CompleteController(finished: finished).addRoutes(to: complete)
        StatusController().addRoutes(publicGroup: router.group(), protectedGroup: protected)
        MetricsController(metrics: metrics).addRoutes(to: router.group())
        if let state { LedgerController(state: state).addRoutes(to: protected) }
        if let reloader { AdminController(reloader: reloader).addRoutes(to: router.group()) }
        OpenAPIController().addRoutes(to: router.group())
        ConsoleController(activity: activity, state: state, secure: tls != nil).addRoutes(to: router)

        return makeApplication(
            router: router, host: host, port: port, checks: checks, services: services, tls: tls, logger: logger,
            connections: connections, shutdownGrace: shutdownGrace, onServerRunning: onServerRunning)
    }

    /// An application on Splice's hardened HTTP/1.1 server: connection limits and timeouts, `100 Continue`,
    /// early refusals, and answers for what is still running at the drain limit.
    static func makeApplication(
        router: Router<SpliceRequestContext>, host: String, port: Int, checks: RequestHeadChecks,
        services: [any Service], tls: ListenerTLS? = nil, logger: Logger, connections: ConnectionLimits, shutdownGrace: Duration?,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        Application(
            responder: DrainResponder(inner: router.buildResponder(), drain: shutdownGrace.map(ShutdownDrain.init)),
            server: .splice(connections: connections, checks: checks, tls: tls, logger: logger),
            configuration: .init(
                address: .hostname(host, port: port), serverName: "splice",
                availableConnectionsDelegate: ConnectionLimiter(maximum: connections.maximumConnections, logger: logger)),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// One listener per route with `passthrough.listen`, serving that route alone at its root (for SDKs that drop
    /// the path of their endpoint setting, as Huawei's does). They use the main listener's `tls`.
    /// The listeners are those of the configuration at start-up (a reload that changes them says a restart is
    /// needed); each request uses the configuration of its arrival, as on the gateway's listener.
    package static func passthroughListeners(
        configuration live: LiveConfiguration, finished: FinishedRequests = .none, metrics: GatewayMetrics? = nil,
        tls: ListenerTLS? = nil, logger: Logger,
        connections: ConnectionLimits = ConnectionLimits(), shutdownGrace: Duration? = nil,
        onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }
    ) -> [any Service] {
        // No gateway endpoint here: every path is the route's, whatever its body size.
        let checks = RequestHeadChecks(limitedPaths: [], maximumBodyBytes: ServerConfiguration.maximumRequestBytes)
        return live.current.routes.routes.compactMap { route -> (any Service)? in
            guard route.configuration.passthrough.enabled, let listen = route.configuration.passthrough.listen else {
                return nil
            }
            let router = Router(context: SpliceRequestContext.self)
            router.add(middleware: RequestIdMiddleware())
            router.add(middleware: ErrorEnvelopeMiddleware())
            router.add(middleware: EarlyRefusalMiddleware(checks: checks))
            if let metrics { router.add(middleware: InflightMiddleware(metrics: metrics, uncounted: [])) }
            router.add(middleware: ConfigurationMiddleware(live: live))
            router.add(middleware: CertificateClientMiddleware())
            router.add(middleware: PassthroughMiddleware(fixedRoute: route.name, finished: finished))
            let listening = ListeningFlag()
            let application = makeApplication(
                router: router, host: listen.host, port: listen.port, checks: checks, services: [], tls: tls, logger: logger,
                connections: connections, shutdownGrace: shutdownGrace
            ) { port in
                listening.set()
                await onListening(route.name, port)
            }
            return PassthroughListener(application: application, address: listen, listening: listening)
        }
    }

    /// Where every finished request is reported: the state store's ledger (when there is one), then `observers`.
    package static func finishedRequests(state: GatewayState?, observers: [any FinishedRequestObserver]) -> FinishedRequests {
        FinishedRequests((state.map { [$0.ledger] } ?? []) + observers)
    }

    /// The gateway's own endpoints: their request bodies are limited to `maximumRequestBytes`.
    static let endpoints: Set<String> = [
        "/complete", "/routes", "/livez", "/readyz", "/ledger", "/metrics", "/openapi.json", "/admin/reload", "/console",
        "/console/login", "/console/logout",
    ]

    /// The endpoints whose requests are not client requests in `splice_inflight_requests`.
    static var uncountedEndpoints: Set<String> { endpoints.subtracting(["/complete"]) }

    /// How long after the drain limit the answers given at it may take to be written, before the
    /// service group cancels what is left.
    static let drainAnswerMargin: Duration = .seconds(1)

    /// Resolves the routes, then runs the gateway until SIGTERM/SIGINT and lets in-flight requests finish
    /// (bounded by `shutdownGrace`, at which those still running are answered 503 `shutting_down`).
    /// SIGHUP and `POST /admin/reload` read `source` again. A failure before the server listens is thrown as
    /// `ListenError`; TLS files that cannot be used, as `ConfigurationError`. `warnAboutLiteralSecrets` is off for
    /// the demo, whose fake credentials are literal on purpose.
    package static func serve(
        _ loaded: LoadedConfiguration,
        source: ConfigurationSource,
        environment: [String: String],
        warnAboutLiteralSecrets: Bool = true,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        onPassthroughListening: @escaping @Sendable (_ route: String, _ port: Int) async -> Void = { _, _ in }
    ) async throws {
        let configuration = loaded.server
        let tls = try configuration.tls.map { tls throws(ConfigurationError) in try ListenerTLS.load(tls) }
        let clients = UpstreamClients(logger: logger)
        let metrics = GatewayMetrics()
        let routes = RouteTable.resolve(
            loaded.routeConfigurations, environment: environment, metrics: metrics.factory,
            transport: clients.transport(for:))
        logRoutes(routes, clientKeys: loaded.clientKeys, warnAboutLiteralSecrets: warnAboutLiteralSecrets, logger: logger)
        let stateService = try await StateService.open(
            configuration.state, idempotencyTTL: configuration.idempotencyTTL, environment: environment,
            configDirectory: configuration.configDirectory, logger: logger)
        logger.info("state store", metadata: ["location": "\(stateService.state.location)"])
        let live = LiveConfiguration(
            GatewayConfiguration(
                generation: 1, server: configuration, routes: routes, clientKeys: loaded.clientKeys,
                idempotency: stateService.state.idempotency))
        let reloader = Reloader(
            live: live, source: source, environment: environment, idempotency: stateService.state.idempotency,
            warnAboutLiteralSecrets: warnAboutLiteralSecrets, metrics: metrics, logger: logger,
            transport: clients.transport(for:), retireRoutes: clients.retireRoutes(notIn:))
        let connections = connectionLimits(configuration.connections, logger: logger)
        let listening = ListeningFlag()
        // The console's last 15 minutes: fed by the main listener and the routes' own ones alike.
        let activity = ActivityWindow()
        let listeners = passthroughListeners(
            configuration: live,
            finished: finishedRequests(state: stateService.state, observers: [metrics.requests, activity]), metrics: metrics,
            tls: tls, logger: logger, connections: connections,
            shutdownGrace: configuration.shutdownGrace
        ) { route, port in
            logger.info("passthrough listening", metadata: ["route": "\(route)", "port": "\(port)"])
            await onPassthroughListening(route, port)
        }
        let app = buildApplication(
            host: configuration.host, port: configuration.port, configuration: live, state: stateService.state,
            observers: [metrics.requests, activity], metrics: metrics, reloader: reloader,
            // Stopped in reverse order once the server has drained: the store last, after the final ledger entries.
            services: [stateService, clients, ReloadOnSignal(reloader: reloader)] + listeners, tls: tls, logger: logger,
            connections: connections, shutdownGrace: configuration.shutdownGrace
        ) { port in
            listening.set()
            let scheme = tls == nil ? "http" : "https"
            logger.info("listening", metadata: ["address": "\(scheme)://\(configuration.host):\(port)"])
            await onListening(port)
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace + drainAnswerMargin
        groupConfiguration.maximumCancellationDuration = .seconds(2)
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            try? await clients.shutdown()
            // The state service may never have run (a port that could not be bound): close the store here.
            await stateService.state.store.shutdown()
            // A route's own port that could not be bound says so itself.
            if let error = error as? ListenError { throw error }
            guard listening.isSet else {
                throw ListenError(host: configuration.host, port: configuration.port, reason: "\(error)")
            }
            throw error
        }
    }

    /// One line per route (ready, or why not), the literal-secret warnings and the client keys that did not resolve:
    /// at start-up and after each reload.
    static func logRoutes(
        _ routes: RouteTable, clientKeys: ClientKeys, warnAboutLiteralSecrets: Bool, logger: Logger
    ) {
        if warnAboutLiteralSecrets {
            for warning in routes.warnings { logger.warning("\(warning.description)") }
        }
        for route in routes.routes {
            if let reason = route.unavailableReason {
                logger.warning("route unavailable", metadata: ["route": "\(route.name)", "reason": "\(reason)"])
            } else {
                logger.info("route ready", metadata: ["route": "\(route.name)", "provider": "\(route.provider.name)"])
            }
        }
        for unresolved in clientKeys.unresolved {
            logger.warning(
                "client key unresolved: that client cannot authenticate",
                metadata: ["client": "\(unresolved.name)", "reason": "\(unresolved.reason)"])
        }
    }
}

extension SpliceGateway {
    /// Raises the file descriptor limit as far as allowed, and keeps the connection bound within it.
    static func connectionLimits(_ configured: ConnectionLimits, logger: Logger) -> ConnectionLimits {
        var limits = configured
        guard let descriptors = FileDescriptorLimit.raiseToHardLimit() else {
            logger.warning("the file descriptor limit is unknown")
            return limits
        }
        if limits.maximumConnections > descriptors.connectionBudget {
            // Worth a warning only when the operator asked for more; the default simply adapts.
            let level: Logger.Level = limits.maximumConnections == ConnectionLimits().maximumConnections ? .info : .warning
            logger.log(
                level: level, "maximumConnections is above what the file descriptor limit allows: using the lower value",
                metadata: [
                    "maximum_connections": "\(descriptors.connectionBudget)",
                    "configured": "\(limits.maximumConnections)",
                ])
            limits.maximumConnections = descriptors.connectionBudget
        }
        logger.info(
            "client connections",
            metadata: [
                "file_descriptor_limit": "\(descriptors.soft)", "maximum_connections": "\(limits.maximumConnections)",
                "idle_timeout": "\(limits.idleTimeout.secondsDescription)",
                "request_read_timeout": "\(limits.requestReadTimeout.secondsDescription)",
            ])
        return limits
    }
}

/// A route's `passthrough.listen` server: a failure before it listens is a `ListenError` naming its own address.
struct PassthroughListener: Service {
    let application: any Service
    let address: ListenAddress
    let listening: ListeningFlag

    func run() async throws {
        do {
            try await application.run()
        } catch {
            guard listening.isSet else {
                throw ListenError(host: address.host, port: address.port, reason: "\(error)")
            }
            throw error
        }
    }
}

/// The server could not bind or listen (the CLI exits 2).
package struct ListenError: Error, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var reason: String
    package var description: String { "could not listen on \(host):\(port): \(reason)" }
}
