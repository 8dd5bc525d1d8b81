import CoreMetrics
import Prometheus
import SpliceCore
import Synchronization

/// One gateway's metrics: its own Prometheus registry (so that gateways in one process, as in the tests, never
/// mix), the factory every series is made from, and the series that are not about one request.
///
/// Wiring: resolve the routes with `RouteTable.resolve(..., metrics: metrics.factory, ...)`, give `metrics` to
/// `SpliceGateway.buildApplication` and `metrics.requests` to every `FinishedRequests`. A configuration reload
/// calls `update(for:)` with the new table (resolved with the same factory) and `recordReload(succeeded:)`.
package final class GatewayMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry
    package let factory: PrometheusMetricsFactory
    /// Turns every finished request's ledger entry into its series.
    package let requests: RequestMetrics
    /// Client requests (`/complete`, passthrough) being answered.
    let inflight: Meter
    private let reloads: (success: CoreMetrics.Counter, failure: CoreMetrics.Counter)
    private let readiness = Mutex<[String: CoreMetrics.Gauge]>([:])

    /// Histogram buckets, in seconds, of both duration histograms: from a cached answer to a provider's timeout.
    package static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .microseconds(2_500_000), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    package init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.durationBuckets
        self.registry = registry
        self.factory = factory
        requests = RequestMetrics(factory: factory)
        inflight = Meter(label: "splice_inflight_requests", factory: factory)
        reloads = (
            CoreMetrics.Counter(label: "splice_config_reloads_total", dimensions: [("result", "success")], factory: factory),
            CoreMetrics.Counter(label: "splice_config_reloads_total", dimensions: [("result", "failure")], factory: factory)
        )
    }

    /// Sets `splice_route_ready` (1 ready, 0 unavailable) for every route of `table`, removes the series of routes
    /// it no longer has, and tells the request series which route names are real. Called at start-up and by reload.
    package func update(for table: RouteTable) {
        requests.update(for: table)
        readiness.withLock { gauges in
            var kept: [String: CoreMetrics.Gauge] = [:]
            for route in table.routes {
                let gauge =
                    gauges[route.name]
                    ?? CoreMetrics.Gauge(label: "splice_route_ready", dimensions: [("route", route.name)], factory: factory)
                gauge.record(route.isReady ? 1 : 0)
                kept[route.name] = gauge
            }
            for (name, gauge) in gauges where kept[name] == nil { gauge.destroy() }
            gauges = kept
        }
    }

    /// Counts one configuration reload in `splice_config_reloads_total{result="success"|"failure"}`.
    package func recordReload(succeeded: Bool) {
        (succeeded ? reloads.success : reloads.failure).increment()
    }

    /// The Prometheus text exposition of every series.
    package func render() -> [UInt8] {
        registry.emitToBuffer()
    }
}
