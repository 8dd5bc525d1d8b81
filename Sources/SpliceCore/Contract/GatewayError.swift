/// Every error Splice answers with, rendered as the contract's error envelope.
///
/// Built the way AsyncHTTPClient's `HTTPClientError` is: a struct around a small set of codes, each
/// carrying its HTTP status, source and retryability, so that no call site can pair them wrongly.
package struct GatewayError: Error, Sendable, Equatable {
    package var code: Code
    /// HTTP status of the answer to the client.
    package var status: Int
    package var message: String
    package var retryable: Bool
    package var route: String?
    package var provider: String?
    package var upstream: Upstream?
    /// The provider's `Retry-After`, passed on with 429s.
    package var retryAfter: String?
    /// Every `FILE:LINE: message` of a configuration a reload refused (`error.problems`, only then).
    package var problems: [String] = []

    /// What the provider said, where it said something.
    package struct Upstream: Sendable, Equatable {
        package var status: Int
        package var code: String?
        package var message: String?
        package var requestId: String?

        package init(status: Int, code: String? = nil, message: String? = nil, requestId: String? = nil) {
            self.status = status
            self.code = code
            self.message = message
            self.requestId = requestId
        }
    }

    /// The stable, machine-readable error code (safe as a metric label), with the HTTP status and retryability it
    /// usually comes with; a call site overrides them only where the contract mirrors the provider's status.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        package let rawValue: String
        package let source: Source
        package let status: Int
        package let retryable: Bool
        private init(_ rawValue: String, _ source: Source, _ status: Int, retryable: Bool = false) {
            self.rawValue = rawValue
            self.source = source
            self.status = status
            self.retryable = retryable
        }
        package var description: String { rawValue }

        package static let invalidRequest = Code("invalid_request", .gateway, 400)
        package static let payloadTooLarge = Code("payload_too_large", .gateway, 413)
        package static let unknownRoute = Code("unknown_route", .gateway, 404)
        package static let unsupportedAction = Code("unsupported_action", .gateway, 422)
        package static let routeUnavailable = Code("route_unavailable", .gateway, 503)
        package static let unauthorized = Code("unauthorized", .gateway, 401)
        package static let forbidden = Code("forbidden", .gateway, 403)
        package static let notFound = Code("not_found", .gateway, 404)
        package static let methodNotAllowed = Code("method_not_allowed", .gateway, 405)
        package static let notReady = Code("not_ready", .gateway, 503)
        /// The provider's status is kept for 400, 409, 410 and 422; other refusals are 502.
        package static let upstreamRejected = Code("upstream_rejected", .provider, 400)
        package static let upstreamNotFound = Code("upstream_not_found", .provider, 404)
        package static let upstreamAuthFailed = Code("upstream_auth_failed", .provider, 502)
        package static let upstreamRateLimited = Code("upstream_rate_limited", .provider, 429, retryable: true)
        package static let upstreamError = Code("upstream_error", .provider, 502, retryable: true)
        package static let badUpstreamResponse = Code("bad_upstream_response", .provider, 502)
        package static let upstreamTimeout = Code("upstream_timeout", .gateway, 504, retryable: true)
        package static let upstreamUnreachable = Code("upstream_unreachable", .gateway, 502, retryable: true)
        package static let internalError = Code("internal_error", .gateway, 500)
        /// The same `Idempotency-Key` came with a different request.
        package static let idempotencyKeyReused = Code("idempotency_key_reused", .gateway, 422)
        /// A request with the same `Idempotency-Key` is still in flight (on any instance sharing the store).
        package static let idempotencyKeyInUse = Code("idempotency_key_in_use", .gateway, 409, retryable: true)
        /// The state store cannot be written or read.
        package static let stateUnavailable = Code("state_unavailable", .gateway, 503, retryable: true)
        /// A reload found problems in the configuration on disk; the one in use is kept.
        package static let invalidConfiguration = Code("invalid_configuration", .gateway, 422)
        /// Splice is stopping and the drain limit passed before the answer came.
        package static let shuttingDown = Code("shutting_down", .gateway, 503, retryable: true)
    }

    /// Whether the gateway or the provider is the origin of the error.
    package enum Source: String, Sendable {
        case gateway
        case provider
    }

    /// An error with its code's usual status and retryability unless `status` or `retryable` say otherwise.
    package init(
        _ code: Code,
        status: Int? = nil,
        message: String,
        retryable: Bool? = nil,
        route: String? = nil,
        provider: String? = nil,
        upstream: Upstream? = nil,
        retryAfter: String? = nil
    ) {
        self.code = code
        self.status = status ?? code.status
        self.message = message
        self.retryable = retryable ?? code.retryable
        self.route = route
        self.provider = provider
        self.upstream = upstream
        self.retryAfter = retryAfter
    }

    package var source: Source { code.source }

    /// The same error, tagged with the route and provider it happened on.
    package func on(route: String, provider: String) -> GatewayError {
        var copy = self
        copy.route = copy.route ?? route
        copy.provider = copy.provider ?? provider
        return copy
    }
}

