import CoreMetrics
import SpliceCore
import Synchronization

/// Every finished request, from its ledger entry: `splice_requests_total`, `splice_request_duration_seconds`,
/// `splice_upstream_duration_seconds` and `splice_idempotent_replays_total`.
///
/// A series is made the first time its labels occur and reused after (the label sets are few: routes × kinds ×
/// outcomes). A route name that is not a route of the table (a client's typo) is labelled `_none`, like a request
/// refused before its route was known: clients cannot make new series.
package final class RequestMetrics: FinishedRequestObserver {
    /// The `route` and `provider` label of a request that named no known route (route names never start with `_`).
    package static let noRoute = "_none"

    private let factory: any MetricsFactory
    private let state = Mutex(State())

    private struct State {
        /// Each route's provider, by route name.
        var providers: [String: String] = [:]
        var routes: [String: RouteSeries] = [:]
        var requests: [RequestKey: Counter] = [:]
    }

    private struct RouteSeries {
        let requestDuration: Timer
        let upstreamDuration: Timer
        let replays: Counter
    }

    private struct RequestKey: Hashable {
        var route: String
        var kind: LedgerEntry.Kind
        var code: String
    }

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// The routes whose names are labels from now on (a reload may add some).
    func update(for table: RouteTable) {
        let providers = Dictionary(table.routes.map { ($0.name, $0.provider.name) }) { first, _ in first }
        state.withLock { $0.providers = providers }
    }

    package func observe(_ entry: LedgerEntry) {
        let (series, requests) = state.withLock { state -> (RouteSeries, Counter) in
            let (route, provider) =
                entry.route.flatMap { name in state.providers[name].map { (name, $0) } }
                ?? (Self.noRoute, Self.noRoute)
            // Made the first time their labels occur; every later request only looks them up.
            let series: RouteSeries
            if let existing = state.routes[route] {
                series = existing
            } else {
                series = makeSeries(route: route, provider: provider)
                state.routes[route] = series
            }
            let key = RequestKey(route: route, kind: entry.kind, code: entry.outcome)
            let requests: Counter
            if let existing = state.requests[key] {
                requests = existing
            } else {
                requests = Counter(
                    label: "splice_requests_total",
                    dimensions: [
                        ("route", route), ("provider", provider), ("kind", entry.kind.rawValue), ("code", entry.outcome),
                    ], factory: factory)
                state.requests[key] = requests
            }
            return (series, requests)
        }
        requests.increment()
        series.requestDuration.recordNanoseconds(Self.nanoseconds(milliseconds: entry.totalMs))
        if let upstream = entry.upstreamMs {
            series.upstreamDuration.recordNanoseconds(Self.nanoseconds(milliseconds: upstream))
        }
        if entry.replayed { series.replays.increment() }
    }

    private func makeSeries(route: String, provider: String) -> RouteSeries {
        let labels = [("route", route), ("provider", provider)]
        return RouteSeries(
            requestDuration: Timer(label: "splice_request_duration_seconds", dimensions: labels, factory: factory),
            upstreamDuration: Timer(label: "splice_upstream_duration_seconds", dimensions: labels, factory: factory),
            replays: Counter(label: "splice_idempotent_replays_total", dimensions: [("route", route)], factory: factory))
    }

    static func nanoseconds(milliseconds: Double) -> Int64 {
        guard milliseconds.isFinite, milliseconds > 0 else { return 0 }
        return Int64(min(milliseconds * 1_000_000, Double(Int64.max / 2)))
    }
}
