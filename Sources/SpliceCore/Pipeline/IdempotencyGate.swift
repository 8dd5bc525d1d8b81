import Foundation
import Logging

/// `Idempotency-Key` on `POST /complete`: a claim in the state store before anything is sent, the final answer
/// stored after, and the stored answer given again, without calling the provider, to a retry of the same request.
package struct IdempotencyGate: Sendable {
    package let store: any StateStore
    /// How long a final answer is kept (`idempotency.ttlSeconds`).
    package let ttl: Duration

    package init(store: any StateStore, ttl: Duration) {
        self.store = store
        self.ttl = ttl
    }

    /// What to do with a request that carries a key.
    package enum Admission: Sendable {
        /// Send it; then `settle` the claim with its outcome.
        case proceed(IdempotencyKey)
        /// Answer with this stored answer and send nothing.
        case replay(StoredAnswer)
        /// Refuse with this error and send nothing.
        case refuse(GatewayError)
    }

    /// The codes whose answers are final: the provider acted, or definitively refused. Everything else (a gateway
    /// refusal, a 5xx, a timeout, an unreachable provider, a rate limit) leaves the key free for a retry.
    package static let finalCodes: Set<GatewayError.Code> = [
        .upstreamRejected, .upstreamNotFound, .upstreamAuthFailed, .badUpstreamResponse,
    ]

    /// Claims `key` for `request` from `client`. A claim in flight longer than `staleAfter` (more than the route's
    /// whole deadline budget) belongs to an instance that died, and is taken over.
    package func admit(
        key: String, client: String?, request: CompleteRequest, staleAfter: Duration, now: Date
    ) async -> Admission {
        let scoped = IdempotencyKey(client: client, route: request.route, key: key)
        do throws(StateStoreError) {
            switch try await store.claim(scoped, fingerprint: request.fingerprint, now: now, staleAfter: staleAfter) {
            case .claimed: return .proceed(scoped)
            case .replay(let answer): return .replay(answer)
            case .inFlight: return .refuse(.idempotencyKeyInUse(route: request.route))
            case .mismatch: return .refuse(.idempotencyKeyReused(route: request.route))
            }
        } catch {
            return .refuse(.stateUnavailable(error.reason, route: request.route))
        }
    }

    /// Stores the final answer, or frees the key when the outcome is not final. A store that fails here leaves the
    /// claim in flight until it goes stale: a retry meanwhile is told 409, never sent twice.
    package func settle(
        _ key: IdempotencyKey, result: Result<CompleteSuccess, GatewayError>, requestId: String, now: Date,
        logger: Logger
    ) async {
        do throws(StateStoreError) {
            switch result {
            case .success(let success):
                let body = success.envelope(requestId: requestId).serialized()
                try await store.finish(
                    key, answer: StoredAnswer(status: 200, body: body, requestId: requestId),
                    expiresAt: now.addingTimeInterval(ttl.seconds))
            case .failure(let error) where Self.finalCodes.contains(error.code):
                let body = error.envelope(requestId: requestId).serialized()
                try await store.finish(
                    key, answer: StoredAnswer(status: error.status, body: body, requestId: requestId),
                    expiresAt: now.addingTimeInterval(ttl.seconds))
            case .failure:
                try await store.release(key)
            }
        } catch {
            logger.warning(
                "the state store could not settle an Idempotency-Key; retries with it are refused until the claim goes stale",
                metadata: ["route": "\(key.route)", "reason": "\(error.reason)"])
        }
    }
}

extension Duration {
    /// Whole and fractional seconds, for `Date` arithmetic.
    package var seconds: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}