// MARK: - Gateway-side errors

extension GatewayError {
    package static func invalidRequest(_ message: String) -> GatewayError {
        GatewayError(.invalidRequest, message: message)
    }

    package static func payloadTooLarge(limit: Int) -> GatewayError {
        GatewayError(.payloadTooLarge, message: "the request body is larger than \(limit) bytes")
    }

    package static func unknownRoute(_ name: String) -> GatewayError {
        GatewayError(.unknownRoute, message: "no route named '\(CompleteRequest.printable(name))'")
    }

    package static func unsupportedAction(_ action: CompleteAction, route: String, provider: String) -> GatewayError {
        GatewayError(
            .unsupportedAction,
            message: "\(provider) does not support action '\(action.rawValue)'",
            route: route, provider: provider)
    }

    package static func routeUnavailable(route: String, provider: String, reason: String) -> GatewayError {
        GatewayError(
            .routeUnavailable, message: "route '\(route)' is unavailable: \(reason)",
            route: route, provider: provider)
    }

    package static func missingField(_ field: String, provider: String) -> GatewayError {
        .invalidRequest("missing field '\(field)': \(provider) needs it")
    }

    package static let unauthorized = GatewayError(
        .unauthorized, message: "this gateway requires a client key: send 'Authorization: Bearer <key>'")

    /// The reload's problems, each as `FILE:LINE: message`.
    package static func invalidConfiguration(_ problems: [String]) -> GatewayError {
        var error = GatewayError(
            .invalidConfiguration,
            message: "the configuration has \(problems.count) problem\(problems.count == 1 ? "" : "s"); the one in use is kept")
        error.problems = problems
        return error
    }

    package static func forbidden(route: String) -> GatewayError {
        GatewayError(.forbidden, message: "this client key may not use route '\(route)'", route: route)
    }

    package static func idempotencyKeyReused(route: String) -> GatewayError {
        GatewayError(
            .idempotencyKeyReused, message: "this Idempotency-Key was used with a different request on route '\(route)'",
            route: route)
    }

    package static func idempotencyKeyInUse(route: String) -> GatewayError {
        GatewayError(
            .idempotencyKeyInUse, message: "a request with this Idempotency-Key is still in flight; retry later",
            route: route, retryAfter: "1")
    }

    /// `reason` names no secret (`StateStoreError`'s reasons never do).
    package static func stateUnavailable(_ reason: String, route: String? = nil) -> GatewayError {
        GatewayError(
            .stateUnavailable, message: "the state store is unavailable (\(reason)); nothing was sent", route: route)
    }

    package static func notFound(path: String) -> GatewayError {
        GatewayError(.notFound, message: "no endpoint at '\(CompleteRequest.printable(path))'")
    }

