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
        services: [any Service] = [],
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: SpliceRequestContext.self)
        // Order matters: the request id must be set before any error is rendered.
        router.add(middleware: RequestIdMiddleware())
        router.add(middleware: ErrorEnvelopeMiddleware())
        // `/{route}/…`: the providers' own APIs, identified in each provider's own credential slot.
        router.add(middleware: PassthroughMiddleware(service: PassthroughService(routes: routes, clientKeys: clientKeys)))

        let protected = router.group().add(middleware: ClientAuthMiddleware(keys: clientKeys))
        CompleteController(service: CompletionService(routes: routes)).addRoutes(to: protected)
        StatusController(routes: routes).addRoutes(publicGroup: router.group(), protectedGroup: protected)

        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "splice"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// One listener per route with `passthrough.listen`, serving that route alone at its root (for SDKs that drop
    /// the path of their endpoint setting, as Huawei's does).
    package static func passthroughListeners(
        routes: RouteTable, clientKeys: ClientKeys = .none, logger: Logger,
        onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }
    ) -> [any Service] {
        let service = PassthroughService(routes: routes, clientKeys: clientKeys)
        return routes.routes.compactMap { route -> (any Service)? in
            guard route.configuration.passthrough.enabled, let listen = route.configuration.passthrough.listen else {
                return nil
            }
            let router = Router(context: SpliceRequestContext.self)
            router.add(middleware: RequestIdMiddleware())
            router.add(middleware: ErrorEnvelopeMiddleware())
            router.add(middleware: PassthroughMiddleware(service: service, fixedRoute: route.name))
            return Application(
                router: router,
                configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "splice"),
                onServerRunning: { channel in await onListening(route.name, channel.localAddress?.port ?? listen.port) },
                logger: logger)
        }
    }

    /// Resolves the routes, then runs the gateway until SIGTERM/SIGINT and lets in-flight requests finish
    /// (bounded by `shutdownGrace`). A failure before the server listens is thrown as `ListenError`.
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
        let listening = ListeningFlag()
        let listeners = passthroughListeners(routes: routes, clientKeys: clientKeys, logger: logger) { route, port in
            logger.info("passthrough listening", metadata: ["route": "\(route)", "port": "\(port)"])
        }
        let app = buildApplication(
            host: configuration.host, port: configuration.port, routes: routes, clientKeys: clientKeys,
            services: [clients] + listeners, logger: logger
        ) { port in
            listening.set()
            logger.info("listening", metadata: ["address": "http://\(configuration.host):\(port)"])
            await onListening(port)
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace
        groupConfiguration.maximumCancellationDuration = .seconds(2)
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            try? await clients.shutdown()
            guard listening.isSet else {
                throw ListenError(host: configuration.host, port: configuration.port, reason: "\(error)")
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
