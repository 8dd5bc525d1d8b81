import Foundation
import SpliceCore
import Synchronization

/// One loaded configuration: the routes, the client keys and the services built over them. A request takes the
/// current one when it arrives and uses it to its end, so that a reload never changes a request half-way.
package struct GatewayConfiguration: Sendable {
    /// 1 at start-up, one more at each successful reload.
    package let generation: Int
    package let loadedAt: Date
    /// The settings it was loaded with; those of the listeners and the state store apply only at start-up.
    package let server: ServerConfiguration
    package let routes: RouteTable
    package let clientKeys: ClientKeys
    package let completion: CompletionService
    package let passthrough: PassthroughService

    package init(
        generation: Int, loadedAt: Date = Date(), server: ServerConfiguration = ServerConfiguration(), routes: RouteTable,
        clientKeys: ClientKeys, idempotency: IdempotencyGate?
    ) {
        self.generation = generation
        self.loadedAt = loadedAt
        self.server = server
        self.routes = routes
        self.clientKeys = clientKeys
        self.completion = CompletionService(routes: routes, idempotency: idempotency)
        self.passthrough = PassthroughService(routes: routes, clientKeys: clientKeys)
    }

    /// What a request context holds before `ConfigurationMiddleware` gives it the current configuration.
    static let empty = GatewayConfiguration(
        generation: 0, loadedAt: Date(timeIntervalSince1970: 0), routes: RouteTable(routes: []), clientKeys: .none,
        idempotency: nil)
}

/// The configuration new requests use, replaced whole by a reload.
package final class LiveConfiguration: Sendable {
    private let value: Mutex<GatewayConfiguration>

    package init(_ initial: GatewayConfiguration) {
        self.value = Mutex(initial)
    }

    package var current: GatewayConfiguration { value.withLock { $0 } }

    func replace(with configuration: GatewayConfiguration) {
        value.withLock { $0 = configuration }
    }
}
