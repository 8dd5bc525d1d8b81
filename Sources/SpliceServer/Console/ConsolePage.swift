import Foundation
import SpliceCore

/// What the operator's page shows, as plain values for the template: every text here is escaped when rendered, and
/// nothing here is a secret (route names, providers, upstream hosts, counts, ledger entries, client names).
struct ConsolePage: Sendable {
    var version: String
    var generation: Int
    var loadedAt: String
    var generatedAt: String
    var refreshSeconds: Int
    /// The calling client's name, `nil` when no client keys are configured.
    var client: String?
    /// Whether a logout button is shown (a client authenticated).
    var signedIn: Bool
    var routes: [RouteRow]
    var hasRoutes: Bool
    var totalRequests: Int
    var totalErrors: Int
    var hasErrors: Bool
    /// Requests that named no known route (only shown to a client that may use every route).
    var unrouted: Unrouted?
    var ledger: Ledger
    var windowMinutes: Int

    struct RouteRow: Sendable {
        var name: String
        var provider: String
        var upstreamHost: String
        var upstream: String
        var ready: Bool
        var reason: String?
        var requests: Int
        var errors: Int
        var hasErrors: Bool
        var p50: String
        var p99: String
        var outcomes: [Outcome]
        var chart: Chart
    }

    struct Outcome: Sendable {
        var code: String
        var count: Int
        var isError: Bool
    }

    struct Unrouted: Sendable {
        var requests: Int
        var errors: Int
        var outcomes: [Outcome]
    }

    /// One bar per minute, oldest first, in a `viewBox` of `width` × `height`.
    struct Chart: Sendable {
        var width: Int
        var height: Int
        var bars: [Bar]
        var peak: Int
        var label: String
    }

    struct Bar: Sendable {
        var x: String
        var width: String
        var requestsY: String
        var requestsHeight: String
        var errorsY: String
        var errorsHeight: String
        var title: String
    }

    struct Ledger: Sendable {
        /// Why there are no entries to show, when that is not simply "none yet".
        var unavailable: String?
        var entries: [LedgerRow]
        var isEmpty: Bool
        var hasEntries: Bool
    }

    struct LedgerRow: Sendable {
        var time: String
        var timestamp: String
        var client: String
        var route: String
        var action: String
        var id: String
        var upload: String?
        var outcome: String
        var isError: Bool
        var httpStatus: Int
        var milliseconds: String
    }
}

extension ConsolePage {
    /// Minutes' bars are drawn in this box; the page scales it to the column's width.
    static let chartWidth = 150
    static let chartHeight = 40

    /// The page for a client with `access`: only the routes it may use, and their ledger entries.
    init(
        configuration: ConsoleConfiguration, activity: [String?: RouteActivity], ledger: Ledger, client: ClientIdentity,
        signedIn: Bool, now: Date, refreshSeconds: Int
    ) {
        let access = client.access
        let minutes = ActivityWindow.minutes
        let currentMinute = Int((now.timeIntervalSince1970 / 60).rounded(.down))
        let empty = RouteActivity.empty
        routes = configuration.routes.routes.filter { access.allows(route: $0.name) }.map { route in
            let seen = activity[route.name] ?? empty
            return RouteRow(
                name: route.name, provider: route.provider.name, upstreamHost: route.configuration.upstream.hostHeader,
                upstream: route.configuration.upstream.description, ready: route.isReady, reason: route.unavailableReason,
                requests: seen.requests, errors: seen.errors, hasErrors: seen.errors > 0, p50: Self.duration(seen.upstreamP50),
                p99: Self.duration(seen.upstreamP99), outcomes: Self.outcomes(seen.outcomes),
                chart: Self.chart(seen.perMinute, endingAt: currentMinute))
        }
        hasRoutes = !routes.isEmpty
        if access == .allRoutes, let none = activity[String?.none], none.requests > 0 {
            unrouted = Unrouted(requests: none.requests, errors: none.errors, outcomes: Self.outcomes(none.outcomes))
        } else {
            unrouted = nil
        }
        totalRequests = routes.reduce(0) { $0 + $1.requests } + (unrouted?.requests ?? 0)
        totalErrors = routes.reduce(0) { $0 + $1.errors } + (unrouted?.errors ?? 0)
        hasErrors = totalErrors > 0
        self.ledger = ledger
        version = SpliceVersion.current
        generation = configuration.generation
        loadedAt = LedgerEntry.timestamp(configuration.loadedAt)
        generatedAt = LedgerEntry.timestamp(now)
        self.refreshSeconds = refreshSeconds
        self.client = client.name
        self.signedIn = signedIn
        windowMinutes = minutes
    }

