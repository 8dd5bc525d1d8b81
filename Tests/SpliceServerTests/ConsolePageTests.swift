import Foundation
import SpliceCore
import Testing

@testable import SpliceServer

/// The operator's page's view model and templates, without a server: what each section shows, and that every
/// value is escaped.
@Suite struct ConsolePageTests {
    /// Never called: the page sends nothing upstream.
    struct NoTransport: UpstreamTransport {
        struct Unused: Error {}
        func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse { throw Unused() }
        func open(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse { throw Unused() }
    }

    static let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    /// autorender (ready), spatialgen (not ready: its key's variable is not set) and tenovos (ready).
    static func routes() throws -> RouteTable {
        let autorender = try GatewayHarness.route("autorender", "http://127.0.0.1:9", ["apiKey": "ar-console-secret-1"])
        var spatialgen = try GatewayHarness.route("spatialgen", "http://127.0.0.1:9", [:])
        spatialgen.credentials = ["appKey": .environment("CONSOLE_TEST_UNSET")]
        let tenovos = try GatewayHarness.route(
            "tenovos", "https://tenovos.example:8443",
            ["apiKey": "tn-console-secret-2", "username": "user@example.com", "password": "tn-console-password-3"])
        return RouteTable.resolve([autorender, spatialgen, tenovos], environment: [:], transport: NoTransport())
    }

    static func entry(
        _ id: String, route: String?, client: String? = nil, outcome: String = "completed", status: Int = 200,
        upstreamMs: Double? = 12, uploadId: String? = nil, secondsAgo: Double = 1
    ) -> LedgerEntry {
        LedgerEntry(
            time: now.addingTimeInterval(-secondsAgo), requestId: id, client: client, route: route, provider: route,
            kind: .complete, action: "complete", uploadId: uploadId, outcome: outcome, httpStatus: status,
            upstreamMs: upstreamMs, totalMs: (upstreamMs ?? 0) + 3.25)
    }

    static func render(
        entries: [LedgerEntry], observed: [LedgerEntry] = [], client: ClientIdentity = .anonymous, signedIn: Bool = false
    ) throws -> String {
        let window = ActivityWindow(clock: WallClock { now })
        for entry in observed { window.observe(entry) }
        let page = ConsolePage(
            configuration: ConsoleConfiguration(routes: try routes(), generation: 3, loadedAt: now.addingTimeInterval(-3600)),
            activity: window.snapshot(), ledger: ConsolePage.ledger(entries), client: client, signedIn: signedIn, now: now,
            refreshSeconds: 10)
        return try ConsoleTemplates.render(page, template: "page")
    }

    @Test func theTemplatesParse() throws {
        _ = try ConsoleTemplates.library.get()
        #expect(throws: GatewayError.self) { try ConsoleTemplates.render(ConsoleController.LoginPage(), template: "nonexistent") }
    }

    @Test func everyRouteWithItsProviderHostAndReadiness() throws {
        let html = try Self.render(entries: [])
        for name in ["autorender", "spatialgen", "tenovos"] {
            #expect(html.contains(#"<article class="route" id="route-\#(name)">"#), "\(name)")
        }
        #expect(html.contains("tenovos.example:8443"))
        #expect(html.contains(#"title="https://tenovos.example:8443""#))
        #expect(html.contains("environment variable CONSOLE_TEST_UNSET is not set"), "\(html)")
        #expect(html.components(separatedBy: #"<span class="pill ok">ready</span>"#).count == 3)
        #expect(html.components(separatedBy: #"<span class="pill bad">not ready</span>"#).count == 2)
        #expect(html.contains(#"<span class="value" id="version">\#(SpliceVersion.current)</span>"#))
        #expect(html.contains(#"generation <span id="generation">3</span>"#))
        #expect(html.contains("loaded 2027-01-15T07:00:00.000Z"))
        #expect(html.contains(#"<meta http-equiv="refresh" content="10">"#))
        #expect(html.contains("No request yet."))
        #expect(!html.contains("{{") && !html.contains("}}"))
        // Nothing from outside the machine: no script, no external style sheet, font or image.
        #expect(!html.contains("<script"))
        #expect(!html.contains("src="))
        #expect(!html.contains("url("))
        #expect(!html.contains("@import"))
        #expect(!html.contains("<link"))
        for secret in ["ar-console-secret-1", "tn-console-secret-2", "tn-console-password-3"] {
            #expect(!html.contains(secret))
        }
    }

