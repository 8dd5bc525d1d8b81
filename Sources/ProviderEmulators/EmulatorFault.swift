/// A way to fail, applied to the complete endpoint's answers until cleared.
///
/// Faults are applied after the request was received and recorded.
package enum EmulatorFault: Sendable {
    /// The provider's documented JSON error body for that status (400, 401, 403, 404, 409, 410, 422,
    /// 429, 500, 502, 503…); 429 carries `Retry-After: 7`.
    case providerError(status: Int)
    /// The provider's error for that status (as `providerError`) with `Retry-After: value`.
    case retryAfter(status: Int, value: String)
    /// VP: Varnish's HTML "503 Backend Fetch Failed" page; other providers: an HTML 502/503 page of a proxy.
    case backendFetchFailed
    /// HTTP 200 whose body reports failure (AutoRender/VP `success:false`, VP `result:false`,
    /// Tenovos `status:"error"`, others a plausible equivalent).
    case reportsFailureIn2xx
    /// HTTP 200 with an HTML body.
    case notJSON
    /// HTTP 200, `Content-Type: application/json`, body cut short mid-object, correct `Content-Length`.
    case truncatedJSON
    /// Closes the TCP connection without writing any response.
    case closeConnection
    /// Answers normally, but only after the delay.
    case delay(Duration)
    /// The fault for the next `count` complete requests only, then normal answers (a provider that recovers).
    indirect case first(Int, EmulatorFault)
}
