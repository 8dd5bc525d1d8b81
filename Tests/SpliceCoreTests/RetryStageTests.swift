import Foundation
import HTTPTypes
import Logging
import Synchronization
import Testing

@testable import SpliceCore

/// A transport that plays a script of answers and failures, each taking some (virtual) time, and records what it
/// was sent with which deadline.
final class StepTransport: UpstreamTransport {
    struct Step: Sendable {
        var result: Result<UpstreamResponse, UpstreamTransportError>
        var takes: Duration = .zero
    }

    private let clock: RetryTestClock
    private let script: Mutex<[Step]>
    private let sent = Mutex<[(request: UpstreamRequest, timeout: Duration)]>([])

    init(clock: RetryTestClock, _ steps: [Step]) {
        self.clock = clock
        script = Mutex(steps)
    }

    var requests: [UpstreamRequest] { sent.withLock { $0.map(\.request) } }
    var timeouts: [Duration] { sent.withLock { $0.map(\.timeout) } }

    func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse {
        sent.withLock { $0.append((request, timeout)) }
        guard let step = script.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            throw UpstreamTransportError.connectionClosed
        }
        clock.advance(by: step.takes)
        return try step.result.get()
    }
}

extension StepTransport.Step {
    static func answer(_ status: Int, retryAfter: String? = nil, takes: Duration = .zero) -> Self {
        var headers = HTTPFields()
        if let retryAfter { headers[.retryAfter] = retryAfter }
        return Self(result: .success(UpstreamResponse(status: status, headers: headers, body: Array("{}".utf8))), takes: takes)
    }

    static func fail(_ error: UpstreamTransportError, takes: Duration = .zero) -> Self {
        Self(result: .failure(error), takes: takes)
    }
}

/// The retry stage in the `/complete` chain, with virtual time.
@Suite struct RetryStageTests {
    static let refused = UpstreamTransportError.unreachable(reason: "connection refused")

    static func run(
        _ provider: String, _ steps: [StepTransport.Step], retries: RouteConfiguration.Retries = .init(),
        timeout: Duration = .seconds(30), clock: RetryTestClock = RetryTestClock()
    ) async throws -> (response: Result<UpstreamResponse, GatewayError>, transport: StepTransport, exchange: UpstreamExchange) {
        let transport = StepTransport(clock: clock, steps)
        let credentials: [String: String] =
            switch provider {
            case "huawei-metastudio": ["accessKey": "HW-ACCESS-KEY-1", "secretKey": "hw-secret-key-123"]
            case "spatialgen": ["appKey": "sg-app-key-123456"]
            default: ["apiKey": "ar-api-key-123456"]
            }
        let configuration = RouteConfiguration(
            name: "r", provider: provider, upstream: try UpstreamURL(parsing: "https://api.example.com"),
            credentials: credentials.mapValues(SecretReference.literal), defaults: .init(projectId: "p"), timeout: timeout,
            retries: retries)
        let table = RouteTable.resolve([configuration], environment: [:], clock: clock.wall.wallClock, transport: transport)
        let route = try #require(table["r"])
        guard case .ready(let authenticator) = route.state else { throw CancellationError() }
        let exchange = UpstreamExchange(
            route: route, authenticator: authenticator, stages: CompletionService.makeStages(retryClock: clock.retryClock),
            logger: Logger(label: "t"))
        let request = UpstreamRequest(
            method: .post, upstream: configuration.upstream, path: "/complete", headers: [.contentType: "application/json"],
            body: Array("{}".utf8))
        do {
            return (.success(try await exchange.run(request)), transport, exchange)
        } catch {
            return (.failure(try exchange.contractError(for: error)), transport, exchange)
        }
    }

    @Test func aRequestThatNeverReachedTheProviderIsRetriedForEveryProvider() async throws {
        for provider in ["autorender", "spatialgen"] {
            let clock = RetryTestClock()
            let (response, transport, exchange) = try await Self.run(provider, [.fail(Self.refused), .answer(200)], clock: clock)
            #expect(try response.get().status == 200)
            #expect(exchange.attempts == 2 && transport.requests.count == 2)
            #expect(clock.sleeps == [.milliseconds(100)])
        }
    }

    @Test func aRetryAfterWithinTheCapIsWaitedThenRetried() async throws {
        let clock = RetryTestClock()
        let (response, _, exchange) = try await Self.run("autorender", [.answer(429, retryAfter: "2"), .answer(200)], clock: clock)
        #expect(try response.get().status == 200)
        #expect(exchange.attempts == 2)
        #expect(clock.sleeps == [.seconds(2)])
    }

    @Test func anHTTPDateRetryAfterIsCountedFromNow() async throws {
        let clock = RetryTestClock()
        let date = clock.wall.now.addingTimeInterval(3)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let (response, _, _) = try await Self.run(
            "autorender", [.answer(503, retryAfter: formatter.string(from: date)), .answer(200)], clock: clock)
        #expect(try response.get().status == 200)
        #expect(clock.sleeps == [.seconds(3)])
    }

