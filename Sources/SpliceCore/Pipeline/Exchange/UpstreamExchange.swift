import HTTPTypes
import Logging
import Synchronization

/// One step of an upstream exchange, in the manner of soto-core's middleware stack: it may change the request,
/// call the rest of the chain (once, several times, or not at all) and look at the answer. The transport is the
/// end of every chain, so each call of `next` is one attempt on the wire, authorized afresh by the stages inside.
///
/// `/complete` runs renew-on-401 → authorize → transport; retries and passthrough add or swap stages, reusing these.
package protocol UpstreamStage: Sendable {
    func send(
        _ request: UpstreamRequest, in exchange: UpstreamExchange, next: UpstreamExchange.Next
    ) async throws -> UpstreamResponse
}

/// A request's way through the stages to the provider, and what happened on the way (attempts, waits).
///
/// Errors thrown are `GatewayError` (from a stage: a refused login), `UpstreamTransportError` (no usable answer),
/// or `CancellationError`; the caller maps them to the contract.
package struct UpstreamExchange: Sendable {
    package typealias Next = @Sendable (UpstreamRequest) async throws -> UpstreamResponse

    package let route: Route
    package let authenticator: any UpstreamAuthenticator
    package let stages: [any UpstreamStage]
    package let logger: Logger
    /// Whether answers are streamed to the client (passthrough) or read whole (`/complete`).
    package let streamsAnswers: Bool
    private let record = Record()

    package init(
        route: Route, authenticator: any UpstreamAuthenticator, stages: [any UpstreamStage], logger: Logger,
        streamsAnswers: Bool = false
    ) {
        self.route = route
        self.authenticator = authenticator
        self.stages = stages
        self.logger = logger
        self.streamsAnswers = streamsAnswers
    }

    /// Runs `request` through every stage, then the route's transport.
    package func run(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        try await run(request, from: 0)
    }

    private func run(_ request: UpstreamRequest, from index: Int) async throws -> UpstreamResponse {
        guard index < stages.count else { return try await transmit(request) }
        return try await stages[index].send(request, in: self, next: { try await self.run($0, from: index + 1) })
    }

    /// One attempt on the wire.
    private func transmit(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        let (attempt, timeout) = record.beginAttempt(request, timeout: route.configuration.timeout)
        let response: UpstreamResponse
        do {
            response =
                streamsAnswers
                ? try await route.transport.open(request, timeout: timeout)
                : try await route.transport.send(request, timeout: timeout)
        } catch let error as UpstreamTransportError {
            route.instruments.recordAttempt(RouteInstruments.AttemptResult(error))
            logger.debug(
                "upstream attempt failed",
                metadata: ["route": "\(route.name)", "attempt": "\(attempt)", "failure": "\(error.logDescription)"])
            throw error
        } catch {
            if error is CancellationError { route.instruments.recordAttempt(.cancelled) }
            throw error
        }
        route.instruments.recordAttempt(.answered)
        route.instruments.recordClock(providerDate: response.headers[.date])
        record.waited(response.connectionWait)
        logger.debug(
            "upstream answered", metadata: ["route": "\(route.name)", "attempt": "\(attempt)", "status": "\(response.status)"])
        return response
    }

    /// The contract's error for what `run` threw; a cancelled task is passed through, not reported.
    package func contractError(for error: any Error) throws(CancellationError) -> GatewayError {
        switch error {
        case let error as GatewayError:
            return error
        case let error as UpstreamTransportError:
            if case .invalidRequest(let reason) = error {
                logger.error(
                    "the HTTP client refused the upstream request", metadata: ["route": "\(route.name)", "reason": "\(reason)"])
            }
            return error.gatewayError(provider: route.provider.name, timeout: lastTimeout)
        case is CancellationError:
            throw CancellationError()
        default:
            // The type's name only: a description may carry a header value.
            logger.error(
                "unexpected error while calling the provider", metadata: ["route": "\(route.name)", "error": "\(type(of: error))"])
            return .internalError
        }
    }

    /// How many attempts went on the wire so far.
    package var attempts: Int { record.state.withLock { $0.attempts } }
    /// The time those attempts waited for a connection, summed.
    package var connectionWait: Duration { record.state.withLock { $0.connectionWait } }
    /// The last request put on the wire, credentials included.
    package var lastSent: UpstreamRequest? { record.state.withLock { $0.lastSent } }
    /// The deadline the last attempt had (the route's, or less when the retry budget cut it).
    package var lastTimeout: Duration { record.state.withLock { $0.lastTimeout ?? route.configuration.timeout } }

    /// Gives the attempts from now on at most `deadline` each: what is left of the retries' shared budget.
    package func limitLaterAttempts(to deadline: Duration) {
        record.state.withLock { $0.limit = deadline }
    }

    /// Counts shared by the copies of the exchange the stages hold.
    private final class Record: Sendable {
        struct State {
            var attempts = 0
            var connectionWait = Duration.zero
            var lastSent: UpstreamRequest?
            var limit: Duration?
            var lastTimeout: Duration?
        }

        let state = Mutex(State())

        /// Counts the attempt; returns its number and its deadline.
        func beginAttempt(_ request: UpstreamRequest, timeout: Duration) -> (Int, Duration) {
            state.withLock { state in
                state.attempts += 1
                state.lastSent = request
                let deadline = state.limit.map { min($0, timeout) } ?? timeout
                state.lastTimeout = deadline
                return (state.attempts, deadline)
            }
        }

        func waited(_ duration: Duration) {
            state.withLock { $0.connectionWait += duration }
        }
    }
}

extension UpstreamTransportError {
    /// For debug logs: a fixed phrase, never a value.
    package var logDescription: String {
        switch self {
        case .timeout: "timeout"
        case .noConnection: "no connection free"
        case .unreachable(let reason): "unreachable: \(reason)"
        case .connectionClosed: "connection closed"
        case .responseTooLarge: "response too large"
        case .invalidRequest(let reason): "request refused by the HTTP client: \(reason)"
        }
    }
}
