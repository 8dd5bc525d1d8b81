import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import SpliceCore

/// Builds the gateway application. The CLI and the tests both call this.
package enum SpliceGateway {
    /// The Hummingbird application serving the contract's endpoints for `routes`.
    package static func buildApplication(
        host: String,
        port: Int,
        routes: RouteTable,
        clientKeys: ClientKeys = .none,
        state: GatewayState? = nil,
        services: [any Service] = [],
        logger: Logger,
        connections: ConnectionLimits = ConnectionLimits(),
        shutdownGrace: Duration? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let checks = RequestHeadChecks(limitedPaths: endpoints, maximumBodyBytes: ServerConfiguration.maximumRequestBytes)
        let router = Router(context: SpliceRequestContext.self)
        // Order matters: the request id must be set before any error is rendered.
        router.add(middleware: RequestIdMiddleware())
        router.add(middleware: ErrorEnvelopeMiddleware())
        router.add(middleware: EarlyRefusalMiddleware(checks: checks))
        // `/{route}/…`: the providers' own APIs, identified in each provider's own credential slot.
        router.add(
            middleware: PassthroughMiddleware(
                service: PassthroughService(routes: routes, clientKeys: clientKeys), ledger: state?.ledger))

        let protected = router.group().add(middleware: ClientAuthMiddleware(keys: clientKeys))
        // `/complete` has its own group so that a request client authentication refuses is in the ledger too.
        let complete = router.group().add(middleware: UnauthenticatedLedgerMiddleware(ledger: state?.ledger))
            .add(middleware: ClientAuthMiddleware(keys: clientKeys))
        CompleteController(service: CompletionService(routes: routes, idempotency: state?.idempotency), ledger: state?.ledger)
            .addRoutes(to: complete)
        StatusController(routes: routes).addRoutes(publicGroup: router.group(), protectedGroup: protected)
        if let state { LedgerController(state: state).addRoutes(to: protected) }
        OpenAPIController().addRoutes(to: router.group())

        return makeApplication(
            router: router, host: host, port: port, checks: checks, services: services, logger: logger,
            connections: connections, shutdownGrace: shutdownGrace, onServerRunning: onServerRunning)
    }

    /// An application on Splice's hardened HTTP/1.1 server: connection limits and timeouts, `100 Continue`,
    /// early refusals, and answers for what is still running at the drain limit.
    static func makeApplication(
        router: Router<SpliceRequestContext>, host: String, port: Int, checks: RequestHeadChecks,
        services: [any Service], logger: Logger, connections: ConnectionLimits, shutdownGrace: Duration?,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        Application(
            responder: DrainResponder(inner: router.buildResponder(), drain: shutdownGrace.map(ShutdownDrain.init)),
            server: .splice(connections: connections, checks: checks, logger: logger),
            configuration: .init(
                address: .hostname(host, port: port), serverName: "splice",
                availableConnectionsDelegate: ConnectionLimiter(maximum: connections.maximumConnections, logger: logger)),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// One listener per route with `passthrough.listen`, serving that route alone at its root (for SDKs that drop
    /// the path of their endpoint setting, as Huawei's does).
    package static func passthroughListeners(
        routes: RouteTable, clientKeys: ClientKeys = .none, ledger: LedgerRecorder? = nil, logger: Logger,
        connections: ConnectionLimits = ConnectionLimits(), shutdownGrace: Duration? = nil,
        onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }
    ) -> [any Service] {
        let service = PassthroughService(routes: routes, clientKeys: clientKeys)
        // No gateway endpoint here: every path is the route's, whatever its body size.
        let checks = RequestHeadChecks(limitedPaths: [], maximumBodyBytes: ServerConfiguration.maximumRequestBytes)
        return routes.routes.compactMap { route -> (any Service)? in
            guard route.configuration.passthrough.enabled, let listen = route.configuration.passthrough.listen else {
                return nil
            }
            let router = Router(context: SpliceRequestContext.self)
            router.add(middleware: RequestIdMiddleware())
            router.add(middleware: ErrorEnvelopeMiddleware())
            router.add(middleware: EarlyRefusalMiddleware(checks: checks))
            router.add(middleware: PassthroughMiddleware(service: service, fixedRoute: route.name, ledger: ledger))
            let listening = ListeningFlag()
            let application = makeApplication(
                router: router, host: listen.host, port: listen.port, checks: checks, services: [], logger: logger,
                connections: connections, shutdownGrace: shutdownGrace
            ) { port in
                listening.set()
                await onListening(route.name, port)
            }
            return PassthroughListener(application: application, address: listen, listening: listening)
        }
    }

    /// The gateway's own endpoints: their request bodies are limited to `maximumRequestBytes`.
    static let endpoints: Set<String> = ["/complete", "/routes", "/livez", "/readyz", "/ledger", "/openapi.json"]

    /// How long after the drain limit the answers given at it may take to be written, before the
    /// service group cancels what is left.
    static let drainAnswerMargin: Duration = .seconds(1)

    /// Resolves the routes, then runs the gateway until SIGTERM/SIGINT and lets in-flight requests finish
    /// (bounded by `shutdownGrace`, at which those still running are answered 503 `shutting_down`).
    /// A failure before the server listens is thrown as `ListenError`.
    /// `warnAboutLiteralSecrets` is off for the demo, whose fake credentials are literal on purpose.
    package static func serve(
        configuration: ServerConfiguration,
        routeConfigurations: [RouteConfiguration],
        clientKeys: ClientKeys,
        environment: [String: String],
        warnAboutLiteralSecrets: Bool = true,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        onPassthroughListening: @escaping @Sendable (_ route: String, _ port: Int) async -> Void = { _, _ in }
    ) async throws {
        let clients = UpstreamClients(logger: logger)
        let routes = RouteTable.resolve(routeConfigurations, environment: environment, transport: clients.transport(for:))
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
        let stateService = try await StateService.open(
            configuration.state, idempotencyTTL: configuration.idempotencyTTL, environment: environment,
            configDirectory: configuration.configDirectory, logger: logger)
        logger.info("state store", metadata: ["location": "\(stateService.state.location)"])
        let connections = connectionLimits(configuration.connections, logger: logger)
        let listening = ListeningFlag()
        let listeners = passthroughListeners(
            routes: routes, clientKeys: clientKeys, ledger: stateService.state.ledger, logger: logger,
            connections: connections,
            shutdownGrace: configuration.shutdownGrace
        ) { route, port in
            logger.info("passthrough listening", metadata: ["route": "\(route)", "port": "\(port)"])
            await onPassthroughListening(route, port)
        }
        let app = buildApplication(
            host: configuration.host, port: configuration.port, routes: routes, clientKeys: clientKeys,
            state: stateService.state,
            // Stopped in reverse order once the server has drained: the store last, after the final ledger entries.
            services: [stateService, clients] + listeners, logger: logger, connections: connections,
            shutdownGrace: configuration.shutdownGrace
        ) { port in
            listening.set()
            logger.info("listening", metadata: ["address": "http://\(configuration.host):\(port)"])
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
