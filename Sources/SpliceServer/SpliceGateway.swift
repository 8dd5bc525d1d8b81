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
        transport: any UpstreamTransport,
        clientKeys: ClientKeys = .none,
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

        let protected = router.group().add(middleware: ClientAuthMiddleware(keys: clientKeys))
        CompleteController(service: CompletionService(routes: routes, transport: transport)).addRoutes(to: protected)
        StatusController(routes: routes).addRoutes(publicGroup: router.group(), protectedGroup: protected)

        return Application(
            responder: DrainResponder(inner: router.buildResponder(), drain: shutdownGrace.map(ShutdownDrain.init)),
            server: .splice(connections: connections, checks: checks, logger: logger),
            configuration: .init(
                address: .hostname(host, port: port), serverName: "splice",
                availableConnectionsDelegate: ConnectionLimiter(maximum: connections.maximumConnections, logger: logger)),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// The gateway's own endpoints: their request bodies are limited to `maximumRequestBytes`.
    static let endpoints: Set<String> = ["/complete", "/routes", "/livez", "/readyz"]

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
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let client = HTTPClientTransport.makeClient(logger: logger)
        let transport = HTTPClientTransport(client: client)
        let routes = RouteTable.resolve(routeConfigurations, environment: environment, transport: transport)
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
        let connections = connectionLimits(configuration.connections, logger: logger)
        let listening = ListeningFlag()
        let app = buildApplication(
            host: configuration.host, port: configuration.port, routes: routes, transport: transport,
            clientKeys: clientKeys, services: [HTTPClientService(client: client)], logger: logger,
            connections: connections, shutdownGrace: configuration.shutdownGrace
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
            try? await client.shutdown()
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

/// The server could not bind or listen (the CLI exits 2).
package struct ListenError: Error, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var reason: String
    package var description: String { "could not listen on \(host):\(port): \(reason)" }
}
