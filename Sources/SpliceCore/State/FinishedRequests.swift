/// Wants every finished request's ledger entry: the ledger itself, the metrics, the console's activity window.
/// Called on the request's path: an observer must not wait for anything.
package protocol FinishedRequestObserver: Sendable {
    func observe(_ entry: LedgerEntry)
}

/// The one place a finished (or refused) request is reported: its `LedgerEntry` goes to every observer.
package struct FinishedRequests: Sendable {
    package let observers: [any FinishedRequestObserver]

    package static let none = FinishedRequests([])

    package init(_ observers: [any FinishedRequestObserver]) {
        self.observers = observers
    }

    /// Whether anyone listens: when nobody does, entries need not even be made.
    package var isEmpty: Bool { observers.isEmpty }

    package func record(_ entry: LedgerEntry) {
        for observer in observers { observer.observe(entry) }
    }
}

extension LedgerRecorder: FinishedRequestObserver {
    package func observe(_ entry: LedgerEntry) { record(entry) }
}
