import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import SpliceCore
import SpliceEncoding

/// What the page says of the configuration a request uses: its routes, which reload it is, and when it was loaded.
package struct ConsoleConfiguration: Sendable {
    package var routes: RouteTable
    /// 1 for the configuration Splice started with, one more for each reload.
    package var generation: Int
    package var loadedAt: Date

    package init(routes: RouteTable, generation: Int, loadedAt: Date) {
        self.routes = routes
        self.generation = generation
        self.loadedAt = loadedAt
    }
}

/// `GET /console`, the operator's page, with `POST /console/login` and `/console/logout`. Open when no client keys
/// are configured; otherwise for a client (its key as `Authorization: Bearer`, or the login cookie), which sees
/// only the routes it may use and their ledger entries.
package struct ConsoleController: Sendable {
    /// How often the page reloads itself (`<meta http-equiv="refresh">`, so that it works without JavaScript).
    package static let refreshSeconds = 10
    /// Ledger entries shown.
    static let ledgerRows = 50
    /// A login form is a key and little else.
    static let maximumLoginBytes = 8 * 1024

    let activity: ActivityWindow
    let state: GatewayState?
    let clock: WallClock
    let sessions: ConsoleSessions
    /// The parsed templates (they are Splice's own: a failure is a bug, answered 500 rather than a crash).
    let templates: Result<MustacheLibrary, any Error>

    /// The routes and client keys are each request's own configuration (a reload changes them); the templates are
    /// parsed here, once.
    /// `secure`: the listener is HTTPS, and the login cookie is marked `Secure`.
    package init(activity: ActivityWindow, state: GatewayState?, secure: Bool = false, clock: WallClock = .system) {
        self.activity = activity
        self.state = state
        self.clock = clock
        self.sessions = ConsoleSessions(secure: secure)
        self.templates = ConsoleTemplates.library
    }

    package func addRoutes(to router: Router<SpliceRequestContext>) {
        router.group().add(middleware: ConsoleAccessMiddleware(sessions: sessions, controller: self))
            .get("console") { _, context in try await self.page(for: context) }
        router.post("console/login") { request, context in try await self.login(request, context: context) }
        router.post("console/logout") { _, _ in
            Self.redirect(to: "/console", cookie: self.sessions.logoutCookie)
        }
    }

    /// The page for the authenticated (or anonymous) client.
    func page(for context: SpliceRequestContext) async throws -> Response {
        let client = context.client
        let ledger = await ledgerSection(for: client.access)
        let current = context.configuration
        let page = ConsolePage(
            configuration: ConsoleConfiguration(routes: current.routes, generation: current.generation, loadedAt: current.loadedAt),
            activity: activity.snapshot(), ledger: ledger, client: client, signedIn: current.clientKeys.required,
            now: clock.now(), refreshSeconds: Self.refreshSeconds)
        return try html(render(page, template: "page"))
    }

    /// The newest entries the client may see, or why there are none.
    func ledgerSection(for access: ClientAccess) async -> ConsolePage.Ledger {
        guard let state else {
            return ConsolePage.ledgerUnavailable("No state store: this gateway keeps no ledger.")
        }
        // This instance's own recent entries first reach the store, as for GET /ledger.
        await state.ledger.flush()
        do throws(StateStoreError) {
            // A client limited to some routes: read more, keep what it may see.
            let limit = access == .allRoutes ? Self.ledgerRows : LedgerQuery.maximumLimit
            let entries = try await state.store.ledger(LedgerQuery(limit: limit))
            let visible = entries.filter { $0.route.map(access.allows(route:)) ?? (access == .allRoutes) }
            return ConsolePage.ledger(Array(visible.prefix(Self.ledgerRows)))
        } catch {
            return ConsolePage.ledgerUnavailable("The ledger cannot be read now: \(error.reason)")
        }
    }

    /// `key=<client key>` from the form: a matching key sets the cookie and goes to the page; any other answer is
    /// the form again, 401.
    func login(_ request: Request, context: SpliceRequestContext) async throws -> Response {
        let clientKeys = context.configuration.clientKeys
        guard clientKeys.required else { return Self.redirect(to: "/console", cookie: nil) }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumLoginBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw GatewayError.payloadTooLarge(limit: Self.maximumLoginBytes)
        }
        guard let key = Self.formField("key", in: String(buffer: body)), !key.isEmpty else {
            return try loginPage(message: "Enter a client key.")
        }
        guard let client = clientKeys.access(forKey: key) else {
            context.logger.notice("console login refused: no client has that key")
            return try loginPage(message: "That is not a client key of this gateway.")
        }
        context.logger.info("console login", metadata: ["client": "\(client.name)"])
        return Self.redirect(to: "/console", cookie: sessions.loginCookie(client: client.name, key: key))
    }

    /// The login form, 401.
    func loginPage(message: String?) throws -> Response {
        var response = try html(render(LoginPage(message: message), template: "login"))
        response.status = .unauthorized
        return response
    }

    struct LoginPage: Sendable {
        var message: String?
    }

    private func render(_ object: Any, template: String) throws -> String {
        try ConsoleTemplates.render(object, template: template, in: templates)
    }

    /// An HTML answer that is never cached, framed or allowed to load anything (the page is self-contained).
    private func html(_ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.consoleReferrerPolicy] = "no-referrer"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// 303 to `location`, setting `cookie` when given.
    static func redirect(to location: String, cookie: String?) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    /// A field of an `application/x-www-form-urlencoded` body (`+` is a space, `%XX` a byte).
    static func formField(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, decode(parts[0]) == name else { continue }
            return decode(parts[1])
        }
        return nil
    }

    private static func decode(_ text: Substring) -> String? {
        String(validating: PercentEncoding.decode(text.replacingOccurrences(of: "+", with: " ")), as: UTF8.self)
    }
}

/// Lets a request through to the page when the client is known: no client keys configured, the login cookie, or
/// whatever `ClientAuthMiddleware` accepts (a Bearer key, a client certificate); otherwise answers the login form,
/// 401.
struct ConsoleAccessMiddleware: RouterMiddleware {
    typealias Context = SpliceRequestContext

    let sessions: ConsoleSessions
    let controller: ConsoleController

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let keys = context.configuration.clientKeys
        guard keys.required else { return try await next(request, context) }
        if context.client.name == nil, let client = sessions.client(from: request.headers, keys: keys) {
            var context = context
            context.client = client
            context.logger[metadataKey: "client"] = "\(client.name ?? "-")"
            return try await next(request, context)
        }
        do {
            return try await ClientAuthMiddleware().handle(request, context: context, next: next)
        } catch let error as GatewayError where error.code == .unauthorized {
            return try controller.loginPage(message: request.headers[.authorization] == nil ? nil : "That client key was refused.")
        }
    }
}

extension HTTPField.Name {
    /// The page's links and form posts tell no other site where they came from.
    static let consoleReferrerPolicy = Self("Referrer-Policy")!
}

extension ActivityWindow {
    /// The window among `observers`, or a new one added to them: the page always has one to read.
    static func among(_ observers: [any FinishedRequestObserver]) -> (ActivityWindow, [any FinishedRequestObserver]) {
        if let window = observers.lazy.compactMap({ $0 as? ActivityWindow }).first { return (window, observers) }
        let window = ActivityWindow()
        return (window, observers + [window])
    }
}