    @Test func aRetryAfterOverTheCapIsTheAnswer() async throws {
        let clock = RetryTestClock()
        let (response, transport, _) = try await Self.run(
            "spatialgen", [.answer(429, retryAfter: "6"), .answer(200)], retries: .init(attempts: 3, maxDelay: .seconds(5)),
            clock: clock)
        #expect(try response.get().status == 429)
        #expect(transport.requests.count == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test func onlyAnIdempotentCompleteIsRetriedAfterItMayHaveArrived() async throws {
        let maybeArrived: [StepTransport.Step] = [.answer(502), .answer(504), .fail(.timeout), .fail(.connectionClosed)]
        for step in maybeArrived {
            let (other, otherTransport, _) = try await Self.run("autorender", [step, .answer(200)])
            #expect(otherTransport.requests.count == 1)
            if case .success(let response) = other { #expect(response.status != 200) }
            let (spatialgen, transport, _) = try await Self.run("spatialgen", [step, .answer(200)])
            #expect(try spatialgen.get().status == 200)
            #expect(transport.requests.count == 2)
        }
    }

    @Test func oneAttemptNeverRetries() async throws {
        let (response, transport, exchange) = try await Self.run(
            "spatialgen", [.fail(Self.refused), .answer(200)], retries: .init(attempts: 1))
        guard case .failure(let error) = response else {
            Issue.record("one attempt, refused, is the answer")
            return
        }
        #expect(error.code == .upstreamUnreachable)
        #expect(transport.requests.count == 1 && exchange.attempts == 1)
    }

    @Test func retriesStopAtTheConfiguredAttemptsAndReportTheLast() async throws {
        let clock = RetryTestClock()
        let (response, transport, exchange) = try await Self.run(
            "spatialgen", [.answer(502), .answer(502), .answer(503, retryAfter: "1"), .answer(200)],
            retries: .init(attempts: 3), clock: clock)
        #expect(try response.get().status == 503)
        #expect(transport.requests.count == 3 && exchange.attempts == 3)
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200)])
    }

    @Test func theAttemptsShareTheDeadlineBudget() async throws {
        // 1 s × 3 attempts: two whole attempts, then what is left (3 − 2 − 0.1 − 0.2 = 0.7 s).
        let clock = RetryTestClock()
        let (response, transport, _) = try await Self.run(
            "spatialgen", [.fail(.timeout, takes: .seconds(1)), .fail(.timeout, takes: .seconds(1)), .fail(.timeout, takes: .milliseconds(700))],
            retries: .init(attempts: 3), timeout: .seconds(1), clock: clock)
        if case .failure(let error) = response { #expect(error.code == .upstreamTimeout) }
        #expect(transport.timeouts == [.seconds(1), .seconds(1), .milliseconds(700)])
        #expect(clock.elapsed <= .seconds(3))
        // A wait that would overrun the budget is not made: the answer is the 429.
        let other = RetryTestClock()
        let (limited, limitedTransport, _) = try await Self.run(
            "autorender", [.answer(429, retryAfter: "2", takes: .milliseconds(500)), .answer(200)],
            retries: .init(attempts: 2), timeout: .seconds(2), clock: other)
        #expect(try limited.get().status == 429)
        #expect(limitedTransport.requests.count == 1 && other.sleeps.isEmpty)
    }

    @Test func everyHuaweiAttemptIsSignedAfresh() async throws {
        let clock = RetryTestClock()
        let (response, transport, _) = try await Self.run(
            "huawei-metastudio", [.answer(429, retryAfter: "1"), .answer(200)], clock: clock)
        #expect(try response.get().status == 200)
        let dates = transport.requests.compactMap { $0.headers[HTTPField.Name("X-Sdk-Date")!] }
        let signatures = transport.requests.compactMap { $0.headers[.authorization] }
        #expect(dates.count == 2 && Set(dates).count == 2)
        #expect(signatures.count == 2 && Set(signatures).count == 2)
    }

    @Test func aStreamedBodyIsNeverRetried() async throws {
        struct Stream: StreamedBody { var length: Int? { nil } }
        let clock = RetryTestClock()
        let transport = StepTransport(clock: clock, [.fail(Self.refused), .answer(200)])
        let configuration = RouteConfiguration(
            name: "r", provider: "spatialgen", upstream: try UpstreamURL(parsing: "https://api.example.com"),
            credentials: ["appKey": .literal("sg-app-key-123456")])
        let route = try #require(RouteTable.resolve([configuration], environment: [:], transport: transport)["r"])
        guard case .ready(let authenticator) = route.state else { throw CancellationError() }
        let exchange = UpstreamExchange(
            route: route, authenticator: authenticator, stages: CompletionService.makeStages(retryClock: clock.retryClock),
            logger: Logger(label: "t"))
        await #expect(throws: UpstreamTransportError.self) {
            _ = try await exchange.run(
                UpstreamRequest(method: .post, upstream: configuration.upstream, path: "/x", stream: Stream()))
        }
        #expect(transport.requests.count == 1)
    }
}
