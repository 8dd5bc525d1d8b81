import HTTPTypes

/// One upload provider: everything Splice needs to finish an upload there.
///
/// A provider lives in its own folder and is listed once in `ProviderRegistry`. The pipeline calls it in
/// three steps: `makeRequest` translates the unified request into the provider's dialect (path, body,
/// provider headers — never credentials); an `UpstreamAuthenticator` adds credentials to each attempt
/// (static headers, a fresh signature, or a shared session); `interpret` normalizes the answer.
package protocol Provider: Sendable {
    /// The name used in route files and answers, e.g. `spatialgen`.
    var name: String { get }
    /// The actions this provider supports; others are 422 `unsupported_action`.
    var actions: [CompleteAction] { get }
    /// The `credentials` keys a route file gives for this provider.
    var credentialKeys: CredentialKeys { get }
    /// Provider-specific keys allowed under a route's `options` (none by default).
    var optionKeys: [String] { get }
    /// How the provider's own API passes through Splice (credential headers, client identity, bodies).
    var passthrough: PassthroughDialect { get }
    /// Whether the provider documents that sending the same complete twice is safe. Only then does Splice retry
    /// a complete that may have reached the provider (a 502/504, a timeout, a lost connection). `false` by default:
    /// an undocumented complete may have acted before the answer was lost.
    var completeIsIdempotent: Bool { get }

    /// Checks a route's provider-specific settings at load time; returns problems as messages.
    func validate(route: RouteConfiguration) -> [String]

    /// Builds the authenticator for one route from its resolved credentials. Called once per route at
    /// start-up, so state (a session) is shared by all requests on the route. `transport` is the route's own (a
    /// login goes through it); `clock` is the wall clock for signatures and token expiry, injected for tests.
    func makeAuthenticator(
        route: RouteConfiguration, credentials: ResolvedCredentials, transport: any UpstreamTransport, clock: WallClock
    ) -> any UpstreamAuthenticator

    /// The same, with the route's instruments, for an authenticator that records what it does itself (a Tenovos
    /// login). The default ignores them.
    func makeAuthenticator(
        route: RouteConfiguration, credentials: ResolvedCredentials, transport: any UpstreamTransport, clock: WallClock,
        instruments: RouteInstruments
    ) -> any UpstreamAuthenticator

    /// Translates a checked request into the provider's HTTP request, without credentials.
    /// A field the provider needs and the request lacks is a 400 naming the field and the provider.
    func makeRequest(_ request: CompleteRequest, route: RouteConfiguration) throws(GatewayError) -> UpstreamRequest

    /// Normalizes the provider's answer: a success, or the contract's error for it.
    func interpret(_ response: UpstreamResponse, to request: CompleteRequest, route: RouteConfiguration)
        throws(GatewayError) -> CompleteSuccess
}

extension Provider {
    package func makeAuthenticator(
        route: RouteConfiguration, credentials: ResolvedCredentials, transport: any UpstreamTransport, clock: WallClock,
        instruments: RouteInstruments
    ) -> any UpstreamAuthenticator {
        makeAuthenticator(route: route, credentials: credentials, transport: transport, clock: clock)
    }

    package var optionKeys: [String] { [] }
    package var completeIsIdempotent: Bool { false }
    package func validate(route: RouteConfiguration) -> [String] { [] }
}

/// Which credential keys a provider takes.
package struct CredentialKeys: Sendable {
    /// Alternative sets of required keys: a route must give all keys of exactly one set
    /// (Huawei: `accessKey` + `secretKey`, or `token`).
    package var requiredSets: [[String]]
    package var optional: [String]
    /// Keys whose values are secrets: a literal value draws a warning, and values are redacted from answers.
    package var secret: Set<String>

    package init(requiredSets: [[String]], optional: [String] = [], secret: Set<String>) {
        self.requiredSets = requiredSets
        self.optional = optional
        self.secret = secret
    }

    package var all: [String] {
        var keys: [String] = []
        for key in requiredSets.flatMap({ $0 }) + optional where !keys.contains(key) { keys.append(key) }
        return keys
    }
}

/// A route's credentials with their values resolved.
package struct ResolvedCredentials: Sendable {
    package var values: [String: String]

    package init(_ values: [String: String]) {
        self.values = values
    }

    package subscript(key: String) -> String? { values[key] }
}

/// Adds a provider's credentials to each attempt, just before it is sent.
package protocol UpstreamAuthenticator: Sendable {
    /// Adds credentials to `request`; called again for every attempt (a signature is made fresh each time).
    /// A failure to obtain credentials (a refused login) is thrown as the contract's error.
    func authorize(_ request: inout UpstreamRequest) async throws(GatewayError)

    /// The provider refused the credentials `request` carried (HTTP 401). Returns `true` when new
    /// credentials were obtained and the request should be tried once more; the pipeline never retries
    /// more than once.
    func renewAfterRejection(of request: UpstreamRequest) async -> Bool

    /// Values that must never leave Splice: keys, passwords, current tokens. Used to redact answers.
    func sensitiveValues() async -> [String]
}

/// Credentials that are a fixed set of headers (an API key).
package struct StaticHeaderAuthenticator: UpstreamAuthenticator {
    let headers: HTTPFields
    /// The bare secrets inside the header values (a key without its `Bearer `), for redaction.
    let secrets: [String]

    package init(headers: HTTPFields, secrets: [String]) {
        self.headers = headers
        self.secrets = secrets
    }

    package func authorize(_ request: inout UpstreamRequest) async throws(GatewayError) {
        for field in headers { request.headers[field.name] = field.value }
    }

    package func renewAfterRejection(of request: UpstreamRequest) async -> Bool { false }

    package func sensitiveValues() async -> [String] { secrets + headers.map(\.value) }
}
