import Logging

/// What happened to one `/complete` request: the answer, and what the server logs and times.
package struct CompletionOutcome: Sendable {
    package var result: Result<CompleteSuccess, GatewayError>
    package var route: String?
    package var provider: String?
    /// Time spent waiting on the provider (all attempts, including obtaining credentials);
    /// `nil` when the provider was not reached.
    package var upstreamDuration: Duration?
    package var attempts: Int

    package init(
        result: Result<CompleteSuccess, GatewayError>, route: String? = nil, provider: String? = nil,
        upstreamDuration: Duration? = nil, attempts: Int = 0
    ) {
        self.result = result
        self.route = route
        self.provider = provider
        self.upstreamDuration = upstreamDuration
        self.attempts = attempts
    }
}

/// The `/complete` pipeline: check the request, pick the route, translate, authorize, send, normalize.
package struct CompletionService: Sendable {
    package let routes: RouteTable
    let transport: any UpstreamTransport

    package init(routes: RouteTable, transport: any UpstreamTransport) {
        self.routes = routes
        self.transport = transport
    }

    package func complete(body: [UInt8], access: ClientAccess, logger: Logger) async -> CompletionOutcome {
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
        guard access.allows(route: name) else {
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

        let clock = ContinuousClock()
        let started = clock.now
        let result = await send(upstreamRequest, for: request, on: route, authenticator: authenticator, logger: logger)
        outcome.upstreamDuration = started.duration(to: clock.now)
        outcome.attempts = result.attempts
        let redactor = Redactor(secrets: await authenticator.sensitiveValues())
        switch result.result {
        case .success(let success): outcome.result = .success(redactor.redact(success))
        case .failure(let error): outcome.result = .failure(redactor.redact(error.on(route: name, provider: providerName)))
        }
        return outcome
    }

    /// Sends with fresh credentials for each attempt; after a 401, renews the credentials once and retries once.
    private func send(
        _ upstreamRequest: UpstreamRequest, for request: CompleteRequest, on route: Route,
        authenticator: any UpstreamAuthenticator, logger: Logger
    ) async -> (result: Result<CompleteSuccess, GatewayError>, attempts: Int) {
        let providerName = route.provider.name
        var attempt = 0
        while true {
            attempt += 1
            var wire = upstreamRequest
            let response: UpstreamResponse
            do {
                try await authenticator.authorize(&wire)
                response = try await transport.send(wire, timeout: route.configuration.timeout)
            } catch let error as GatewayError {
                return (.failure(error), attempt)
            } catch let error as UpstreamTransportError {
                logger.debug(
                    "upstream attempt failed",
                    metadata: ["route": "\(route.name)", "attempt": "\(attempt)", "failure": "\(error.logDescription)"])
                return (.failure(error.gatewayError(provider: providerName, timeout: route.configuration.timeout)), attempt)
            } catch {
                logger.error(
                    "unexpected error while calling the provider",
                    metadata: ["route": "\(route.name)", "error": "\(type(of: error))"])
                return (.failure(.internalError), attempt)
            }
            logger.debug(
                "upstream answered",
                metadata: ["route": "\(route.name)", "attempt": "\(attempt)", "status": "\(response.status)"])
            if response.status == 401, attempt == 1, await authenticator.renewAfterRejection(of: wire) {
                logger.info("provider refused the credentials; renewed them and retrying once", metadata: ["route": "\(route.name)"])
                continue
            }
            do {
                let success = try route.provider.interpret(response, to: request, route: route.configuration)
                return (.success(success), attempt)
            } catch {
                return (.failure(error), attempt)
            }
        }
    }
}

extension UpstreamTransportError {
    /// The contract's error for a request that got no usable answer.
    package func gatewayError(provider: String, timeout: Duration) -> GatewayError {
        switch self {
        case .timeout:
            GatewayError(
                .upstreamTimeout, status: 504,
                message: "\(provider) did not answer within \(timeout.secondsDescription)", retryable: true,
                provider: provider)
        case .unreachable(let reason):
            GatewayError(
                .upstreamUnreachable, status: 502, message: "\(provider) cannot be reached: \(reason)",
                retryable: true, provider: provider)
        case .connectionClosed:
            GatewayError(
                .upstreamError, status: 502, message: "\(provider) closed the connection without answering",
                retryable: true, provider: provider)
        case .responseTooLarge(let status, let limit):
            GatewayError.badResponse(status: status, provider: provider, reason: "a body larger than \(limit) bytes")
        }
    }

    var logDescription: String {
        switch self {
        case .timeout: "timeout"
        case .unreachable(let reason): "unreachable: \(reason)"
        case .connectionClosed: "connection closed"
        case .responseTooLarge: "response too large"
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