    /// The ledger section from the store's newest entries (already filtered for the client).
    static func ledger(_ entries: [LedgerEntry]) -> Ledger {
        let rows = entries.map { entry in
            let timestamp = LedgerEntry.timestamp(entry.time)
            return LedgerRow(
                time: String(timestamp.dropFirst(11).prefix(8)), timestamp: timestamp, client: entry.client ?? "-",
                route: entry.route ?? "-", action: entry.action, id: entry.requestId, upload: entry.uploadId ?? entry.fileId,
                outcome: entry.outcome, isError: entry.httpStatus >= 400, httpStatus: entry.httpStatus,
                milliseconds: milliseconds(entry.totalMs))
        }
        return Ledger(unavailable: nil, entries: rows, isEmpty: rows.isEmpty, hasEntries: !rows.isEmpty)
    }

    static func ledgerUnavailable(_ reason: String) -> Ledger {
        Ledger(unavailable: reason, entries: [], isEmpty: false, hasEntries: false)
    }

    /// A percentile in the route's narrow stats line: seconds from 1000 ms on, so that it never needs more room.
    static func duration(_ milliseconds: Double?) -> String {
        guard let milliseconds, milliseconds >= 1000 else { return self.milliseconds(milliseconds) }
        return String(format: "%.1f s", milliseconds / 1000)
    }

    static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "–" }
        return value < 10 ? String(format: "%.1f ms", value) : String(format: "%.0f ms", value)
    }

    static func outcomes(_ counts: [OutcomeCount]) -> [Outcome] {
        counts.map { Outcome(code: $0.code, count: $0.count, isError: $0.isError) }
    }

    /// Bars of requests (and, over them, errors) per minute, scaled to the busiest minute.
    static func chart(_ perMinute: [MinuteCounts], endingAt currentMinute: Int) -> Chart {
        let count = max(1, perMinute.count)
        let slot = Double(chartWidth) / Double(count)
        let busiest = perMinute.map(\.requests).max() ?? 0
        let peak = max(1, busiest)
        let usable = Double(chartHeight - 2)
        let bars = perMinute.enumerated().map { index, minute in
            let requestsHeight = minute.requests == 0 ? 0 : max(1, usable * Double(minute.requests) / Double(peak))
            let errorsHeight = minute.errors == 0 ? 0 : max(1, usable * Double(minute.errors) / Double(peak))
            let minutesAgo = count - 1 - index
            let label = minuteLabel(currentMinute - minutesAgo)
            return Bar(
                x: format(Double(index) * slot + 1), width: format(max(1, slot - 2)),
                requestsY: format(Double(chartHeight) - requestsHeight), requestsHeight: format(requestsHeight),
                errorsY: format(Double(chartHeight) - errorsHeight), errorsHeight: format(errorsHeight),
                title: "\(label) UTC: \(minute.requests) requests, \(minute.errors) errors")
        }
        let total = perMinute.reduce(0) { $0 + $1.requests }
        return Chart(
            width: chartWidth, height: chartHeight, bars: bars, peak: busiest,
            label: "\(total) requests in the last \(count) minutes, busiest minute \(busiest)")
    }

    /// `HH:MM` of a minute counted since 1970, in UTC.
    static func minuteLabel(_ minute: Int) -> String {
        let ofDay = ((minute % 1440) + 1440) % 1440
        let hours = ofDay / 60
        let minutes = ofDay % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.2f", value)
    }
}

extension RouteActivity {
    /// A route nothing was reported for: every minute at zero.
    static let empty: RouteActivity = {
        var activity = RouteActivity()
        activity.perMinute = Array(repeating: MinuteCounts(), count: ActivityWindow.minutes)
        return activity
    }()
}
