/// Which routes the calling client may use.
package enum ClientAccess: Sendable, Equatable {
    /// No client keys are configured, or the client's key allows every route.
    case allRoutes
    /// The client's key allows only these routes.
    case routes(Set<String>)

    package func allows(route: String) -> Bool {
        switch self {
        case .allRoutes: true
        case .routes(let names): names.contains(route)
        }
    }
}
