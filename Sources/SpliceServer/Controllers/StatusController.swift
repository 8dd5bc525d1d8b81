import HTTPTypes
import Hummingbird
import SpliceCore

/// `GET /routes`, `/livez`, `/readyz`, of the configuration in use.
package struct StatusController: Sendable {
    package init() {}

    /// `/routes` may need a client key; the probes never do.
    package func addRoutes(publicGroup: RouterGroup<SpliceRequestContext>, protectedGroup: RouterGroup<SpliceRequestContext>) {
        protectedGroup.get("routes") { _, context in
            Response.json(Self.listing(context.configuration, for: context.client.access))
        }
        publicGroup.get("livez") { _, _ in Response.json(.object(["status": "ok"])) }
        publicGroup.get("readyz") { _, context -> Response in
            let ready = context.configuration.routes.routes.filter(\.isReady).count
            guard ready > 0 else {
                throw GatewayError(.notReady, status: 503, message: "no route is ready: see GET /routes for why")
            }
            return Response.json(.object(["status": "ready", "routesReady": JSONValue(ready)]))
        }
    }

    /// Never a secret: names, providers, upstream URLs, actions and why a route is not ready —
    /// of the routes the client may use; and which configuration that is (`generation`, `loadedAt`).
    static func listing(_ configuration: GatewayConfiguration, for access: ClientAccess) -> JSONValue {
        .object([
            "generation": JSONValue(configuration.generation),
            "loadedAt": JSONValue(LedgerEntry.timestamp(configuration.loadedAt)),
            "routes": .array(
                configuration.routes.routes.filter { access.allows(route: $0.name) }.map { route in
                    .object([
                        "name": JSONValue(route.name),
                        "provider": JSONValue(route.provider.name),
                        "upstream": JSONValue(route.configuration.upstream.description),
                        "actions": .array(route.provider.actions.map { JSONValue($0.rawValue) }),
                        "ready": .bool(route.isReady),
                        "reason": JSONValue(route.unavailableReason),
                    ])
                }),
        ])
    }
}
