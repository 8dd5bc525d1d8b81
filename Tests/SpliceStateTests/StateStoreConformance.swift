import Foundation
import SpliceCore
import Testing

/// What every `StateStore` must do, whatever keeps the data. Each check takes a fresh, empty store and leaves it
/// open (the caller shuts it down); a store-specific test file runs each of them (see `SQLiteStateStoreTests`).
enum StateStoreConformance {
    /// Every check, by name, for `@Test(arguments:)`.
    static let checks: [Check] = [
        Check("claim, finish, replay", claimFinishReplay),
        Check("mismatch while in flight and once final", mismatchInFlightAndFinal),
        Check("in flight answered .inFlight", inFlightAnsweredInFlight),
        Check("stale claim taken over", staleClaimTakenOver),
        Check("release lets the next claim run", releaseLetsNextClaimRun),
        Check("keys scoped by client and route", keysScopedByClientAndRoute),
        Check("expired answer removed and claimable again", expiredAnswerRemovedAndClaimable),
        Check("concurrent claims: exactly one claimed", concurrentClaimsExactlyOneClaimed),
        Check("ledger filters, newest first, limit", ledgerFiltersNewestFirstAndLimit),
        Check("ledger since", ledgerSince),
        Check("ledger limit clamped", ledgerLimitClamped),
        Check("ledger entries round-trip exactly", ledgerEntriesRoundTrip),
    ]

    struct Check: Sendable, CustomTestStringConvertible {
        var name: String
        var run: @Sendable (any StateStore) async throws -> Void

        init(_ name: String, _ run: @escaping @Sendable (any StateStore) async throws -> Void) {
            self.name = name
            self.run = run
        }

        var testDescription: String { name }
    }

    // MARK: - Fixtures

