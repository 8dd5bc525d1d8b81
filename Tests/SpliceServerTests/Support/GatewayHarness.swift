import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Hummingbird
import NIOSSL
import ProviderEmulators
import SpliceCore
import SpliceServer
import Testing

/// A running gateway over real HTTP, pointed at the provider emulators.
struct GatewayHarness: Sendable {
    let emulators: RunningEmulators
    let baseURL: String
    let logs: LogCapture
    /// The port of each route's own passthrough listener (routes with `passthrough.listen`).
    var passthroughPorts: [String: Int] = [:]
    /// The state store's pieces, when the test gave a store.
    var state: GatewayState?
    /// Reloads the gateway's configuration from the harness's `source`, as SIGHUP does.
    var reloader: Reloader? = nil
    /// The client `send` uses: a TLS test sets its own (trusting the test CA, with or without a client certificate).
    var client: HTTPClient = GatewayHarness.client
    /// The gateway's own metrics (its own registry: nothing another test does moves them).
    var metrics = GatewayMetrics()

    /// What the gateway answered.
    struct Answer: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var bodyText: String
        var json: JSONValue?

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
        var errorCode: String? { json?["error"]?["code"]?.stringValue }
        var error: JSONValue? { json?["error"] }
    }

    func post(_ body: String, path: String = "/complete", headers: [(String, String)] = [("Content-Type", "application/json")])
        async throws -> Answer
    {
        try await send(method: .POST, path: path, body: Array(body.utf8), headers: headers)
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> Answer {
        try await send(method: .GET, path: path, body: nil, headers: headers)
    }

    func send(method: HTTPMethod, path: String, body: [UInt8]?, headers: [(String, String)]) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 8 * 1024 * 1024)
        let text = String(buffer: bytes)
        return Answer(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, bodyText: text,
            json: try? JSONValue.parse(Array(text.utf8)))
    }

    /// The tests' own client: like `HTTPClient.shared`, but with enough connections to load the gateway concurrently.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 128
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// One route per provider, named after it, with the emulators' credentials given literally.
    static func standardRoutes(_ emulators: RunningEmulators, timeout: Duration = .seconds(5)) throws -> [RouteConfiguration] {
        let credentials = emulators.credentials
        return [
            try route("spatialgen", emulators.spatialgen.baseURL, ["appKey": credentials.spatialgenAppKey], timeout: timeout),
            try route("autorender", emulators.autorender.baseURL, ["apiKey": credentials.autorenderAPIKey], timeout: timeout),
            try route(
                "gjirafa-vp", emulators.gjirafaVP.baseURL,
                ["apiKey": credentials.gjirafaAPIKey, "scheme": credentials.gjirafaScheme], projectId: "p1234567",
                timeout: timeout),
            try route(
                "huawei-metastudio", emulators.huaweiMetaStudio.baseURL,
                ["accessKey": credentials.huaweiAccessKey, "secretKey": credentials.huaweiSecretKey],
                projectId: "6a6a1f8354f64dd9b9a614def7b59d83", timeout: timeout),
            try route(
                "tenovos", emulators.tenovos.baseURL,
                [
                    "apiKey": credentials.tenovosAPIKey, "username": credentials.tenovosUsername,
                    "password": credentials.tenovosPassword,
                ], timeout: timeout),
        ]
    }

    static func route(
        _ provider: String, _ upstream: String, _ credentials: [String: String], name: String? = nil,
        projectId: String? = nil, timeout: Duration = .seconds(5),
        maxConnections: Int = RouteConfiguration.defaultMaxConnections,
        passthrough: PassthroughConfiguration = PassthroughConfiguration(), options: [String: String] = [:]
    ) throws -> RouteConfiguration {
        RouteConfiguration(
            name: name ?? provider, provider: provider, upstream: try UpstreamURL(parsing: upstream),
            credentials: credentials.mapValues(SecretReference.literal), defaults: .init(projectId: projectId),
            timeout: timeout, maxConnections: maxConnections, passthrough: passthrough, options: options, file: "(test)")
    }
}