    @Test func countsPercentilesAndAChartPerRoute() throws {
        var observed = (0..<9).map { Self.entry("ok-\($0)", route: "autorender", upstreamMs: 40) }
        observed.append(Self.entry("slow", route: "autorender", outcome: "upstream_timeout", status: 504, upstreamMs: 900))
        observed.append(Self.entry("nowhere", route: nil, outcome: "unknown_route", status: 404, upstreamMs: nil))
        observed.append(Self.entry("slow-provider", route: "spatialgen", upstreamMs: 2500))
        let html = try Self.render(entries: [], observed: observed)
        let autorender = try Self.article("autorender", in: html)
        #expect(autorender.contains("<div><dt>requests</dt><dd>10</dd></div>"), "\(autorender)")
        #expect(autorender.contains(#"<div><dt>errors</dt><dd class="bad">1</dd></div>"#))
        // 40 ms reads as its histogram bin's middle; 900 ms is the largest time, kept exactly.
        #expect(autorender.contains(#"<div><dt title="upstream time, median">p50</dt><dd>41 ms</dd></div>"#))
        #expect(autorender.contains(#"<div><dt title="upstream time, 99th percentile">p99</dt><dd>900 ms</dd></div>"#))
        #expect(autorender.contains(#"<li class="ok"><code>completed</code> 9</li>"#))
        #expect(autorender.contains(#"<li class="bad"><code>upstream_timeout</code> 1</li>"#))
        // 15 bars; the last (this minute) is full height, with one error in it.
        #expect(autorender.components(separatedBy: #"<rect class="req""#).count == ActivityWindow.minutes + 1)
        #expect(autorender.contains("<title>08:00 UTC: 10 requests, 1 errors</title>"), "\(autorender)")
        #expect(autorender.contains("<title>07:46 UTC: 0 requests, 0 errors</title>"))
        #expect(autorender.contains(#"<rect class="req" x="141.00" y="2.00" width="8.00" height="38.00"/>"#), "\(autorender)")
        #expect(autorender.contains(#"<rect class="err" x="141.00" y="36.20" width="8.00" height="3.80"/>"#))
        #expect(autorender.contains("<span>peak 10/min</span>"))
        let tenovos = try Self.article("tenovos", in: html)
        #expect(tenovos.contains("<span>peak 0/min</span>"))
        #expect(tenovos.contains("<div><dt>requests</dt><dd>0</dd></div>"))
        #expect(tenovos.contains(#"<div><dt title="upstream time, median">p50</dt><dd>–</dd></div>"#))
        // A second or more reads in seconds.
        let spatialgen = try Self.article("spatialgen", in: html)
        #expect(spatialgen.contains(#"<div><dt title="upstream time, median">p50</dt><dd>2.5 s</dd></div>"#), "\(spatialgen)")
        // Totals include the request that named no route.
        #expect(html.contains(#"<span class="label">Requests, last 15 min</span><span class="value">12</span>"#), "\(html)")
        #expect(html.contains(#"<span class="value bad">2</span>"#))
        #expect(html.contains("Requests naming no known route: 1"))
    }

    @Test func ledgerRowsNewestFirstWithEveryValueEscaped() throws {
        let entries = [
            Self.entry("<script>alert(1)</script>", route: "autorender", client: "ops", uploadId: "u\"1'&", secondsAgo: 1),
            Self.entry("second", route: "tenovos", outcome: "upstream_rejected", status: 502, secondsAgo: 5),
        ]
        let html = try Self.render(entries: entries)
        #expect(!html.contains("<script>alert(1)</script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("u&quot;1&#39;&amp;"))
        let first = try #require(html.range(of: "&lt;script&gt;"))
        let second = try #require(html.range(of: ">second<"))
        #expect(first.lowerBound < second.lowerBound)
        #expect(html.contains(#"<td title="2027-01-15T07:59:59.000Z">07:59:59</td><td>ops</td><td>autorender</td>"#), "\(html)")
        #expect(html.contains(#"<span class="bad">upstream_rejected</span> <span class="muted small">502</span>"#))
        #expect(html.contains(#"<td class="num">15 ms</td>"#))
        #expect(!html.contains("No request yet."))
    }

    @Test func aLimitedClientSeesOnlyItsRoutes() throws {
        let client = ClientIdentity(name: "uploader", access: .routes(["tenovos"]))
        let html = try Self.render(
            entries: [], observed: [Self.entry("x", route: nil, outcome: "unknown_route", status: 404)], client: client,
            signedIn: true)
        #expect(html.contains(#"id="route-tenovos""#))
        #expect(!html.contains("route-autorender"))
        #expect(!html.contains("route-spatialgen"))
        #expect(!html.contains("no known route"))
        #expect(html.contains("client <strong>uploader</strong>"))
        #expect(html.contains(#"<form method="post" action="/console/logout">"#))
    }

    @Test func withoutAStoreTheLedgerSaysSo() throws {
        let page = ConsolePage(
            configuration: ConsoleConfiguration(routes: try Self.routes(), generation: 1, loadedAt: Self.now), activity: [:],
            ledger: ConsolePage.ledgerUnavailable("No state store: this gateway keeps no ledger."), client: .anonymous,
            signedIn: false, now: Self.now, refreshSeconds: 10)
        let html = try ConsoleTemplates.render(page, template: "page")
        #expect(html.contains("No state store: this gateway keeps no ledger."))
        #expect(!html.contains("No request yet."))
        #expect(html.contains("open: no client keys configured"))
        #expect(!html.contains("/console/logout"))
    }

    @Test func theLoginFormEscapesItsMessage() throws {
        let html = try ConsoleTemplates.render(ConsoleController.LoginPage(message: "<b>no</b>"), template: "login")
        #expect(html.contains(#"<form class="login-box" method="post" action="/console/login">"#))
        #expect(html.contains(#"name="key" type="password""#))
        #expect(html.contains("&lt;b&gt;no&lt;/b&gt;"))
        #expect(!html.contains("http-equiv=\"refresh\""))
    }

    /// The `<article>` of one route.
    static func article(_ name: String, in html: String) throws -> Substring {
        let start = try #require(html.range(of: #"<article class="route" id="route-\#(name)">"#))
        let end = try #require(html.range(of: "</article>", range: start.upperBound..<html.endIndex))
        return html[start.lowerBound..<end.upperBound]
    }
}
