import HTTPTypes
import Logging

/// What happened to one client request that Splice sent on (or refused): the answer, and what the server
/// logs and times.
package struct ExchangeOutcome<Success: Sendable>: Sendable {
    package var result: Result<Success, GatewayError>
    package var route: String?
    package var provider: String?
    /// Time spent waiting on the provider once connected (all attempts, including obtaining credentials);
    /// `nil` when the provider was not reached.
    package var upstreamDuration: Duration?
    /// Time spent waiting for a connection to the provider (all attempts); `nil` when the provider was not reached.
    package var connectionWait: Duration?
    package var attempts: Int
    /// What the ledger names the request by: the action (or passthrough method and path) and the upload's ids.
    package var action: String?
    package var uploadId: String?
    package var fileId: String?
    /// The provider's HTTP status of the last attempt, when it answered.
    package var upstreamStatus: Int?
    /// The request's `Idempotency-Key`, when it carried a valid one.
    package var idempotencyKey: String?
    /// A stored answer given again instead of calling the provider (`Idempotent-Replayed: true`).
    package var replay: StoredAnswer?

    package init(
        result: Result<Success, GatewayError>, route: String? = nil, provider: String? = nil,
        upstreamDuration: Duration? = nil, attempts: Int = 0
    ) {
        self.result = result
        self.route = route
        self.provider = provider
        self.upstreamDuration = upstreamDuration
        self.attempts = attempts
    }
}

/// A `/complete` request's outcome: the contract's success or error.
package typealias CompletionOutcome = ExchangeOutcome<CompleteSuccess>

/// The `/complete` pipeline: check the request, pick the route, translate, run the upstream exchange, normalize.
package struct CompletionService: Sendable {
    package let routes: RouteTable
    /// The state store's `Idempotency-Key` gate; `nil` when the gateway runs without a store (a key is then refused).
    package let idempotency: IdempotencyGate?
    let clock: WallClock
    /// The stages of this service's exchanges, outermost first; the route's transport comes last.
    let stages: [any UpstreamStage]

    /// The stages of every `/complete` exchange: safe retries around renew-on-401 around authorization, so that
    /// each attempt is authorized afresh.
    static func makeStages(retryClock: RetryClock) -> [any UpstreamStage] {
        [RetryStage(clock: retryClock), RenewOnRejectionStage(), AuthorizeStage()]
    }

    static let stages = makeStages(retryClock: .system)

    /// `retryClock` times the waits between attempts (tests move it instead of sleeping).
    package init(
        routes: RouteTable, idempotency: IdempotencyGate? = nil, clock: WallClock = .system,
        retryClock: RetryClock = .system
    ) {
        self.routes = routes
        self.idempotency = idempotency
        self.clock = clock
        self.stages = Self.makeStages(retryClock: retryClock)
    }

    /// Answers one `/complete` body. Only a cancelled task throws: every failure is an outcome in the contract's terms.
    package func complete(body: [UInt8], context: CallContext) async throws(CancellationError) -> CompletionOutcome {
        // A malformed key is refused whatever the body, so that a client learns of it on its first try.
        var idempotencyKey: String?
        if let header = context.headers[.idempotencyKey] {
            switch IdempotencyKeyHeader.parse(header) {
            case .success(let key): idempotencyKey = key
            case .failure(let error): return CompletionOutcome(result: .failure(error))
            }
        }
        let request: CompleteRequest
        do {
            request = try CompleteRequest(json: body)
        } catch {
            return CompletionOutcome(result: .failure(error))
        }
        guard let route = routes[request.route] else {
            return CompletionOutcome(result: .failure(.unknownRoute(request.route)))
        }
        let name = route.name
        let providerName = route.provider.name
        var outcome = CompletionOutcome(result: .failure(.internalError), route: name, provider: providerName)
        outcome.action = request.action.rawValue
        outcome.uploadId = request.uploadId
        outcome.fileId = request.fileId
        outcome.idempotencyKey = idempotencyKey
        guard context.client.access.allows(route: name) else {
            outcome.result = .failure(.forbidden(route: name).on(route: name, provider: providerName))
            return outcome
        }
        guard route.provider.actions.contains(request.action) else {
            outcome.result = .failure(.unsupportedAction(request.action, route: name, provider: providerName))
            return outcome
        }
        let upstreamRequest: UpstreamRequest
        do {
            upstreamRequest = try route.provider.makeRequest(request, route: route.configuration)
        } catch {
            outcome.result = .failure(error.on(route: name, provider: providerName))
            return outcome
        }
        guard case .ready(let authenticator) = route.state else {
            outcome.result = .failure(
                .routeUnavailable(route: name, provider: providerName, reason: route.unavailableReason ?? "not ready"))
            return outcome
        }

        // Gateway-side refusals come before this point: they never consume a key.
        var claim: IdempotencyKey?
        if let idempotencyKey {
            guard let idempotency else {
                outcome.result = .failure(.stateUnavailable("no state store is configured", route: name))
                return outcome
            }
            switch await idempotency.admit(
                key: idempotencyKey, client: context.client.name, request: request,
                staleAfter: Self.claimLifetime(route.configuration), now: clock.now())
            {
            case .proceed(let key):
                claim = key
            case .replay(let answer):
                // `result` is left as it is: the stored answer is what goes back (see `replay`).
                outcome.replay = answer
                return outcome
            case .refuse(let error):
                outcome.result = .failure(error.on(route: name, provider: providerName))
                return outcome
            }
        }

        let exchange = UpstreamExchange(
            route: route, authenticator: authenticator, stages: stages, logger: context.logger)
        let clock = ContinuousClock()
        let started = clock.now
        let result: Result<CompleteSuccess, GatewayError>
        do {
            let response = try await exchange.run(upstreamRequest)
            outcome.upstreamStatus = response.status
            result = Result { () throws(GatewayError) in
                try route.provider.interpret(response, to: request, route: route.configuration)
            }
        } catch {
            result = .failure(try exchange.contractError(for: error))
        }
        // Waiting for a connection is Splice's own time, reported apart from the provider's.
        outcome.connectionWait = exchange.connectionWait
        outcome.upstreamDuration = started.duration(to: clock.now) - exchange.connectionWait
        outcome.attempts = exchange.attempts
        let redactor = Redactor(secrets: await authenticator.sensitiveValues())
        switch result {
        case .success(let success): outcome.result = .success(redactor.redact(success))
        case .failure(let error): outcome.result = .failure(redactor.redact(error.on(route: name, provider: providerName)))
        }
        if let claim, let idempotency {
            await idempotency.settle(
                claim, result: outcome.result, requestId: context.requestId, now: self.clock.now(), logger: context.logger)
        }
        return outcome
    }

    /// How long a claim may stay in flight before another request may take it over: the route's whole deadline
    /// budget (every attempt, its waits for a connection and between attempts) with a margin.
    static func claimLifetime(_ route: RouteConfiguration) -> Duration {
        let attempts = route.retries.attempts
        return (route.timeout + .seconds(10)) * attempts + route.retries.maxDelay * (attempts - 1) + .seconds(30)
    }
}