    package static func methodNotAllowed(method: String, path: String) -> GatewayError {
        GatewayError(
            .methodNotAllowed,
            message: "\(CompleteRequest.printable(method)) is not allowed on '\(CompleteRequest.printable(path))'")
    }

    package static let internalError = GatewayError(
        .internalError, message: "an unexpected error happened inside Splice; the request id is in the logs")
}

// MARK: - Provider-side errors

extension GatewayError {
    /// Maps a provider's non-2xx answer onto the contract's table.
    package static func fromProvider(
        status: Int,
        provider: String,
        code: String? = nil,
        message: String? = nil,
        requestId: String? = nil,
        retryAfter: String? = nil
    ) -> GatewayError {
        let upstream = Upstream(status: status, code: code, message: message, requestId: requestId)
        let said = message.map { ": \($0)" } ?? ""
        switch status {
        case 400, 409, 410, 422:
            return GatewayError(
                .upstreamRejected, status: status, message: "\(provider) rejected the request\(said)",
                provider: provider, upstream: upstream)
        case 404:
            return GatewayError(
                .upstreamNotFound, message: "\(provider) does not know this upload\(said)",
                provider: provider, upstream: upstream)
        case 401, 403:
            return GatewayError(
                .upstreamAuthFailed, message: "\(provider) refused Splice's credentials\(said)",
                provider: provider, upstream: upstream)
        case 429:
            return GatewayError(
                .upstreamRateLimited, message: "\(provider) is rate limiting requests\(said)", provider: provider, upstream: upstream,
                retryAfter: retryAfter)
        case 408, 500...599:
            return GatewayError(
                .upstreamError, message: "\(provider) failed with HTTP \(status)\(said)", provider: provider, upstream: upstream)
        case 402...499:
            // A 4xx the contract does not name: the provider refused, but its status would mislead the client.
            return GatewayError(
                .upstreamRejected, status: 502, message: "\(provider) rejected the request with HTTP \(status)\(said)",
                provider: provider, upstream: upstream)
        default:
            return badResponse(status: status, provider: provider, reason: "an unexpected HTTP \(status)", upstream: upstream)
        }
    }

    /// A 2xx whose body says the operation failed.
    package static func reportedFailure(
        status: Int, provider: String, code: String? = nil, message: String? = nil, requestId: String? = nil
    ) -> GatewayError {
        let said = message.map { ": \($0)" } ?? ""
        return GatewayError(
            .badUpstreamResponse,
            message: "\(provider) answered HTTP \(status) but reported a failure\(said)",
            provider: provider,
            upstream: Upstream(status: status, code: code, message: message, requestId: requestId))
    }

    /// A body Splice cannot read (not JSON, cut short, not the documented shape).
    package static func badResponse(
        status: Int, provider: String, reason: String, upstream: Upstream? = nil
    ) -> GatewayError {
        GatewayError(
            .badUpstreamResponse, message: "\(provider) answered with \(reason)",
            provider: provider, upstream: upstream ?? Upstream(status: status))
    }
}

// MARK: - Envelope

extension GatewayError {
    /// The contract's error envelope: `{"error":{…},"requestId":…}`.
    package func envelope(requestId: String) -> JSONValue {
        let upstreamValue: JSONValue =
            upstream.map { upstream in
                .object([
                    "status": JSONValue(upstream.status),
                    "code": JSONValue(upstream.code),
                    "message": JSONValue(upstream.message),
                    "requestId": JSONValue(upstream.requestId),
                ])
            } ?? .null
        var error: JSONObject = [
            "code": JSONValue(code.rawValue),
            "message": JSONValue(message),
            "source": JSONValue(source.rawValue),
            "retryable": JSONValue(retryable),
            "route": JSONValue(route),
            "provider": JSONValue(provider),
            "upstream": upstreamValue,
        ]
        if !problems.isEmpty { error["problems"] = .array(problems.map { JSONValue($0) }) }
        return .object(["error": .object(error), "requestId": JSONValue(requestId)])
    }
}
