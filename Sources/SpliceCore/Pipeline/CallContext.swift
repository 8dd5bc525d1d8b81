import HTTPTypes
import Logging

/// Who is calling Splice: the client's name when it authenticated, and the routes it may use.
package struct ClientIdentity: Sendable, Equatable {
    /// The `clients:` entry's name; `nil` when no client keys are configured (anonymous).
    package var name: String?
    package var access: ClientAccess

    package init(name: String?, access: ClientAccess) {
        self.name = name
        self.access = access
    }

    package static let anonymous = ClientIdentity(name: nil, access: .allRoutes)
}

/// What the pipeline knows of one client request besides its body: one value, so that a new need (an
/// `Idempotency-Key`, an mTLS identity) reaches every stage without changing their signatures.
package struct CallContext: Sendable {
    /// The client's `X-Request-Id`, or one Splice made.
    package var requestId: String
    package var client: ClientIdentity
    /// The client's request headers. Stages read only the ones the contract names; none is ever copied upstream.
    package var headers: HTTPFields
    /// Carries `request_id` (and `client`) as metadata.
    package var logger: Logger
    package var clock: WallClock

    package init(
        requestId: String, client: ClientIdentity = .anonymous, headers: HTTPFields = [:], logger: Logger,
        clock: WallClock = .system
    ) {
        self.requestId = requestId
        self.client = client
        self.headers = headers
        self.logger = logger
        self.clock = clock
    }
}
