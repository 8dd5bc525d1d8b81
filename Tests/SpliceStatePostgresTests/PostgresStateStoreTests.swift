import Foundation
import Logging
import PostgresNIO
import SpliceCore
import Testing

@testable import SpliceStatePostgres

private let start = Date(timeIntervalSince1970: 1_764_000_000)
private let stale = Duration.seconds(60)
private let answer = StoredAnswer(status: 200, body: Array(0...255) + Array("{\"status\":\"completed\"}".utf8), requestId: "req-1")

private func key(_ name: String = "k-1", client: String? = "studio", route: String = "ar") -> IdempotencyKey {
    IdempotencyKey(client: client, route: route, key: name)
}

@Suite("PostgresStateStore: idempotency keys", .enabled(if: TestDatabase.isAvailable, TestDatabase.skipReason))
struct PostgresIdempotencyTests {
    @Test("claim, finish, then the same request is replayed byte for byte")
    func claimFinishReplay() async throws {
        try await TestDatabase.withStore { store, _ async throws in
            #expect(try await store.claim(key(), fingerprint: "fp", now: start, staleAfter: stale) == .claimed)
            try await store.finish(key(), answer: answer, expiresAt: start.addingTimeInterval(3600))
            let again = try await store.claim(key(), fingerprint: "fp", now: start.addingTimeInterval(10), staleAfter: stale)
            #expect(again == .replay(answer))
        }
    }

    @Test("a different fingerprint is a mismatch, in flight and final")
    func mismatch() async throws {
        try await TestDatabase.withStore { store, _ async throws in
            #expect(try await store.claim(key(), fingerprint: "a", now: start, staleAfter: stale) == .claimed)
            #expect(try await store.claim(key(), fingerprint: "b", now: start, staleAfter: stale) == .mismatch)
            try await store.finish(key(), answer: answer, expiresAt: start.addingTimeInterval(3600))
            #expect(try await store.claim(key(), fingerprint: "b", now: start, staleAfter: stale) == .mismatch)
        }
    }

    @Test("a fresh claim is in flight; keys are scoped by client and route")
    func inFlightAndScope() async throws {
        try await TestDatabase.withStore { store, _ async throws in
            #expect(try await store.claim(key(), fingerprint: "fp", now: start, staleAfter: stale) == .claimed)
            let later = start.addingTimeInterval(59)
            #expect(try await store.claim(key(), fingerprint: "fp", now: later, staleAfter: stale) == .inFlight)
            #expect(try await store.claim(key(client: "other"), fingerprint: "fp", now: later, staleAfter: stale) == .claimed)
            #expect(try await store.claim(key(client: nil), fingerprint: "fp", now: later, staleAfter: stale) == .claimed)
            #expect(try await store.claim(key(client: nil), fingerprint: "fp", now: later, staleAfter: stale) == .inFlight)
            #expect(try await store.claim(key(route: "other"), fingerprint: "fp", now: later, staleAfter: stale) == .claimed)
        }
    }

    @Test("a claim older than staleAfter is taken over, once")
    func staleTakeover() async throws {
        try await TestDatabase.withStore { store, _ async throws in
            #expect(try await store.claim(key(), fingerprint: "fp", now: start, staleAfter: stale) == .claimed)
            let later = start.addingTimeInterval(61)
            #expect(try await store.claim(key(), fingerprint: "fp", now: later, staleAfter: stale) == .claimed)
            #expect(try await store.claim(key(), fingerprint: "fp", now: later, staleAfter: stale) == .inFlight)
            // The new claim's answer is the one kept.
            try await store.finish(key(), answer: answer, expiresAt: later.addingTimeInterval(3600))
            #expect(try await store.claim(key(), fingerprint: "fp", now: later, staleAfter: stale) == .replay(answer))
        }
    }

