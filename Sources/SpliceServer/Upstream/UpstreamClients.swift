import AsyncHTTPClient
import Logging
import ServiceLifecycle
import SpliceCore
import Synchronization

/// The HTTP clients of all routes, one connection pool per route (sized by its `maxConnections`), shut down
/// once the server has stopped accepting and drained.
package final class UpstreamClients: Service {
    private let logger: Logger
    private let clients = Mutex<[HTTPClient]>([])

    package init(logger: Logger) {
        self.logger = logger
    }

    /// The transport of one route, with a pool of its own and the route's upstream trust (`tls.ca`).
    package func transport(for route: RouteConfiguration) -> any UpstreamTransport {
        let client = HTTPClientTransport.makeClient(
            logger: logger, maximumConnections: route.maxConnections, tls: UpstreamTLS.configuration(for: route))
        clients.withLock { $0.append(client) }
        return HTTPClientTransport(client: client)
    }

    package func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    /// Shuts every client down; safe to call more than once.
    package func shutdown() async throws {
        let all = clients.withLock { clients in
            defer { clients.removeAll() }
            return clients
        }
        for client in all {
            try await client.shutdown()
        }
    }
}
