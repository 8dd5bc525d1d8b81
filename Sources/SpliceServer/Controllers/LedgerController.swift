import Hummingbird
import SpliceCore

/// `GET /ledger?route=&client=&since=&limit=`: the egress ledger, newest first, of the routes the caller may use.
package struct LedgerController: Sendable {
    let state: GatewayState

    package init(state: GatewayState) {
        self.state = state
    }

    package func addRoutes(to group: RouterGroup<SpliceRequestContext>) {
        group.get("ledger") { request, context -> Response in
            let parameters = request.uri.queryParameters
            var query = try LedgerQuery.parse(
                route: parameters["route"].map(String.init), client: parameters["client"].map(String.init),
                since: parameters["since"].map(String.init), limit: parameters["limit"].map(String.init)
            ).get()
            let access = context.client.access
            let limit = query.limit
            if let route = query.route, !access.allows(route: route) {
                throw GatewayError.forbidden(route: route)
            }
            // This instance's own recent entries first reach the store, so that a client reads what it just did.
            await state.ledger.flush()
            let entries: [LedgerEntry]
            do throws(StateStoreError) {
                // A client limited to some routes sees only theirs: read more, keep what it may see.
                if access != .allRoutes, query.route == nil { query.limit = LedgerQuery.maximumLimit }
                entries = try await state.store.ledger(query)
            } catch {
                throw GatewayError.stateUnavailable(error.reason)
            }
            let visible = entries.filter { $0.route.map(access.allows(route:)) ?? (access == .allRoutes) }
            return Response.json(.object(["entries": .array(visible.prefix(limit).map(\.json))]))
        }
    }
}
