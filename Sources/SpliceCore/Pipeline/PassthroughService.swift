import Foundation
import HTTPTypes
import Logging

/// The passthrough pipeline: a client's request in its provider's own API, sent on with the route's real
/// credentials instead of the client's, through the same exchange stages as `/complete`.
///
/// The server calls it in two steps, because what it must do with the body depends on the route: `plan` checks
/// the route and path before the body is read; `forward` takes the body (in memory or streamed) and sends it.
package struct PassthroughService: Sendable {
    package let routes: RouteTable
    package let clientKeys: ClientKeys

    /// The `/complete` stages without retries: a passthrough body is usually streamed (sent once), and the
    /// transport's `open` cannot always tell "never sent" from "sent and lost".
    static let stages: [any UpstreamStage] = [RenewOnRejectionStage(), AuthorizeStage()]

    package init(routes: RouteTable, clientKeys: ClientKeys) {
        self.routes = routes
        self.clientKeys = clientKeys
    }

    /// A passthrough request that may go ahead once its body is read.
    package struct Plan: Sendable {
        package var route: Route
        package var authenticator: any UpstreamAuthenticator
        /// What the server must do with the body before `forward`.
        package var bodyHandling: PassthroughDialect.BodyHandling { route.provider.passthrough.bodyHandling }
    }

    /// A client's request, below the route: `path` and `query` exactly as received.
    package struct Inbound: Sendable {
        package var method: HTTPRequest.Method
        package var path: String
        package var query: String?
        package var headers: HTTPFields
        package var body: [UInt8]
        package var stream: (any StreamedBody)?

        package init(
            method: HTTPRequest.Method, path: String, query: String?, headers: HTTPFields, body: [UInt8] = [],
            stream: (any StreamedBody)? = nil
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
            self.stream = stream
        }
    }

    package typealias Outcome = ExchangeOutcome<UpstreamResponse>

    /// Checks that `route` passes `method path` through, before anything is read: a route with passthrough off
    /// is 404, a path that climbs above the route 400, one outside `allow` 403, a route without credentials 503.
    package func plan(route name: String, method: HTTPRequest.Method, path: String) throws(GatewayError) -> Plan {
        guard let route = routes[name], route.configuration.passthrough.enabled else {
            throw .notFound(path: "/\(name)\(path)")
        }
        let provider = route.provider.name
        guard !Self.climbs(path) else {
            throw GatewayError.invalidRequest("the path may not climb above the route ('.' and '..' segments)")
                .on(route: name, provider: provider)
        }
        guard route.configuration.passthrough.allows(method: method.rawValue, path: path) else {
            throw GatewayError(
                .forbidden, message: "route '\(name)' does not pass \(method.rawValue) \(CompleteRequest.printable(path)) through",
                route: name, provider: provider)
        }
        guard case .ready(let authenticator) = route.state else {
            throw GatewayError.routeUnavailable(route: name, provider: provider, reason: route.unavailableReason ?? "not ready")
        }
        return Plan(route: route, authenticator: authenticator)
    }

    /// Identifies the client, answers what Splice answers itself, or sends the request on and returns the
    /// provider's answer (its body still streaming). Only a cancelled task throws.
    package func forward(_ inbound: Inbound, plan: Plan, context: CallContext) async throws(CancellationError) -> Outcome {
        let route = plan.route
        let dialect = route.provider.passthrough
        var outcome = Outcome(result: .failure(.internalError), route: route.name, provider: route.provider.name)
        let local = dialect.localAnswer?(
            PassthroughDialect.LocalCall(
                method: inbound.method, path: inbound.path, headers: inbound.headers, body: inbound.body,
                now: context.clock.now()))
        do throws(GatewayError) {
            let client = try identify(inbound, presented: local?.presented, dialect: dialect, context: context)
            guard client.access.allows(route: route.name) else { throw .forbidden(route: route.name) }
        } catch {
            outcome.result = .failure(error.on(route: route.name, provider: route.provider.name))
            return outcome
        }
        if let local {
            outcome.result = .success(local.response)
            return outcome
        }

        let request = UpstreamRequest(
            method: inbound.method, upstream: route.configuration.upstream, path: inbound.path, query: inbound.query,
            headers: Self.forwardedHeaders(inbound.headers, dialect: dialect), body: inbound.body, stream: inbound.stream)
        let exchange = UpstreamExchange(
            route: route, authenticator: plan.authenticator, stages: Self.stages, logger: context.logger,
            streamsAnswers: true)
        let clock = ContinuousClock()
        let started = clock.now
        do {
            var response = try await exchange.run(request)
            response.headers = Self.returnedHeaders(response.headers, dialect: dialect)
            outcome.result = .success(response)
        } catch {
            outcome.result = .failure(try exchange.contractError(for: error).on(route: route.name, provider: route.provider.name))
        }
        outcome.connectionWait = exchange.connectionWait
        outcome.upstreamDuration = started.duration(to: clock.now) - exchange.connectionWait
        outcome.attempts = exchange.attempts
        return outcome
    }

    /// Who the client is. Without client keys, anyone (its credentials are discarded); with them, the client
    /// proves itself in the provider's own credential slot, by its own signature, or by a login's credentials.
    func identify(
        _ inbound: Inbound, presented: (name: String, key: String)?, dialect: PassthroughDialect, context: CallContext
    ) throws(GatewayError) -> ClientIdentity {
        guard clientKeys.required, context.client.name == nil else { return context.client }
        if let presented {
            guard let client = clientKeys.access(forKey: presented.key), client.name == presented.name else {
                throw Self.unauthorized
            }
            return ClientIdentity(name: client.name, access: client.access)
        }
        if let verifier = dialect.clientSignature {
            let signed = ClientSignedRequest(
                method: inbound.method.rawValue, path: inbound.path, query: inbound.query, headers: inbound.headers,
                body: inbound.stream == nil ? inbound.body : nil)
            guard let name = verifier.signer(of: signed), let client = clientKeys.client(named: name),
                verifier.verify(signed, key: client.key, now: context.clock.now())
            else { throw Self.unauthorized }
            return ClientIdentity(name: name, access: client.access)
        }
        guard let key = dialect.clientKey?(inbound.headers), let client = clientKeys.access(forKey: key) else {
            throw Self.unauthorized
        }
        return ClientIdentity(name: client.name, access: client.access)
    }

    static let unauthorized = GatewayError(
        .unauthorized, message: "this gateway requires a client key, presented in the provider's own credential slot")

    /// A path whose segments, percent-decoded, include `.` or `..` (also hidden behind an encoded `/` or `\`).
    static func climbs(_ path: String) -> Bool {
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            let decoded = PathEncoding.decoded(segment)
            for piece in decoded.split(whereSeparator: { $0 == "/" || $0 == "\\" }) where piece == "." || piece == ".." {
                return true
            }
            if decoded == "." || decoded == ".." { return true }
        }
        return false
    }

    /// The client's headers that go on: the dialect's choice, less hop-by-hop headers (and those `Connection` names),
    /// and less every credential header, which the route's authenticator then sets.
    static func forwardedHeaders(_ headers: HTTPFields, dialect: PassthroughDialect) -> HTTPFields {
        var forwarded = dialect.forwardedHeaders(headers)
        let named = Set(
            headers[values: .connection].flatMap { $0.split(separator: ",") }.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            })
        forwarded = HTTPFields(
            forwarded.filter {
                !PassthroughDialect.hopByHop.contains($0.name.canonicalName) && !named.contains($0.name.canonicalName)
            })
        for name in PassthroughDialect.alwaysStripped + dialect.credentialHeaders {
            forwarded[name] = nil
        }
        return forwarded
    }

    /// The provider's answer headers that reach the client: less hop-by-hop ones and anything carrying a credential.
    /// The provider's own `X-Request-Id` moves to `X-Upstream-Request-Id`: `X-Request-Id` is Splice's.
    static func returnedHeaders(_ headers: HTTPFields, dialect: PassthroughDialect) -> HTTPFields {
        var returned = HTTPFields(headers.filter { !PassthroughDialect.hopByHop.contains($0.name.canonicalName) })
        for name in PassthroughDialect.alwaysStripped + dialect.credentialHeaders + [.setCookie] {
            returned[name] = nil
        }
        if let providerId = headers[.requestId] {
            returned[.requestId] = nil
            returned[.upstreamRequestId] = providerId
        }
        return returned
    }
}
