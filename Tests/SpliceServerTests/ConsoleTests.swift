import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ProviderEmulators
import SpliceCore
import Testing

/// `GET /console` over real HTTP: the page shows the gateway's own state after real requests, escapes what clients
/// sent, shows no secret, and follows the client rules (open without client keys; otherwise a key or the cookie).
@Suite(.timeLimit(.minutes(1))) struct ConsoleTests {
    static let json = ("Content-Type", "application/json")
    static let scriptId = "<script>alert(1)</script>"

    /// A client that does not follow redirects: the login's `303` and its cookie are what is tested.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    static func send(
        _ gateway: GatewayHarness, _ method: HTTPMethod, _ path: String, body: String? = nil, headers: [(String, String)] = []
    ) async throws -> GatewayHarness.Answer {
        var request = HTTPClientRequest(url: gateway.baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 8 * 1024 * 1024))
        return GatewayHarness.Answer(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, bodyText: text, json: nil)
    }

    static func secrets(_ credentials: EmulatorCredentials) -> [String] {
        [
            credentials.spatialgenAppKey, credentials.autorenderAPIKey, credentials.gjirafaAPIKey, credentials.huaweiAccessKey,
            credentials.huaweiSecretKey, credentials.huaweiToken, credentials.tenovosAPIKey, credentials.tenovosPassword,
        ]
    }

    static let opsKey = "ops-console-key-0001"
    static let uploaderKey = "uploader-console-key-0002"
    static let keys = ClientKeys(
        [
            ClientKeyConfiguration(name: "ops", key: .literal(opsKey)),
            ClientKeyConfiguration(name: "uploader", key: .literal(uploaderKey), routes: ["autorender"]),
        ], environment: [:], directory: ".")

    static func bearer(_ key: String) -> (String, String) { ("Authorization", "Bearer \(key)") }

    // MARK: What the page shows

    @Test func thePageShowsRoutesCountsAndTheLedgerOfRealRequests() async throws {
        try await withStatefulGateway { gateway, _ in
            let first = try await gateway.post(RetryTests.autorender, headers: [Self.json, ("X-Request-Id", "console-ok-1")])
            #expect(first.status == 200, "\(first.bodyText)")
            let script = try await gateway.post(RetryTests.autorender, headers: [Self.json, ("X-Request-Id", Self.scriptId)])
            #expect(script.header("X-Request-Id") == Self.scriptId)
            let missing = try await gateway.post(
                #"{"route":"autorender","uploadId":"missing-session"}"#, headers: [Self.json, ("X-Request-Id", "console-404")])
            #expect(missing.errorCode == "upstream_not_found")
            let huawei = try await gateway.post(RetryTests.huawei, headers: [Self.json, ("X-Request-Id", "console-huawei")])
            #expect(huawei.status == 200, "\(huawei.bodyText)")

            let page = try await gateway.get("/console")
            #expect(page.status == 200)
            #expect(page.header("Content-Type") == "text/html; charset=utf-8")
            #expect(page.header("Cache-Control") == "no-store")
            #expect(page.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
            let html = page.bodyText
            for name in ["spatialgen", "autorender", "gjirafa-vp", "huawei-metastudio", "tenovos"] {
                #expect(html.contains(#"id="route-\#(name)""#), "\(name)")
            }
            for id in ["console-ok-1", "console-404", "console-huawei"] { #expect(html.contains(">\(id)"), "\(id)") }
            #expect(!html.contains(Self.scriptId))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            let autorender = try ConsolePageTests.article("autorender", in: html)
            #expect(autorender.contains("<div><dt>requests</dt><dd>3</dd></div>"), "\(autorender)")
            #expect(autorender.contains(#"<div><dt>errors</dt><dd class="bad">1</dd></div>"#))
            #expect(autorender.contains(#"<code>completed</code> 2"#))
            #expect(autorender.contains(#"<code>upstream_not_found</code> 1"#))
            #expect(!autorender.contains(#"<dt title="upstream time, median">p50</dt><dd>–</dd>"#))
            let huaweiRoute = try ConsolePageTests.article("huawei-metastudio", in: html)
            #expect(huaweiRoute.contains("<div><dt>requests</dt><dd>1</dd></div>"))
            let spatialgen = try ConsolePageTests.article("spatialgen", in: html)
            #expect(spatialgen.contains("<div><dt>requests</dt><dd>0</dd></div>"))
            #expect(html.contains(#"<span class="label">Requests, last 15 min</span><span class="value">4</span>"#))
            #expect(html.contains(#"generation <span id="generation">1</span>"#))
            #expect(html.contains(SpliceVersion.current))
            for secret in Self.secrets(gateway.emulators.credentials) {
                #expect(!html.contains(secret), "a credential is on the page")
            }
        }
    }

    @Test func passthroughRequestsAreCountedAndListedToo() async throws {
        try await withStatefulGateway { gateway, _ in
            let forwarded = try await gateway.send(
                method: .POST, path: "/autorender/api/v1/multipart/complete", body: Array(#"{"session_id":"a1"}"#.utf8),
                headers: [Self.json, ("X-Request-Id", "console-passthrough")])
            #expect(forwarded.status == 200, "\(forwarded.bodyText)")
            let html = try await gateway.get("/console").bodyText
            #expect(html.contains(">console-passthrough"))
            #expect(html.contains("POST /api/v1/multipart/complete"))
            let autorender = try ConsolePageTests.article("autorender", in: html)
            #expect(autorender.contains("<div><dt>requests</dt><dd>1</dd></div>"), "\(autorender)")
        }
    }

    @Test func withoutAStateStoreTheLedgerSectionSaysSo() async throws {
        try await withGateway { gateway in
            _ = try await gateway.post(RetryTests.autorender)
            let page = try await gateway.get("/console")
            #expect(page.status == 200)
            #expect(page.bodyText.contains("No state store: this gateway keeps no ledger."))
            #expect(try ConsolePageTests.article("autorender", in: page.bodyText).contains("<dt>requests</dt><dd>1</dd>"))
        }
    }

    /// The page shows the configuration each request uses: after a reload, its generation, time and routes.
    @Test func aReloadShowsOnThePage() async throws {
        let folder = try ReloadTests.RoutesFolder()
        defer { folder.delete() }
        try await withGateway(source: { emulators in
            try folder.spatialgen(emulators)
            return folder.source
        }) { gateway in
            let before = try await gateway.get("/console").bodyText
            #expect(before.contains(#"generation <span id="generation">1</span>"#), "\(before)")
            #expect(before.contains(#"id="route-spatialgen""#))
            #expect(!before.contains(#"id="route-autorender""#))
            try folder.autorender(gateway.emulators)
            let reload = try await gateway.post("", path: "/admin/reload", headers: [])
            #expect(reload.status == 200, "\(reload.bodyText)")
            let loadedAt = try #require(reload.json?["loadedAt"]?.stringValue)
            let after = try await gateway.get("/console").bodyText
            #expect(after.contains(#"generation <span id="generation">2</span>"#))
            #expect(after.contains("loaded \(loadedAt)"), "\(after)")
            #expect(after.contains(#"id="route-autorender""#))
        }
    }

    // MARK: Access

    @Test func withClientKeysThePageAsksForOne() async throws {
        try await withStatefulGateway(clientKeys: Self.keys) { gateway, _ in
            let anonymous = try await gateway.get("/console")
            #expect(anonymous.status == 401)
            #expect(anonymous.header("Content-Type") == "text/html; charset=utf-8")
            #expect(anonymous.bodyText.contains(#"<form class="login-box" method="post" action="/console/login">"#))
            #expect(!anonymous.bodyText.contains("route-autorender"))

            let wrong = try await gateway.get("/console", headers: [Self.bearer("not-a-key-at-all")])
            #expect(wrong.status == 401)
            #expect(wrong.bodyText.contains("That client key was refused."))

            let ops = try await gateway.get("/console", headers: [Self.bearer(Self.opsKey)])
            #expect(ops.status == 200)
            #expect(ops.bodyText.contains("client <strong>ops</strong>"))
            #expect(ops.bodyText.contains(#"id="route-tenovos""#))
            #expect(!ops.bodyText.contains(Self.opsKey))
        }
    }

    @Test func theLoginFormSetsACookieThatIsNotTheKey() async throws {
        try await withStatefulGateway(clientKeys: Self.keys) { gateway, _ in
            let form = ("Content-Type", "application/x-www-form-urlencoded")
            let refused = try await Self.send(gateway, .POST, "/console/login", body: "key=wrong-key-000000", headers: [form])
            #expect(refused.status == 401)
            #expect(refused.header("Set-Cookie") == nil)
            #expect(refused.bodyText.contains("That is not a client key of this gateway."))
            let empty = try await Self.send(gateway, .POST, "/console/login", body: "key=", headers: [form])
            #expect(empty.status == 401)

            let login = try await Self.send(gateway, .POST, "/console/login", body: "key=\(Self.opsKey)", headers: [form])
            #expect(login.status == 303)
            #expect(login.header("Location") == "/console")
            let setCookie = try #require(login.header("Set-Cookie"))
            #expect(setCookie.hasPrefix("splice_console="))
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Strict"))
            #expect(setCookie.contains("Path=/console"))
            // Plain HTTP: a `Secure` cookie would never be sent back.
            #expect(!setCookie.contains("Secure"))
            #expect(!setCookie.contains(Self.opsKey))
            let cookie = try #require(setCookie.split(separator: ";").first.map(String.init))

            let page = try await Self.send(gateway, .GET, "/console", headers: [("Cookie", "other=1; " + cookie)])
            #expect(page.status == 200)
            #expect(page.bodyText.contains("client <strong>ops</strong>"))
            #expect(page.bodyText.contains(#"action="/console/logout""#))

            // A cookie changed by hand, or naming another client with this one's code, is refused.
            var tampered = cookie
            let last = tampered.removeLast()
            tampered.append(last == "0" ? "1" : "0")
            #expect(try await Self.send(gateway, .GET, "/console", headers: [("Cookie", tampered)]).status == 401)
            let parts = cookie.split(separator: ".")
            let otherName = Array("uploader".utf8).map { String(format: "%02x", $0) }.joined()
            let swapped = "\(parts[0]).\(otherName).\(parts[2])"
            #expect(try await Self.send(gateway, .GET, "/console", headers: [("Cookie", swapped)]).status == 401)
            // The cookie opens nothing but the page.
            #expect(try await Self.send(gateway, .GET, "/routes", headers: [("Cookie", cookie)]).status == 401)

            let logout = try await Self.send(gateway, .POST, "/console/logout", headers: [("Cookie", cookie)])
            #expect(logout.status == 303)
            #expect(logout.header("Set-Cookie")?.contains("Max-Age=0") == true)
        }
    }

    @Test func aLimitedClientSeesOnlyItsRoutesAndTheirEntries() async throws {
        try await withStatefulGateway(clientKeys: Self.keys) { gateway, _ in
            let ops = Self.bearer(Self.opsKey)
            let allowed = try await gateway.post(RetryTests.autorender, headers: [Self.json, ops, ("X-Request-Id", "ops-autorender")])
            #expect(allowed.status == 200, "\(allowed.bodyText)")
            let other = try await gateway.post(RetryTests.huawei, headers: [Self.json, ops, ("X-Request-Id", "ops-huawei")])
            #expect(other.status == 200, "\(other.bodyText)")

            let page = try await gateway.get("/console", headers: [Self.bearer(Self.uploaderKey)])
            #expect(page.status == 200)
            let html = page.bodyText
            #expect(html.contains(#"id="route-autorender""#))
            for hidden in ["route-tenovos", "route-huawei-metastudio", "route-spatialgen", "ops-huawei"] {
                #expect(!html.contains(hidden), "\(hidden)")
            }
            #expect(html.contains(">ops-autorender"))
            #expect(html.contains(#"<span class="label">Requests, last 15 min</span><span class="value">1</span>"#))

            let all = try await gateway.get("/console", headers: [ops])
            #expect(all.bodyText.contains(">ops-huawei"))
        }
    }

    // MARK: The binary

    /// `splice demo` prints the page's address, and the page it serves (the real binary) lists the demo's routes.
    @Test func theDemoPointsAtThePage() async throws {
        let (demo, text, base, _) = try await CommandLineTests.launchDemo(["--port", "0"])
        defer {
            if demo.process.isRunning { demo.process.terminate() }
            demo.finish()
        }
        #expect(text.contains("open \(base)/console in a browser"), "\(text)")
        var request = HTTPClientRequest(url: base + "/console")
        request.method = .GET
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let html = String(buffer: try await response.body.collect(upTo: 8 * 1024 * 1024))
        #expect(response.status == .ok)
        for name in ["spatialgen", "autorender", "gjirafa-vp", "huawei-metastudio", "tenovos"] {
            #expect(html.contains(#"<h3>\#(name)</h3>"#), "\(name)")
        }
        #expect(!html.contains("No state store"))
        try await CommandLineTests.stop(demo)
    }

    /// The page's version is `splice --version`'s.
    @Test func theVersionIsSplicesOwn() throws {
        let run = try CommandLineTests.run(["--version"])
        #expect(run.status == 0)
        #expect(run.output.trimmingCharacters(in: .whitespacesAndNewlines) == SpliceVersion.current)
    }

    /// A client identified by its TLS certificate needs no key, and sees only its routes.
    @Test func aCertificateClientSeesItsPageWithoutAKey() async throws {
        let certificates = try DevCertificates.primary.get()
        let tls = try certificates.listener(clientCA: certificates, require: true)
        try await withGateway(clientKeys: MutualTLSTests.clients, tls: tls) { gateway in
            try await certificates.withClient(identity: "edit-bay-1") { client in
                var gateway = gateway
                gateway.client = client
                let page = try await gateway.get("/console")
                #expect(page.status == 200, "\(page.bodyText)")
                #expect(page.bodyText.contains("client <strong>bay-1</strong>"))
                #expect(page.bodyText.contains(#"id="route-autorender""#))
                #expect(!page.bodyText.contains(#"id="route-tenovos""#))
            }
        }
    }

    /// On an HTTPS listener the login cookie is `Secure` (never sent in clear text), and logging out clears it the same way.
    @Test func onTLSTheLoginCookieIsSecure() async throws {
        let certificates = try DevCertificates.primary.get()
        let tls = try certificates.listener()
        try await withGateway(clientKeys: Self.keys, tls: tls) { gateway in
            try await certificates.withClient { client in
                var gateway = gateway
                gateway.client = client
                let form = [("Content-Type", "application/x-www-form-urlencoded")]
                let login = try await gateway.send(
                    method: .POST, path: "/console/login", body: Array("key=\(Self.opsKey)".utf8), headers: form)
                #expect(login.status == 303)
                let setCookie = try #require(login.header("Set-Cookie"))
                #expect(setCookie.hasSuffix("; Secure"), "\(setCookie)")
                let logout = try await gateway.send(method: .POST, path: "/console/logout", body: [], headers: [])
                #expect(logout.header("Set-Cookie")?.hasSuffix("Max-Age=0; Path=/console; HttpOnly; SameSite=Strict; Secure") == true)
            }
        }
    }

    @Test func withoutClientKeysLoginJustGoesToThePage() async throws {
        try await withGateway { gateway in
            let login = try await Self.send(
                gateway, .POST, "/console/login", body: "key=x", headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(login.status == 303)
            #expect(login.header("Set-Cookie") == nil)
            let page = try await gateway.get("/console")
            #expect(page.bodyText.contains("open: no client keys configured"))
        }
    }
}