    @Test("release lets the next request run; a final answer is not released")
    func release() async throws {
        try await TestDatabase.withStore { store, _ async throws in
            #expect(try await store.claim(key(), fingerprint: "fp", now: start, staleAfter: stale) == .claimed)
            try await store.release(key())
            #expect(try await store.claim(key(), fingerprint: "other", now: start, staleAfter: stale) == .claimed)
            try await store.finish(key(), answer: answer, expiresAt: start.addingTimeInterval(3600))
            try await store.release(key())
            #expect(try await store.claim(key(), fingerprint: "other", now: start, staleAfter: stale) == .replay(answer))
            // Releasing an unknown key is not an error.
            try await store.release(key("never-claimed"))
        }
    }

    @Test("an expired answer is claimable again, and removeExpired deletes only expired answers")
    func expiry() async throws {
        try await TestDatabase.withStore { store, _ async throws in
            for name in ["short", "long", "pending"] {
                #expect(try await store.claim(key(name), fingerprint: "fp", now: start, staleAfter: stale) == .claimed)
            }
            try await store.finish(key("short"), answer: answer, expiresAt: start.addingTimeInterval(10))
            try await store.finish(key("long"), answer: answer, expiresAt: start.addingTimeInterval(100))
            #expect(try await store.claim(key("short"), fingerprint: "fp", now: start.addingTimeInterval(9), staleAfter: stale) == .replay(answer))

            #expect(try await store.removeExpired(now: start.addingTimeInterval(50)) == 1)
            #expect(try await store.removeExpired(now: start.addingTimeInterval(50)) == 0)
            #expect(try await store.claim(key("long"), fingerprint: "fp", now: start.addingTimeInterval(50), staleAfter: stale) == .replay(answer))
            // Expired but not yet removed: claimed afresh, whatever the fingerprint.
            let expired = start.addingTimeInterval(100)
            #expect(try await store.claim(key("long"), fingerprint: "new", now: expired, staleAfter: stale) == .claimed)
            // The claim in flight was never touched by removeExpired.
            #expect(try await store.claim(key("pending"), fingerprint: "fp", now: start.addingTimeInterval(50), staleAfter: stale) == .inFlight)
        }
    }

    @Test("two instances (two pools), 50 tasks each, racing one key: exactly one claims it")
    func raceAcrossInstances() async throws {
        try await TestDatabase.withStore(maximumConnections: 8) { first, schema async throws in
            let second = try TestDatabase.store(schema: schema, maximumConnections: 8)
            try await first.migrate()
            let results = try await withThrowingTaskGroup(of: IdempotencyClaim.self) { group in
                for index in 0..<100 {
                    let store = index.isMultiple(of: 2) ? first : second
                    group.addTask { try await store.claim(key("raced"), fingerprint: "fp", now: start, staleAfter: stale) }
                }
                var results: [IdempotencyClaim] = []
                for try await result in group { results.append(result) }
                return results
            }
            await second.shutdown()
            #expect(results.count == 100)
            #expect(results.filter { $0 == .claimed }.count == 1)
            #expect(results.filter { $0 == .inFlight }.count == 99)
        }
    }

    @Test("two instances racing a stale claim: exactly one takes it over")
    func raceForStaleClaim() async throws {
        try await TestDatabase.withStore(maximumConnections: 8) { first, schema async throws in
            let second = try TestDatabase.store(schema: schema, maximumConnections: 8)
            #expect(try await first.claim(key("stale"), fingerprint: "fp", now: start, staleAfter: stale) == .claimed)
            let later = start.addingTimeInterval(120)
            let results = try await withThrowingTaskGroup(of: IdempotencyClaim.self) { group in
                for index in 0..<40 {
                    let store = index.isMultiple(of: 2) ? first : second
                    group.addTask { try await store.claim(key("stale"), fingerprint: "fp", now: later, staleAfter: stale) }
                }
                var results: [IdempotencyClaim] = []
                for try await result in group { results.append(result) }
                return results
            }
            await second.shutdown()
            #expect(results.filter { $0 == .claimed }.count == 1)
        }
    }
}