    /// A whole-millisecond time (stores keep milliseconds).
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000.123)
    static let staleAfter = Duration.seconds(60)
    static let answer = StoredAnswer(status: 200, body: Array(#"{"status":"completed","fileId":"f-1"}"#.utf8), requestId: "req-1")

    static func key(_ name: String = "key-1", client: String? = "studio", route: String = "spatialgen") -> IdempotencyKey {
        IdempotencyKey(client: client, route: route, key: name)
    }

    static func entry(
        _ requestId: String, at time: Date, client: String? = "studio", route: String? = "spatialgen", outcome: String = "completed"
    ) -> LedgerEntry {
        LedgerEntry(
            time: time, requestId: requestId, client: client, route: route, provider: "spatialgen", kind: .complete,
            action: "complete", uploadId: "u-\(requestId)", fileId: "f-\(requestId)", outcome: outcome, httpStatus: 200,
            upstreamStatus: 200, attempts: 1, upstreamMs: 12.5, totalMs: 14.25, idempotencyKey: nil, replayed: false)
    }

    // MARK: - Idempotency keys

    static func claimFinishReplay(_ store: any StateStore) async throws {
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0, staleAfter: staleAfter) == .claimed)
        try await store.finish(key(), answer: answer, expiresAt: t0 + 3600)
        let replay = try await store.claim(key(), fingerprint: "fp-a", now: t0 + 10, staleAfter: staleAfter)
        #expect(replay == .replay(answer))
        // Replaying does not consume the answer.
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0 + 20, staleAfter: staleAfter) == .replay(answer))
        // An empty body is kept as empty, not lost.
        let empty = StoredAnswer(status: 404, body: [], requestId: "req-2")
        #expect(try await store.claim(key("key-2"), fingerprint: "fp-b", now: t0, staleAfter: staleAfter) == .claimed)
        try await store.finish(key("key-2"), answer: empty, expiresAt: t0 + 3600)
        #expect(try await store.claim(key("key-2"), fingerprint: "fp-b", now: t0 + 1, staleAfter: staleAfter) == .replay(empty))
    }

    static func mismatchInFlightAndFinal(_ store: any StateStore) async throws {
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0, staleAfter: staleAfter) == .claimed)
        #expect(try await store.claim(key(), fingerprint: "fp-b", now: t0 + 1, staleAfter: staleAfter) == .mismatch)
        try await store.finish(key(), answer: answer, expiresAt: t0 + 3600)
        #expect(try await store.claim(key(), fingerprint: "fp-b", now: t0 + 2, staleAfter: staleAfter) == .mismatch)
        // The mismatch changed nothing: the first request's answer is still there.
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0 + 3, staleAfter: staleAfter) == .replay(answer))
    }

    static func inFlightAnsweredInFlight(_ store: any StateStore) async throws {
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0, staleAfter: staleAfter) == .claimed)
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0 + 1, staleAfter: staleAfter) == .inFlight)
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0 + 59, staleAfter: staleAfter) == .inFlight)
    }

    static func staleClaimTakenOver(_ store: any StateStore) async throws {
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0, staleAfter: staleAfter) == .claimed)
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0 + 61, staleAfter: staleAfter) == .claimed)
        // The new claim is fresh: it is in flight from its own time.
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0 + 62, staleAfter: staleAfter) == .inFlight)
        // A crashed claim stored no outcome: a request with another fingerprint takes it over too.
        #expect(try await store.claim(key("key-2"), fingerprint: "fp-a", now: t0, staleAfter: staleAfter) == .claimed)
        #expect(try await store.claim(key("key-2"), fingerprint: "fp-b", now: t0 + 61, staleAfter: staleAfter) == .claimed)
        #expect(try await store.claim(key("key-2"), fingerprint: "fp-a", now: t0 + 62, staleAfter: staleAfter) == .mismatch)
    }

    static func releaseLetsNextClaimRun(_ store: any StateStore) async throws {
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0, staleAfter: staleAfter) == .claimed)
        try await store.release(key())
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0 + 1, staleAfter: staleAfter) == .claimed)
        // Releasing a key with a final answer keeps the answer.
        try await store.finish(key(), answer: answer, expiresAt: t0 + 3600)
        try await store.release(key())
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0 + 2, staleAfter: staleAfter) == .replay(answer))
        // Releasing an unknown key is harmless.
        try await store.release(key("never-claimed"))
    }

    static func keysScopedByClientAndRoute(_ store: any StateStore) async throws {
        #expect(try await store.claim(key(), fingerprint: "fp-a", now: t0, staleAfter: staleAfter) == .claimed)
        #expect(try await store.claim(key(client: "other"), fingerprint: "fp-a", now: t0, staleAfter: staleAfter) == .claimed)
        #expect(try await store.claim(key(route: "tenovos"), fingerprint: "fp-a", now: t0, staleAfter: staleAfter) == .claimed)
        // Anonymous is a scope of its own, and one key there is claimed once.
        #expect(try await store.claim(key(client: nil), fingerprint: "fp-a", now: t0, staleAfter: staleAfter) == .claimed)
        #expect(try await store.claim(key(client: nil), fingerprint: "fp-a", now: t0 + 1, staleAfter: staleAfter) == .inFlight)
    }

    static func expiredAnswerRemovedAndClaimable(_ store: any StateStore) async throws {
        #expect(try await store.claim(key("short"), fingerprint: "fp-a", now: t0, staleAfter: staleAfter) == .claimed)
        try await store.finish(key("short"), answer: answer, expiresAt: t0 + 100)
        #expect(try await store.claim(key("long"), fingerprint: "fp-a", now: t0, staleAfter: staleAfter) == .claimed)
        try await store.finish(key("long"), answer: answer, expiresAt: t0 + 10_000)
        // Past its expiry, an answer is absent even before removeExpired runs.
        #expect(try await store.claim(key("short"), fingerprint: "fp-b", now: t0 + 101, staleAfter: staleAfter) == .claimed)
        try await store.finish(key("short"), answer: answer, expiresAt: t0 + 200)

        #expect(try await store.removeExpired(now: t0 + 150) == 0)
        #expect(try await store.removeExpired(now: t0 + 201) == 1)
        #expect(try await store.removeExpired(now: t0 + 202) == 0)
        #expect(try await store.claim(key("short"), fingerprint: "fp-c", now: t0 + 203, staleAfter: staleAfter) == .claimed)
        #expect(try await store.claim(key("long"), fingerprint: "fp-a", now: t0 + 203, staleAfter: staleAfter) == .replay(answer))
        // A claim in flight is not an expired answer: removeExpired leaves it.
        #expect(try await store.removeExpired(now: t0 + 100_000) == 1)
        #expect(try await store.claim(key("short"), fingerprint: "fp-c", now: t0 + 204, staleAfter: .seconds(1_000_000)) == .inFlight)
    }

    static func concurrentClaimsExactlyOneClaimed(_ store: any StateStore) async throws {
        let claims = try await withThrowingTaskGroup(of: IdempotencyClaim.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try await store.claim(key("raced"), fingerprint: "fp-a", now: t0 + Double(index) / 1000, staleAfter: staleAfter)
                }
            }
            var claims: [IdempotencyClaim] = []
            for try await claim in group { claims.append(claim) }
            return claims
        }
        #expect(claims.count == 50)
        #expect(claims.filter { $0 == .claimed }.count == 1)
        #expect(claims.filter { $0 == .inFlight }.count == 49)
    }

    // MARK: - Ledger

    static func ledgerFiltersNewestFirstAndLimit(_ store: any StateStore) async throws {
        try await store.append([
            entry("r1", at: t0, client: "studio", route: "spatialgen"),
            entry("r2", at: t0 + 1, client: "other", route: "spatialgen"),
            entry("r3", at: t0 + 2, client: nil, route: "tenovos"),
            entry("r4", at: t0 + 3, client: "studio", route: "tenovos"),
        ])
        try await store.append([entry("r5", at: t0 + 4, client: "studio", route: nil, outcome: "unknown_route")])
        try await store.append([])

        #expect(try await store.ledger(LedgerQuery()).map(\.requestId) == ["r5", "r4", "r3", "r2", "r1"])
        #expect(try await store.ledger(LedgerQuery(route: "spatialgen")).map(\.requestId) == ["r2", "r1"])
        #expect(try await store.ledger(LedgerQuery(client: "studio")).map(\.requestId) == ["r5", "r4", "r1"])
        #expect(try await store.ledger(LedgerQuery(route: "tenovos", client: "studio")).map(\.requestId) == ["r4"])
        #expect(try await store.ledger(LedgerQuery(route: "nope")).isEmpty)
        #expect(try await store.ledger(LedgerQuery(limit: 2)).map(\.requestId) == ["r5", "r4"])
        #expect(try await store.ledger(LedgerQuery(limit: 0)).isEmpty)
    }

    static func ledgerSince(_ store: any StateStore) async throws {
        try await store.append((0..<5).map { entry("r\($0)", at: t0 + Double($0) * 60) })
        // `since` is inclusive.
        #expect(try await store.ledger(LedgerQuery(since: t0 + 120)).map(\.requestId) == ["r4", "r3", "r2"])
        #expect(try await store.ledger(LedgerQuery(since: t0 + 121)).map(\.requestId) == ["r4", "r3"])
        #expect(try await store.ledger(LedgerQuery(since: t0 + 1000)).isEmpty)
        #expect(try await store.ledger(LedgerQuery(route: "spatialgen", since: t0 + 180, limit: 1)).map(\.requestId) == ["r4"])
    }

    static func ledgerLimitClamped(_ store: any StateStore) async throws {
        let count = LedgerQuery.maximumLimit + 5
        try await store.append((0..<count).map { entry("r\($0)", at: t0 + Double($0)) })
        let all = try await store.ledger(LedgerQuery(limit: 1_000_000))
        #expect(all.count == LedgerQuery.maximumLimit)
        #expect(all.first?.requestId == "r\(count - 1)")
        #expect(try await store.ledger(LedgerQuery(limit: -1)).isEmpty)
        #expect(try await store.ledger(LedgerQuery()).count == LedgerQuery.defaultLimit)
    }

    static func ledgerEntriesRoundTrip(_ store: any StateStore) async throws {
        let full = LedgerEntry(
            time: t0, requestId: "req-full", client: "studio", route: "huawei", provider: "huawei-metastudio", kind: .passthrough,
            action: "PUT /api/v2/uploads/u-1", uploadId: "u-1", fileId: "f-1", outcome: "upstream_rejected", httpStatus: 422,
            upstreamStatus: 400, attempts: 2, upstreamMs: 123.456_789, totalMs: 0.1 + 0.2, idempotencyKey: "idem-1",
            replayed: true)
        let bare = LedgerEntry(
            time: Date(timeIntervalSince1970: 1_780_000_000.124), requestId: "req-bare", client: nil, route: nil, provider: nil, kind: .complete,
            action: "complete",
            uploadId: nil, fileId: nil, outcome: "unknown_route", httpStatus: 404, upstreamStatus: nil, attempts: 0,
            upstreamMs: nil, totalMs: 0.25, idempotencyKey: nil, replayed: false)
        try await store.append([full, bare])
        #expect(try await store.ledger(LedgerQuery()) == [bare, full])
    }
}
