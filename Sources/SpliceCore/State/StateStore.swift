import Foundation

/// Where Splice keeps what must outlive one request and be shared by every instance behind a load balancer:
/// `Idempotency-Key` claims with their final answers, and the egress ledger.
///
/// Two implementations, one schema: embedded SQLite (the default) and PostgreSQL (several instances). Every method
/// throws `StateStoreError.unavailable` when the store cannot be reached or written; callers decide what that means
/// (a request with a key is refused, a ledger entry is buffered).
package protocol StateStore: Sendable {
    /// Claims `key` for one request with `fingerprint`, atomically across every instance sharing the store.
    ///
    /// - An unknown key (or one whose final answer expired at `now`) is claimed: `.claimed`.
    /// - A key with a final answer and the same fingerprint: `.replay(answer)`.
    /// - A key held by a request in flight, claimed after `now - staleAfter`: `.inFlight`. A claim older than that
    ///   is a crashed instance's and is taken over (`.claimed`).
    /// - A different fingerprint, final or in flight: `.mismatch`.
    func claim(_ key: IdempotencyKey, fingerprint: String, now: Date, staleAfter: Duration) async throws(StateStoreError)
        -> IdempotencyClaim

    /// Stores the final answer of the request that claimed `key`; it is replayed until `expiresAt`.
    func finish(_ key: IdempotencyKey, answer: StoredAnswer, expiresAt: Date) async throws(StateStoreError)

    /// Gives up a claim whose outcome is not stored (a retryable failure): the next request with the key runs again.
    func release(_ key: IdempotencyKey) async throws(StateStoreError)

    /// Deletes final answers that expired before `now`; returns how many.
    func removeExpired(now: Date) async throws(StateStoreError) -> Int

    /// Appends ledger entries (one call may carry a buffered backlog).
    func append(_ entries: [LedgerEntry]) async throws(StateStoreError)

    /// Ledger entries matching `query`, newest first.
    func ledger(_ query: LedgerQuery) async throws(StateStoreError) -> [LedgerEntry]

    /// Closes connections and files; the store is not used afterwards.
    func shutdown() async
}

/// The store could not do what was asked. The reason names no secret (never a password or a URL with one).
package enum StateStoreError: Error, Sendable, Equatable {
    case unavailable(String)

    /// Why, for a log line or an error message.
    package var reason: String {
        switch self {
        case .unavailable(let reason): reason
        }
    }
}

/// An `Idempotency-Key`, scoped to the client that sent it and the route it named.
package struct IdempotencyKey: Sendable, Hashable {
    /// The client's name; `nil` for anonymous.
    package var client: String?
    package var route: String
    package var key: String

    package init(client: String?, route: String, key: String) {
        self.client = client
        self.route = route
        self.key = key
    }
}

/// What a claim found.
package enum IdempotencyClaim: Sendable, Equatable {
    case claimed
    case replay(StoredAnswer)
    case inFlight
    case mismatch
}

/// A final answer kept with its key, replayed byte for byte.
package struct StoredAnswer: Sendable, Equatable {
    package var status: Int
    /// The JSON body, as first sent.
    package var body: [UInt8]
    /// The first answer's `X-Request-Id`.
    package var requestId: String

    package init(status: Int, body: [UInt8], requestId: String) {
        self.status = status
        self.body = body
        self.requestId = requestId
    }
}
