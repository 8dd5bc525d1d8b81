import Foundation

/// Keeps one Tenovos session per route and shares it among all requests on that route: concurrent
/// requests on a cold route wait for a single login; the session is refreshed ahead of expiry with the
/// refresh token, falling back to a full login when the refresh is refused.
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
    private let now: @Sendable () -> Date
    private var session: TenovosSession?
    /// The login or refresh under way, which every caller waits for instead of starting its own.
    private var pending: Task<TenovosSession, any Error>?

    init(account: Account, transport: any UpstreamTransport, now: @escaping @Sendable () -> Date = { Date() }) {
        self.account = account
        self.transport = transport
        self.now = now
    }

    /// A session good for the next request: the current one, or a refreshed or new one.
    func currentSession() async throws(GatewayError) -> TenovosSession {
        if let session, now() < session.refreshAt { return session }
        return try await renew(from: session)
    }

    /// Called after a 401 on a request that carried `idToken`. If the session was already replaced (another
    /// request got there first) the new one is used; otherwise it is renewed. Returns whether a session exists.
    func renewAfterRejection(ofIdToken idToken: String?) async -> Bool {
        if let session, session.idToken != idToken { return true }
        return (try? await renew(from: session)) != nil
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
            session = nil
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
            if let refreshed = try? await call(body: body) { return refreshed }
        }
        var body: JSONObject = ["username": JSONValue(account.username), "password": JSONValue(account.password)]
        if let clientId = account.clientId { body["clientId"] = JSONValue(clientId) }
        return try await call(body: body)
    }

    /// `POST {upstream}/auth/token`. A refusal is reported as 502 `upstream_auth_failed` with Tenovos'
    /// message: the client did nothing wrong, Splice's credentials did not work.
    private func call(body: JSONObject) async throws(GatewayError) -> TenovosSession {
        let request = UpstreamRequest(
            method: "POST", upstream: account.upstream, path: "/auth/token",
            headers: [(name: "X-API-Key", value: account.apiKey), (name: "Content-Type", value: "application/json")],
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
        guard let json, let session = TenovosSession.parse(json, now: now()) else {
            throw .badResponse(
                status: response.status, provider: TenovosProvider.providerName,
                reason: "an /auth/token answer without session tokens")
        }
        return session
    }
}
