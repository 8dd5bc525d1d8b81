import Foundation

/// What the gateway keeps in its state store, in one value handed to the pipeline: the store itself (read by
/// `GET /ledger`), the ledger's writer, and the `Idempotency-Key` gate.
package struct GatewayState: Sendable {
    package let store: any StateStore
    package let ledger: LedgerRecorder
    package let idempotency: IdempotencyGate
    /// Where the store is, for logs and the demo's banner (never a password).
    package let location: String

    package init(store: any StateStore, ledger: LedgerRecorder, idempotencyTTL: Duration, location: String) {
        self.store = store
        self.ledger = ledger
        self.idempotency = IdempotencyGate(store: store, ttl: idempotencyTTL)
        self.location = location
    }
}
