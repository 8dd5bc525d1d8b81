import Foundation
import ProviderEmulators
import SpliceCore
import Synchronization
import Testing

/// The retries Splice makes itself, over real HTTP against the emulators.
@Suite(.timeLimit(.minutes(1))) struct RetryTests {
    static let autorender = #"{"route":"autorender","uploadId":"a1b2c3d4"}"#
    static let spatialgen = CompleteEndToEndTests.spatialgenBody
    static let huawei = #"{"route":"huawei-metastudio","fileId":"f1"}"#
    static let tenovos =
        #"{"route":"tenovos","fileId":"f-1","uploadId":"u-1","fileName":"a.mov","fileSize":300,"parts":[{"partNumber":1,"etag":"e1"}]}"#

    /// The standard routes, with `retries` and `timeout` changed for one of them.
    static func routes(
        _ emulators: RunningEmulators, changing name: String, retries: RouteConfiguration.Retries,
        timeout: Duration = .seconds(5)
    ) throws -> [RouteConfiguration] {
        try GatewayHarness.standardRoutes(emulators).map { route in
            guard route.name == name else { return route }
            var changed = route
            changed.retries = retries
            changed.timeout = timeout
            return changed
        }
    }

    @Test func aRefusedConnectionIsRetriedAndSucceeds() async throws {
        // A port bound but not listening, held for the whole test: connecting to it is refused.
        let (socket, port) = try boundPort()
        defer { close(socket) }
        let refused = try UpstreamURL(parsing: "http://127.0.0.1:\(port)")
        let refusal = FirstAttemptsElsewhere(count: 1, upstream: refused)
        try await withGateway(transport: TransportOverride(make: refusal.wrapping)) { gateway in
            let answer = try await gateway.post(Self.autorender)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(answer.header("Splice-Attempts") == "2")
            #expect(refusal.redirected == 1)
            #expect(gateway.emulators.autorender.receivedRequests.count == 1)
        }
    }

    @Test func a429WithRetryAfterIsWaitedThenRetried() async throws {
        try await withGateway { gateway in
            gateway.emulators.autorender.setFault(.first(1, .retryAfter(status: 429, value: "1")))
            let clock = ContinuousClock()
            let started = clock.now
            let answer = try await gateway.post(Self.autorender)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(answer.header("Splice-Attempts") == "2")
            #expect(started.duration(to: clock.now) >= .seconds(1))
            #expect(gateway.emulators.autorender.receivedRequests.count == 2)
        }
    }

    @Test func a429AskingForMoreThanTheCapIsTheAnswer() async throws {
        try await withGateway { gateway in
            // The emulator's 429 asks for 7 s; the default cap is 5 s.
            gateway.emulators.autorender.setFault(.first(1, .providerError(status: 429)))
            let answer = try await gateway.post(Self.autorender)
            ErrorTableTests.expectError(
                answer, status: 429, code: "upstream_rate_limited", source: "provider", retryable: true, route: "autorender",
                provider: "autorender")
            #expect(answer.header("Retry-After") == "7")
            #expect(answer.header("Splice-Attempts") == "1")
            #expect(gateway.emulators.autorender.receivedRequests.count == 1)
        }
    }

    @Test func aSpatialGen502IsRetriedBecauseItsCompleteIsIdempotent() async throws {
        try await withGateway { gateway in
            gateway.emulators.spatialgen.setFault(.first(1, .providerError(status: 502)))
            let answer = try await gateway.post(Self.spatialgen)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(answer.header("Splice-Attempts") == "2")
            #expect(gateway.emulators.spatialgen.receivedRequests.count == 2)
        }
    }

    @Test func aTenovos502IsNeverRetried() async throws {
        try await withGateway { gateway in
            gateway.emulators.tenovos.setFault(.first(1, .providerError(status: 502)))
            let answer = try await gateway.post(Self.tenovos)
            ErrorTableTests.expectError(
                answer, status: 502, code: "upstream_error", source: "provider", retryable: true, route: "tenovos", provider: "tenovos")
            #expect(answer.header("Splice-Attempts") == "1")
            #expect(gateway.emulators.tenovos.receivedRequests.count == 1)
        }
    }

    @Test func eachHuaweiAttemptIsSignedAfresh() async throws {
        try await withGateway { gateway in
            gateway.emulators.huaweiMetaStudio.setFault(.first(1, .retryAfter(status: 429, value: "1")))
            let answer = try await gateway.post(Self.huawei)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(answer.header("Splice-Attempts") == "2")
            let received = gateway.emulators.huaweiMetaStudio.receivedRequests
            #expect(received.count == 2)
            let dates = received.compactMap { $0.header("X-Sdk-Date") }
            let signatures = received.compactMap { $0.header("Authorization") }
            #expect(dates.count == 2 && Set(dates).count == 2, "\(dates)")
            #expect(signatures.count == 2 && Set(signatures).count == 2)
        }
    }

    @Test func oneAttemptNeverRetries() async throws {
        try await withGateway(routes: { try Self.routes($0, changing: "spatialgen", retries: .init(attempts: 1)) }) { gateway in
            gateway.emulators.spatialgen.setFault(.first(1, .providerError(status: 502)))
            let answer = try await gateway.post(Self.spatialgen)
            #expect(answer.status == 502, "\(answer.bodyText)")
            #expect(answer.header("Splice-Attempts") == "1")
            #expect(gateway.emulators.spatialgen.receivedRequests.count == 1)
        }
    }

    @Test func theAttemptsShareTheDeadlineBudget() async throws {
        // 300 ms × 3 = 900 ms in all. Two attempts time out (≥ 300 ms each) around a 100 ms wait; the 200 ms
        // wait before a third would leave it no time, so there is none.
        try await withGateway(routes: {
            try Self.routes($0, changing: "spatialgen", retries: .init(attempts: 3), timeout: .milliseconds(300))
        }) { gateway in
            // Longer than any attempt's deadline, shorter than the emulators' shutdown grace period.
            gateway.emulators.spatialgen.setFault(.delay(.seconds(1)))
            let answer = try await gateway.post(Self.spatialgen)
            ErrorTableTests.expectError(
                answer, status: 504, code: "upstream_timeout", source: "gateway", retryable: true, route: "spatialgen",
                provider: "spatialgen")
            #expect(answer.header("Splice-Attempts") == "2")
            #expect(gateway.emulators.spatialgen.receivedRequests.count == 2)
        }
    }

    @Test func answersStoppedBeforeTheProviderCarryNoAttempts() async throws {
        try await withGateway { gateway in
            let answer = try await gateway.post(#"{"route":"nope"}"#)
            #expect(answer.status == 404)
            #expect(answer.header("Splice-Attempts") == nil)
        }
    }
}

/// Sends a route's first `count` requests to another upstream (one that refuses connections), then the rest where
/// they belong: a provider that was down and came back, through the real HTTP client.
final class FirstAttemptsElsewhere: Sendable {
    private let remaining: Mutex<Int>
    private let done = Mutex(0)
    let upstream: UpstreamURL

    init(count: Int, upstream: UpstreamURL) {
        remaining = Mutex(count)
        self.upstream = upstream
    }

    /// How many requests went elsewhere.
    var redirected: Int { done.withLock { $0 } }

    @Sendable func wrapping(_ inner: any UpstreamTransport) -> any UpstreamTransport { Transport(inner: inner, owner: self) }

    struct Transport: UpstreamTransport {
        let inner: any UpstreamTransport
        let owner: FirstAttemptsElsewhere

        func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse {
            let elsewhere = owner.remaining.withLock { count in
                guard count > 0 else { return false }
                count -= 1
                return true
            }
            guard elsewhere else { return try await inner.send(request, timeout: timeout) }
            owner.done.withLock { $0 += 1 }
            var moved = request
            moved.upstream = owner.upstream
            return try await inner.send(moved, timeout: timeout)
        }
    }
}
