import AsyncHTTPClient
import Foundation
import ProviderEmulators
import SpliceCore
import Testing

/// Each route's connection pool, and a deadline that counts the provider's time, not the wait for a connection.
@Suite(.timeLimit(.minutes(1))) struct UpstreamPoolTests {
    static let complete = ErrorTableTests.requests[.spatialgen] ?? ""

    static func spatialgen(timeout: Duration, maxConnections: Int = RouteConfiguration.defaultMaxConnections)
        -> (RunningEmulators) throws -> [RouteConfiguration]
    {
        { emulators in
            [
                try GatewayHarness.route(
                    "spatialgen", emulators.spatialgen.baseURL, ["appKey": emulators.credentials.spatialgenAppKey],
                    timeout: timeout, maxConnections: maxConnections)
            ]
        }
    }

    static func postConcurrently(_ count: Int, to gateway: GatewayHarness) async throws -> [GatewayHarness.Answer] {
        try await withThrowingTaskGroup(of: GatewayHarness.Answer.self) { group in
            for _ in 0..<count {
                group.addTask { try await gateway.post(Self.complete) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// AsyncHTTPClient's default pool (8 per host) made 96 concurrent completes against a provider taking 0.3 s
    /// queue for up to 3.6 s, past a 3 s deadline that counted the queue.
    @Test func concurrentCompletesToASlowProviderAreNotQueuedIntoTimeouts() async throws {
        try await withGateway(routes: Self.spatialgen(timeout: .seconds(3))) { gateway in
            gateway.emulators.spatialgen.setFault(.delay(.milliseconds(300)))
            let answers = try await Self.postConcurrently(96, to: gateway)
            #expect(answers.map(\.status) == Array(repeating: 200, count: 96), "\(answers.compactMap(\.errorCode))")
        }
    }

    /// One connection, twelve requests, a provider taking 0.3 s and a 3 s deadline: the last request waits about
    /// 3.3 s for the connection (a deadline that counted the wait would cut it), but the provider answers each
    /// well within its deadline.
    @Test func waitingForAConnectionDoesNotCountAgainstTheDeadline() async throws {
        try await withGateway(routes: Self.spatialgen(timeout: .seconds(3), maxConnections: 1)) { gateway in
            gateway.emulators.spatialgen.setFault(.delay(.milliseconds(300)))
            let answers = try await Self.postConcurrently(12, to: gateway)
            #expect(
                answers.map(\.status) == Array(repeating: 200, count: 12),
                "\(answers.compactMap { $0.error?["message"]?.stringValue })")
            let waits = answers.compactMap { $0.header("Server-Timing") }.compactMap(Self.connectionMilliseconds)
            #expect(waits.count == 12)
            // Someone waited for the one connection; the time is reported, apart from the provider's.
            #expect(waits.contains { $0 > 1000 }, "\(waits)")
        }
    }

    /// The provider's own slowness is still a timeout.
    @Test func aProviderSlowerThanTheDeadlineIsATimeout() async throws {
        try await withGateway(routes: Self.spatialgen(timeout: .milliseconds(300))) { gateway in
            gateway.emulators.spatialgen.setFault(.delay(.seconds(2)))
            let answer = try await gateway.post(Self.complete)
            ErrorTableTests.expectError(
                answer, status: 504, code: "upstream_timeout", source: "gateway", retryable: true, route: "spatialgen",
                provider: "spatialgen")
        }
    }

    /// `upstream;dur=…, connection;dur=…, gateway;dur=…`: the connection figure.
    static func connectionMilliseconds(_ serverTiming: String) -> Double? {
        for metric in serverTiming.split(separator: ",") {
            let parts = metric.trimmingCharacters(in: .whitespaces).split(separator: ";")
            if parts.first == "connection", let duration = parts.last, duration.hasPrefix("dur=") {
                return Double(duration.dropFirst(4))
            }
        }
        return nil
    }
}
