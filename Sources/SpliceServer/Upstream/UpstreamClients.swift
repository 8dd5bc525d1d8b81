import AsyncHTTPClient
import Logging
import ServiceLifecycle
import SpliceCore
import Synchronization

/// The HTTP clients of all routes, one connection pool per route (sized by its `maxConnections`), shut down
/// once the server has stopped accepting and drained.
///
/// A reload that gives a route a new transport retires the route's previous client: it stays open for the
/// requests still in flight on the old configuration (at most the old route's whole deadline budget, plus a
/// margin) and is shut down after that.
package final class UpstreamClients: Service {
    private struct State {
        /// The client each route's current transport uses.
        var current: [String: HTTPClient] = [:]
        /// The deadline budget of each route's requests: how long its client may still be used once replaced.
        var budgets: [String: Duration] = [:]
        /// Clients replaced by a reload, waiting for their last requests.
        var retiring: [ObjectIdentifier: (client: HTTPClient, shutdown: Task<Void, Never>)] = [:]
        var stopped = false
    }

    private let logger: Logger
    private let state = Mutex(State())
    /// Added to a route's deadline budget before its replaced client is shut down.
    static let retirementMargin: Duration = .seconds(30)

    package init(logger: Logger) {
        self.logger = logger
    }

    /// The transport of one route, with a pool of its own and the route's upstream trust (`tls.ca`); the route's
    /// previous client, if any, is retired.
    package func transport(for route: RouteConfiguration) -> any UpstreamTransport {
        let client = HTTPClientTransport.makeClient(
            logger: logger, maximumConnections: route.maxConnections, tls: UpstreamTLS.configuration(for: route))
        let budget = route.timeout * route.retries.attempts
        let previous = state.withLock { state -> (client: HTTPClient, budget: Duration)? in
            defer {
                state.current[route.name] = client
                state.budgets[route.name] = budget
            }
            return state.current[route.name].map { ($0, state.budgets[route.name] ?? budget) }
        }
        if let previous { retire(previous.client, after: previous.budget + Self.retirementMargin) }
        return HTTPClientTransport(client: client)
    }

    /// Retires the clients of routes that are no longer configured.
    package func retireRoutes(notIn names: Set<String>) {
        let removed = state.withLock { state -> [(client: HTTPClient, budget: Duration)] in
            let gone = state.current.keys.filter { !names.contains($0) }
            return gone.compactMap { name in
                defer {
                    state.current[name] = nil
                    state.budgets[name] = nil
                }
                return state.current[name].map { ($0, state.budgets[name] ?? .zero) }
            }
        }
        for old in removed { retire(old.client, after: old.budget + Self.retirementMargin) }
    }

    private func retire(_ client: HTTPClient, after delay: Duration) {
        let id = ObjectIdentifier(client)
        state.withLock { state in
            guard !state.stopped else { return }
            let shutdown = Task { [weak self] in
                try? await Task.sleep(for: delay)
                guard let self, self.state.withLock({ $0.retiring.removeValue(forKey: id) }) != nil else { return }
                try? await client.shutdown()
            }
            state.retiring[id] = (client, shutdown)
        }
    }

    package func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    /// Shuts every client down, retiring ones included; safe to call more than once.
    package func shutdown() async throws {
        let all = state.withLock { state in
            defer {
                state.current.removeAll()
                state.retiring.removeAll()
                state.stopped = true
            }
            for retiring in state.retiring.values { retiring.shutdown.cancel() }
            return Array(state.current.values) + state.retiring.values.map(\.client)
        }
        for client in all {
            try await client.shutdown()
        }
    }
}
