import Foundation

/// One client request Splice sent on (or refused) on `/complete` or passthrough. Never a secret, a token, a
/// signature or a body: only what names the request and its outcome.
package struct LedgerEntry: Sendable, Equatable {
    package enum Kind: String, Sendable, Equatable {
        case complete
        case passthrough
    }

    /// When the request arrived (kept to the millisecond).
    package var time: Date
    package var requestId: String
    /// The client's name; `nil` for anonymous.
    package var client: String?
    /// `nil` when the request named no known route.
    package var route: String?
    package var provider: String?
    package var kind: Kind
    /// The `/complete` action, or the passthrough method and path (`PUT /api/v2/...`, without the query).
    package var action: String
    package var uploadId: String?
    package var fileId: String?
    /// The success status word (`completed`, ...) or the contract's error code.
    package var outcome: String
    package var httpStatus: Int
    package var upstreamStatus: Int?
    package var attempts: Int
    package var upstreamMs: Double?
    package var totalMs: Double
    package var idempotencyKey: String?
    package var replayed: Bool

    package init(
        time: Date, requestId: String, client: String?, route: String?, provider: String?, kind: Kind, action: String,
        uploadId: String? = nil, fileId: String? = nil, outcome: String, httpStatus: Int, upstreamStatus: Int? = nil,
        attempts: Int = 0, upstreamMs: Double? = nil, totalMs: Double, idempotencyKey: String? = nil,
        replayed: Bool = false
    ) {
        self.time = time
        self.requestId = requestId
        self.client = client
        self.route = route
        self.provider = provider
        self.kind = kind
        self.action = action
        self.uploadId = uploadId
        self.fileId = fileId
        self.outcome = outcome
        self.httpStatus = httpStatus
        self.upstreamStatus = upstreamStatus
        self.attempts = attempts
        self.upstreamMs = upstreamMs
        self.totalMs = totalMs
        self.idempotencyKey = idempotencyKey
        self.replayed = replayed
    }
}

/// `GET /ledger` and `splice ledger` filters.
package struct LedgerQuery: Sendable, Equatable {
    package static let defaultLimit = 100
    package static let maximumLimit = 1000

    package var route: String?
    package var client: String?
    /// Entries at or after this time.
    package var since: Date?
    package var limit: Int

    package init(route: String? = nil, client: String? = nil, since: Date? = nil, limit: Int = LedgerQuery.defaultLimit) {
        self.route = route
        self.client = client
        self.since = since
        self.limit = limit
    }
}