extension StoredAnswer {
    /// What the stored answer was, as the ledger and the log name outcomes: the success's status word
    /// (`completed`, …) or the error's code, read back from the stored body.
    package var outcomeName: String {
        guard let object = (try? JSONValue.parse(body))?.objectValue else { return "replayed" }
        if let code = object["error"]?.objectValue?["code"]?.stringValue { return code }
        return object["status"]?.stringValue ?? "replayed"
    }
}

extension UpstreamTransportError {
    /// The contract's error for a request that got no usable answer.
    package func gatewayError(provider: String, timeout: Duration) -> GatewayError {
        switch self {
        case .timeout:
            GatewayError(
                .upstreamTimeout, message: "\(provider) did not answer within \(timeout.secondsDescription)",
                provider: provider)
        case .noConnection(let waited):
            GatewayError(
                .upstreamTimeout,
                message: "no connection to \(provider) became free within \(waited.secondsDescription); the request was not sent",
                provider: provider)
        case .unreachable(let reason):
            GatewayError(.upstreamUnreachable, message: "\(provider) cannot be reached: \(reason)", provider: provider)
        case .connectionClosed:
            GatewayError(
                .upstreamError, message: "\(provider) closed the connection without answering", provider: provider)
        case .invalidRequest:
            GatewayError.internalError
        case .responseTooLarge(let status, let limit):
            GatewayError.badResponse(status: status, provider: provider, reason: "a body larger than \(limit) bytes")
        }
    }
}

extension Duration {
    /// e.g. "30 s" or "1.5 s".
    package var secondsDescription: String {
        let milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return "\(Double(milliseconds) / 1000) s"
    }

    /// Milliseconds with three decimals, as `Server-Timing` wants them.
    package var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
