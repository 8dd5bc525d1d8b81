import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// Starts all five emulators on `host`, each on its own ephemeral port, waits until each listens,
/// runs `body`, then shuts them all down (also when `body` throws or the task is cancelled).
///
/// - Parameters:
///   - credentials: The credentials the emulators accept.
///   - host: The address to listen on.
///   - recordedRequestLimit: How many of the latest requests each emulator keeps for `receivedRequests`
///     (and Tenovos for `authRequests`); older ones are dropped, so that a long-running `splice demo` does not
///     keep every request. Tests that send more requests than the default and check them all ask for more.
///   - tls: With it, every emulator serves HTTPS only (with this server configuration) and its `baseURL` is
///     `https://…`; the emulators' behaviour is otherwise the same.
///   - logger: Receives the emulators' `.debug` lines (never header values or bodies). Hummingbird's
///     own start-up lines are logged at `.notice` or above only.
///   - body: Runs while the emulators listen.
package func withProviderEmulators<T: Sendable>(
    credentials: EmulatorCredentials = .demo,
    host: String = "127.0.0.1",
    recordedRequestLimit: Int = RunningEmulators.defaultRecordedRequestLimit,
    tls: TLSConfiguration? = nil,
    logger: Logger = Logger(label: "splice.emulators"),
    _ body: (RunningEmulators) async throws -> T
) async throws -> T {
    let limit = recordedRequestLimit
    let emulators = RunningEmulators(
        credentials: credentials,
        tenovos: TenovosEmulator(credentials: credentials, host: host, recordLimit: limit, logger: logger),
        autorender: AutoRenderEmulator(credentials: credentials, host: host, recordLimit: limit, logger: logger),
        gjirafaVP: GjirafaVPEmulator(credentials: credentials, host: host, recordLimit: limit, logger: logger),
        huaweiMetaStudio: HuaweiMetaStudioEmulator(credentials: credentials, host: host, recordLimit: limit, logger: logger),
        spatialgen: SpatialGenEmulator(credentials: credentials, host: host, recordLimit: limit, logger: logger)
    )
    let endpoints: [any EmulatorEndpoint] = [
        emulators.tenovos, emulators.autorender, emulators.gjirafaVP, emulators.huaweiMetaStudio,
        emulators.spatialgen,
    ]
    // Hummingbird announces every server at `.info`; keep the demo's output quiet.
    var serverLogger = logger
    if serverLogger.logLevel < .notice {
        serverLogger.logLevel = .notice
    }
    let (events, eventSink) = AsyncStream.makeStream(of: StartupEvent.self)
    let server = try tls.map { try HTTPServerBuilder.tls(.http1(), tlsConfiguration: $0) } ?? .http1()

    let applications: [any Service] = endpoints.map { endpoint in
        makeApplication(for: endpoint, host: host, server: server, logger: serverLogger) { port in
            endpoint.core.setPort(port, secure: tls != nil)
            eventSink.yield(.listening)
        }
    }
    // One service group for the five servers: a graceful shutdown lets in-flight answers finish and closes
    // idle keep-alive connections without the errors that cancelling the servers would log.
    let serviceGroup = ServiceGroup(services: applications, logger: serverLogger)

    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            do {
                try await serviceGroup.run()
                eventSink.yield(.stopped(nil))
            } catch {
                eventSink.yield(.stopped(error))
                throw error
            }
        }
        do {
            var listening = 0
            for await event in events {
                switch event {
                case .listening:
                    listening += 1
                case .stopped(let error):
                    throw error ?? EmulatorStartupError.stoppedBeforeListening
                }
                if listening == endpoints.count { break }
            }
            try Task.checkCancellation()
            logger.debug("provider emulators listening", metadata: ["host": "\(host)"])
            let result = try await body(emulators)
            await shutDown(serviceGroup, running: &group)
            return result
        } catch {
            await shutDown(serviceGroup, running: &group)
            throw error
        }
    }
}

/// How long a graceful shutdown may take before the servers are cancelled: an answer held back by a long
/// `.delay` fault whose client has already given up must not hold the caller.
private let shutdownGracePeriod: Duration = .seconds(2)

/// Shuts the servers down gracefully (in-flight answers finish, idle connections close), cancelling them if
/// that takes longer than `shutdownGracePeriod`; returns when the task group is empty.
private func shutDown(_ serviceGroup: ServiceGroup, running group: inout ThrowingTaskGroup<Void, any Error>) async {
    await serviceGroup.triggerGracefulShutdown()
    group.addTask {
        try await Task.sleep(for: shutdownGracePeriod)
    }
    // The first child to finish is either the service group (done) or the grace period (cancel the rest).
    _ = try? await group.next()
    group.cancelAll()
    while !group.isEmpty {
        _ = try? await group.next()
    }
}

/// Why `withProviderEmulators` could not start.
package enum EmulatorStartupError: Error {
    /// A server stopped before it listened.
    case stoppedBeforeListening
}

/// What the servers report while starting.
private enum StartupEvent: Sendable {
    case listening
    case stopped((any Error)?)
}

/// A Hummingbird application that serves one emulator on an ephemeral port (`server`: HTTP/1.1, or it over TLS).
private func makeApplication(
    for endpoint: any EmulatorEndpoint,
    host: String,
    server: HTTPServerBuilder,
    logger: Logger,
    onListening: @escaping @Sendable (Int) -> Void
) -> some ApplicationProtocol {
    return Application(
        responder: CallbackResponder<EmulatorRequestContext> { request, context in
            try await endpoint.respond(to: request, context: context)
        },
        server: server,
        configuration: ApplicationConfiguration(address: .hostname(host, port: 0)),
        onServerRunning: { channel in
            onListening(channel.localAddress?.port ?? 0)
        },
        logger: logger
    )
}
