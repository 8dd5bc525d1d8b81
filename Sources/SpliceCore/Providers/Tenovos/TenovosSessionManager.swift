import HTTPTypes
import Foundation

/// Keeps one Tenovos session per route and shares it among all requests on that route: concurrent
/// requests on a cold route wait for a single login; the session is refreshed ahead of expiry with the
/// refresh token, falling back to a full login when the refresh is refused. A renewal ahead of expiry that fails
/// keeps the current tokens, which are good until they expire, and is tried again a little later.
actor TenovosSessionManager {
    struct Account: Sendable {
        var upstream: UpstreamURL
        var apiKey: String
        var username: String
        var password: String
        var clientId: String?
        var timeout: Duration
    }

    private let account: Account
    private let transport: any UpstreamTransport
    private let clock: WallClock
    /// Where each login and refresh sent to Tenovos is counted.
    private let instruments: RouteInstruments
    private var session: TenovosSession?
    /// The login or refresh under way, which every caller waits for instead of starting its own.
    private var pending: Task<TenovosSession, any Error>?
    /// After a renewal ahead of expiry failed, the next one is not tried before this time (no login storm).
    private var nextEarlyRenewal: Date?

    /// How long to wait before trying again a renewal ahead of expiry that failed.
    static let earlyRenewalBackoff: TimeInterval = 15

    init(
        account: Account, transport: any UpstreamTransport, clock: WallClock = .system,
        instruments: RouteInstruments = .none
    ) {
        self.account = account
        self.transport = transport
        self.clock = clock
        self.instruments = instruments
    }

    /// A session good for the next request: the current one, or a refreshed or new one.
    func currentSession() async throws(GatewayError) -> TenovosSession {
        let now = clock.now()
        guard let session, now >= session.refreshAt else {
            if let session { return session }
            return try await renew(from: nil)
        }
        guard now < session.expiresAt else {
            self.session = nil
            return try await renew(from: session)
        }
        // Ahead of expiry: renew, but the current tokens still work if that fails.
        if let nextEarlyRenewal, now < nextEarlyRenewal { return session }
        do {
            let fresh = try await renew(from: session)
            nextEarlyRenewal = nil
            return fresh
        } catch {
            nextEarlyRenewal = now.addingTimeInterval(Self.earlyRenewalBackoff)
            return session
        }
    }

    /// Called after a 401 on a request that carried `idToken`. If the session was already replaced (another
    /// request got there first) the new one is used; otherwise it is renewed. Returns whether a session exists.
    func renewAfterRejection(ofIdToken idToken: String?) async -> Bool {
        if let session, session.idToken != idToken { return true }
        do {
            _ = try await renew(from: session)
            return true
        } catch {
            // Tenovos refused these tokens: they must not be sent again.
            if session?.idToken == idToken { session = nil }
            return false
        }
    }

    var apiKey: String { account.apiKey }

    var secrets: [String] {
        [account.apiKey, account.password] + (session?.secrets ?? [])
    }

    private func renew(from previous: TenovosSession?) async throws(GatewayError) -> TenovosSession {
        let task: Task<TenovosSession, any Error>
        if let pending {
            task = pending
        } else {
            task = Task { try await self.obtain(previous: previous) }
            pending = task
        }
        do {
            let fresh = try await task.value
            if pending == task { pending = nil }
            session = fresh
            return fresh
        } catch let error as GatewayError {
            if pending == task { pending = nil }
            // The callers decide whether the current session is still good (ahead of expiry) or not.
            throw error
        } catch {
            if pending == task { pending = nil }
            throw .internalError
        }
    }

    /// Refreshes when there is a refresh token; logs in when there is none or the refresh is refused.
    private func obtain(previous: TenovosSession?) async throws(GatewayError) -> TenovosSession {
        if let previous, let refreshToken = previous.refreshToken {
            let body: JSONObject = [
                "session": .object([
                    "accessToken": JSONValue(previous.accessToken), "refreshToken": JSONValue(refreshToken),
                ])
            ]
            // Counted when sent, whatever Tenovos answers: a refused refresh is followed by a login, counted too.
            instruments.recordTenovosRefresh()
            if let refreshed = try? await call(body: body) { return refreshed }
        }
        var body: JSONObject = ["username": JSONValue(account.username), "password": JSONValue(account.password)]
        if let clientId = account.clientId { body["clientId"] = JSONValue(clientId) }
        instruments.recordTenovosLogin()
        return try await call(body: body)
    }

    /// `POST {upstream}/auth/token`. A refusal is reported as 502 `upstream_auth_failed` with Tenovos'
    /// message: the client did nothing wrong, Splice's credentials did not work.
    private func call(body: JSONObject) async throws(GatewayError) -> TenovosSession {
        let request = UpstreamRequest(
            method: .post, upstream: account.upstream, path: "/auth/token",
            headers: [.tenovosAPIKey: account.apiKey, .contentType: "application/json"],
            body: ProviderResponse.jsonBody(body))
        let response: UpstreamResponse
        do {
            response = try await transport.send(request, timeout: account.timeout)
        } catch let error as UpstreamTransportError {
            throw error.gatewayError(provider: TenovosProvider.providerName, timeout: account.timeout)
        } catch {
            throw .internalError
        }
        guard response.isSuccess else {
            var error = ProviderResponse.error(
                from: response, provider: TenovosProvider.providerName, fields: TenovosProvider.errorFields)
            // 404: no login endpoint at this upstream — Splice's configuration, not the client's upload.
            if [400, 401, 403, 404].contains(response.status) {
                let said = error.upstream?.message.map { ": \($0)" } ?? ""
                error = GatewayError(
                    .upstreamAuthFailed, status: 502, message: "tenovos refused Splice's login\(said)",
                    provider: TenovosProvider.providerName, upstream: error.upstream)
            }
            throw error
        }
        let json = try ProviderResponse.successBody(response, provider: TenovosProvider.providerName, allowEmpty: false)
        guard let json, let session = TenovosSession.parse(json, now: clock.now()) else {
            throw .badResponse(
                status: response.status, provider: TenovosProvider.providerName,
                reason: "an /auth/token answer without session tokens")
        }
        return session
    }
}
