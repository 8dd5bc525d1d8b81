import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SpliceCore
import SpliceServer
import Synchronization

/// A gateway on an ephemeral port run in a service group, as `splice serve` runs it, so that a test
/// can shut it down gracefully and watch what its clients see. Connection settings are the test's.
struct ServingGateway: Sendable {
    let port: Int
    let logs: LogCapture
    private let group: ServiceGroup
    private let stopped: Stopped

    /// Small timeouts, so that tests that wait for one do not wait long.
    static func limits(
        idleTimeout: Duration = .seconds(30), requestReadTimeout: Duration = .seconds(30), maximumConnections: Int = 100
    ) -> ConnectionLimits {
        var limits = ConnectionLimits()
        limits.idleTimeout = idleTimeout
        limits.requestReadTimeout = requestReadTimeout
        limits.maximumConnections = maximumConnections
        return limits
    }

    /// Starts graceful shutdown (SIGTERM's effect) and returns at once.
    func beginShutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// Whether the service group finished within `timeout`.
    func waitUntilStopped(timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !stopped.value.withLock({ $0 }) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Log lines at error level or worse.
    var errorLines: [String] { logs.all.filter { $0.hasPrefix("error ") || $0.hasPrefix("critical ") } }

    /// Waits until a log line contains `text`.
    func waitForLog(_ text: String, timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !logs.all.contains(where: { $0.contains(text) }) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    fileprivate final class Stopped: Sendable {
        let value = Mutex(false)
    }

    /// Runs a gateway for `routes` (none by default: `/livez` and `/complete`'s own refusals still
    /// answer), then shuts it down gracefully if `body` did not.
    static func run<T: Sendable>(
        routes: [RouteConfiguration] = [], connections: ConnectionLimits = limits(), shutdownGrace: Duration? = nil,
        _ body: (ServingGateway) async throws -> T
    ) async throws -> T {
        let logs = LogCapture()
        let logger = logs.logger()
        let clients = UpstreamClients(logger: logger)
        let table = RouteTable.resolve(routes, environment: [:], transport: clients.transport(for:))
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = SpliceGateway.buildApplication(
            host: "127.0.0.1", port: 0, routes: table, logger: logger,
            connections: connections, shutdownGrace: shutdownGrace
        ) { port in portSink.yield(port) }
        var configuration = ServiceGroupConfiguration(services: [app], logger: logger)
        configuration.maximumGracefulShutdownDuration = (shutdownGrace ?? .seconds(10)) + .seconds(1)
        configuration.maximumCancellationDuration = .seconds(2)
        let group = ServiceGroup(configuration: configuration)
        let stopped = Stopped()
        let result: Result<T, any Error> = await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                try? await group.run()
                stopped.value.withLock { $0 = true }
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return .failure(HarnessError.gatewayDidNotStart) }
            let gateway = ServingGateway(port: port, logs: logs, group: group, stopped: stopped)
            let result: Result<T, any Error>
            do {
                result = .success(try await body(gateway))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            await tasks.waitForAll()
            return result
        }
        try await clients.shutdown()
        return try result.get()
    }
}

/// A provider that accepts connections and reads requests but never answers.
final class SilentUpstream: Sendable {
    private let serverChannel: any Channel
    private let accepted: Accepted

    var baseURL: String { "http://127.0.0.1:\(serverChannel.localAddress?.port ?? 0)" }
    /// How many requests' bytes arrived.
    var connectionsWithData: Int { accepted.value.withLock { $0.withData.count } }

    private init(serverChannel: any Channel, accepted: Accepted) {
        self.serverChannel = serverChannel
        self.accepted = accepted
    }

    static func start() async throws -> SilentUpstream {
        let accepted = Accepted()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    accepted.value.withLock { $0.channels.append(channel) }
                    try channel.pipeline.syncOperations.addHandler(Swallow(accepted: accepted))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return SilentUpstream(serverChannel: channel, accepted: accepted)
    }

    func stop() async {
        let channels = accepted.value.withLock { $0.channels }
        for channel in channels { try? await channel.close() }
        try? await serverChannel.close()
    }

    private final class Accepted: Sendable {
        struct State {
            var channels: [any Channel] = []
            var withData: Set<ObjectIdentifier> = []
        }
        let value = Mutex(State())
    }

    private final class Swallow: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let accepted: Accepted

        init(accepted: Accepted) {
            self.accepted = accepted
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let id = ObjectIdentifier(context.channel)
            accepted.value.withLock { _ = $0.withData.insert(id) }
        }
    }
}

/// Polls `condition` every 10 ms; `false` if it still does not hold after `timeout`.
func eventually(timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while await !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}