/// Starts the emulators and a gateway on an ephemeral port (or `port`), runs `body`, then stops both.
/// With `emulators`, the gateway uses those (started by the caller, left running): several gateways, one provider.
/// A gateway that stops before it listens (a failed bind) throws `HarnessError.gatewayDidNotStart`.
/// With `logFormat`, the log lines are Splice's own in that format (see `LogCapture`).
func withGateway<T: Sendable>(
    logFormat: LogFormat? = nil,
    host: String = "127.0.0.1",
    port requestedPort: Int = 0,
    emulators shared: RunningEmulators? = nil,
    credentials: EmulatorCredentials = .demo,
    routes makeRoutes: (RunningEmulators) throws -> [RouteConfiguration] = { try GatewayHarness.standardRoutes($0) },
    environment: [String: String] = [:],
    clientKeys: ClientKeys = .none,
    clock: WallClock = .system,
    transport override: TransportOverride? = nil,
    store: (any StateStore)? = nil,
    idempotencyTTL: Duration = .seconds(86_400),
    source makeSource: ((RunningEmulators) throws -> ConfigurationSource)? = nil,
    tls: ListenerTLS? = nil,
    emulatorTLS: TLSConfiguration? = nil,
    _ body: (GatewayHarness) async throws -> T
) async throws -> T {
    if let shared { return try await run(shared) }
    return try await withProviderEmulators(credentials: credentials, tls: emulatorTLS) { try await run($0) }

    func run(_ emulators: RunningEmulators) async throws -> T {
        let logs = LogCapture(format: logFormat)
        let logger = logs.logger()
        let metrics = GatewayMetrics()
        // The test owns the store (and shuts it down); the harness runs its ledger writer.
        let state = store.map {
            GatewayState(
                store: $0, ledger: LedgerRecorder(store: $0, logger: logger), idempotencyTTL: idempotencyTTL,
                location: "test")
        }
        let clients = UpstreamClients(logger: logger)
        let transport: @Sendable (RouteConfiguration) -> any UpstreamTransport = { route in
            let transport = clients.transport(for: route)
            return override?.make(transport) ?? transport
        }
        // Without a source of its own, a reload resolves the same routes and client keys again.
        let source =
            try makeSource?(emulators)
            ?? .fixed(
                LoadedConfiguration(
                    server: ServerConfiguration(), routeConfigurations: try makeRoutes(emulators), clientKeys: clientKeys))
        let loaded = try source.read()
        let table = RouteTable.resolve(
            loaded.routeConfigurations, environment: environment, clock: clock, metrics: metrics.factory,
            transport: transport)
        let live = LiveConfiguration(
            GatewayConfiguration(
                generation: 1, server: loaded.server, routes: table, clientKeys: loaded.clientKeys,
                idempotency: state?.idempotency))
        let reloader = Reloader(
            live: live, source: source, environment: environment, idempotency: state?.idempotency, clock: clock,
            metrics: metrics, logger: logger, transport: transport, retireRoutes: clients.retireRoutes(notIn:))
        // The console's activity window, fed by every listener as `SpliceGateway.serve` does.
        let activity = ActivityWindow(clock: clock)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        // Routes with `passthrough.listen` get their own listeners, which report their ports here.
        let (listenerPorts, listenerSink) = AsyncStream.makeStream(of: (String, Int).self)
        let listeners = SpliceGateway.passthroughListeners(
            configuration: live,
            finished: SpliceGateway.finishedRequests(state: state, observers: [metrics.requests, activity]), metrics: metrics,
            tls: tls,
            logger: logger
        ) {
            listenerSink.yield(($0, $1))
        }
        let app = SpliceGateway.buildApplication(
            host: host, port: requestedPort, configuration: live, state: state, observers: [metrics.requests, activity],
            metrics: metrics, reloader: reloader, services: listeners, tls: tls, logger: logger
        ) { port in portSink.yield(port) }
        let result: Result<T, any Error> = await withTaskGroup(of: Void.self) { group in
            if let state { group.addTask { await state.ledger.run() } }
            defer { state?.ledger.stop() }
            group.addTask {
                // However `run` ends (a failed bind throws), no port will come: end the stream so the wait below ends.
                defer { portSink.finish() }
                try? await app.run()
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return .failure(HarnessError.gatewayDidNotStart) }
            var passthroughPorts: [String: Int] = [:]
            if !listeners.isEmpty {
                for await (route, listenerPort) in listenerPorts {
                    passthroughPorts[route] = listenerPort
                    if passthroughPorts.count == listeners.count { break }
                }
            }
            let harness = GatewayHarness(
                emulators: emulators, baseURL: "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)", logs: logs,
                passthroughPorts: passthroughPorts, state: state, reloader: reloader, metrics: metrics)
            do {
                return .success(try await body(harness))
            } catch {
                return .failure(error)
            }
        }
        try await clients.shutdown()
        return try result.get()
    }
}

/// Wraps or replaces each route's upstream transport (a plain struct, so that trailing closures bind to `body`).
struct TransportOverride: Sendable {
    let make: @Sendable (any UpstreamTransport) -> any UpstreamTransport
}

enum HarnessError: Error {
    case gatewayDidNotStart
}
