import Hummingbird

/// How a provider words the answers that faults produce.
protocol EmulatorDialect: Sendable {
    /// The provider's documented error answer for `status` (the `.providerError` fault).
    func providerErrorResponse(status: Int) -> Response
    /// An HTTP 200 whose body reports failure (the `.reportsFailureIn2xx` fault).
    func failureIn2xxResponse() -> Response
    /// A JSON body cut short mid-object (the `.truncatedJSON` fault).
    var truncatedJSONBody: String { get }
    /// The HTML page of a proxy in front of the provider (the `.backendFetchFailed` fault).
    func backendFetchFailedResponse() -> Response
}

extension EmulatorDialect {
    func backendFetchFailedResponse() -> Response {
        EmulatorReply.proxyErrorPage(502)
    }
}
