import CoreMetrics
import Foundation

/// What the pipeline records about one route's upstream: attempts by result, the provider's clock skew and, for a
/// Tenovos route, its logins and refreshes. Made once per route when the route table is resolved, from the
/// gateway's metrics factory, so that the request path only increments objects that already exist.
package struct RouteInstruments: Sendable {
    /// How an attempt on the wire ended (the `result` label of `splice_upstream_attempts_total`).
    package enum AttemptResult: String, Sendable, CaseIterable {
        /// The provider answered, whatever the status.
        case answered
        /// No answer within the attempt's deadline.
        case timeout
        /// No connection could be made (DNS, refused, TLS).
        case unreachable
        /// The connection was closed before a whole answer came.
        case closed
        /// Every connection of the route's pool was busy for the whole wait.
        case noConnection = "no_connection"
        /// The answer was larger than Splice reads.
        case tooLarge = "too_large"
        /// The HTTP client refused to send the request.
        case invalid
        /// The client went away (or the gateway stopped) while the attempt was under way.
        case cancelled
    }

    /// Records nothing: routes resolved without a gateway (unit tests, `splice check`).
    package static let none = RouteInstruments(route: "", provider: "", factory: NOOPMetricsHandler.instance)

    private let attempts: [Counter]
    private let clockSkew: Gauge
    private let tenovosLogins: Counter?
    private let tenovosRefreshes: Counter?
    /// The clock the skew is measured against: the route's own (the one its signatures and token expiry read).
    private let clock: WallClock

    package init(route: String, provider: String, factory: any MetricsFactory, clock: WallClock = .system) {
        self.clock = clock
        attempts = AttemptResult.allCases.map { result in
            Counter(
                label: "splice_upstream_attempts_total",
                dimensions: [("route", route), ("provider", provider), ("result", result.rawValue)], factory: factory)
        }
        clockSkew = Gauge(label: "splice_upstream_clock_skew_seconds", dimensions: [("route", route)], factory: factory)
        // Only a Tenovos route logs in: the others would show series that can only be zero.
        if provider == TenovosProvider.providerName {
            tenovosLogins = Counter(label: "splice_tenovos_logins_total", dimensions: [("route", route)], factory: factory)
            tenovosRefreshes = Counter(
                label: "splice_tenovos_refreshes_total", dimensions: [("route", route)], factory: factory)
        } else {
            tenovosLogins = nil
            tenovosRefreshes = nil
        }
    }

    package func recordAttempt(_ result: AttemptResult) {
        // `allCases` order: the index of a case is its position in `attempts`.
        attempts[result.index].increment()
    }

    /// The provider's `Date` header minus the local time, in seconds; a header that is not an HTTP-date is ignored.
    package func recordClock(providerDate header: String?) {
        guard let header, let date = HTTPDate.parse(header) else { return }
        clockSkew.record(date.timeIntervalSince(clock.now()))
    }

    package func recordTenovosLogin() { tenovosLogins?.increment() }
    package func recordTenovosRefresh() { tenovosRefreshes?.increment() }
}

extension RouteInstruments.AttemptResult {
    fileprivate var index: Int {
        switch self {
        case .answered: 0
        case .timeout: 1
        case .unreachable: 2
        case .closed: 3
        case .noConnection: 4
        case .tooLarge: 5
        case .invalid: 6
        case .cancelled: 7
        }
    }

    /// The result for what the transport threw.
    package init(_ error: UpstreamTransportError) {
        switch error {
        case .timeout: self = .timeout
        case .noConnection: self = .noConnection
        case .unreachable: self = .unreachable
        case .connectionClosed: self = .closed
        case .responseTooLarge: self = .tooLarge
        case .invalidRequest: self = .invalid
        }
    }
}
