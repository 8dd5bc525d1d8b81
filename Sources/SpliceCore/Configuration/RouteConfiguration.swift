/// One route, as its route file defines it (credentials still as references).
package struct RouteConfiguration: Sendable {
    /// The file name without extension.
    package var name: String
    package var provider: String
    package var upstream: UpstreamURL
    package var credentials: [String: SecretReference]
    package var defaults: Defaults
    /// Deadline for one upstream attempt, counted from when the request is sent (not while it waits for a connection).
    package var timeout: Duration
    /// The most connections the route keeps open to its upstream; more concurrent requests wait for a free one.
    package var maxConnections: Int
    /// The retries Splice may make itself when they are safe (`retries:`).
    package var retries: Retries
    /// The provider's own API for existing clients (`passthrough:`).
    package var passthrough: PassthroughConfiguration
    /// Provider-specific settings (`options:`), validated by the provider.
    package var options: [String: String]
    /// A CA trusted for the upstream in addition to the system's (`tls.ca`); `nil`: the system's only.
    package var tls: UpstreamTLSConfiguration?
    /// The route file, for messages.
    package var file: String
    /// The folder of the route file: `${file:PATH}` references are relative to it.
    package var directory: String

    package struct Defaults: Sendable, Equatable {
        package var projectId: String?

        package init(projectId: String? = nil) {
            self.projectId = projectId
        }
    }

    /// `retries:`: how many attempts in all, and the longest wait between two.
    package struct Retries: Sendable, Equatable {
        /// Total attempts, the first included: 1 never retries.
        package var attempts: Int
        /// The longest `Retry-After` or backoff Splice waits; a provider asking for longer is answered at once.
        package var maxDelay: Duration

        package static let attemptsRange: ClosedRange<Int> = 1...10
        package static let maxDelaySecondsRange: ClosedRange<Double> = 0...300

        package init(attempts: Int = 2, maxDelay: Duration = .seconds(5)) {
            self.attempts = attempts
            self.maxDelay = maxDelay
        }
    }

    package static let defaultTimeout: Duration = .seconds(30)
    package static let timeoutRange: ClosedRange<Double> = 0.1...600
    /// Enough for hundreds of uploads finishing at once against a provider that takes seconds to answer.
    package static let defaultMaxConnections = 256
    package static let maxConnectionsRange: ClosedRange<Int> = 1...10_000

    package init(
        name: String, provider: String, upstream: UpstreamURL, credentials: [String: SecretReference],
        defaults: Defaults = Defaults(), timeout: Duration = defaultTimeout,
        maxConnections: Int = defaultMaxConnections, retries: Retries = Retries(), passthrough: PassthroughConfiguration = PassthroughConfiguration(),
        options: [String: String] = [:], file: String = "", directory: String = "."
    ) {
        self.name = name
        self.provider = provider
        self.upstream = upstream
        self.credentials = credentials
        self.defaults = defaults
        self.timeout = timeout
        self.maxConnections = maxConnections
        self.retries = retries
        self.passthrough = passthrough
        self.options = options
        self.file = file
        self.directory = directory
    }

    /// Route names: `[a-z0-9][a-z0-9-]{0,62}`.
    package static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, name.count <= 63 else { return false }
        let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLowercase || $0.isNumber) }
        return allowed(first) && name.allSatisfy { allowed($0) || $0 == "-" }
    }
}
