import Foundation
import ProviderEmulators
import SpliceCore
import SpliceState

/// Opens a fresh SQLite state store in its own temporary folder, runs `body` with it and the folder, then shuts the
/// store down and removes the folder, whatever `body` does.
func withTemporaryStore<T: Sendable>(
    busyTimeout: Duration = .seconds(5), _ body: (SQLiteStateStore, URL) async throws -> T
) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splice-state-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try await SQLiteStateStore(path: directory.appendingPathComponent("state.db").path, busyTimeout: busyTimeout)
    let result: Result<T, any Error>
    do {
        result = .success(try await body(store, directory))
    } catch {
        result = .failure(error)
    }
    await store.shutdown()
    return try result.get()
}

/// A gateway (as `withGateway`) with its own fresh SQLite state store.
func withStatefulGateway<T: Sendable>(
    logFormat: LogFormat? = nil,
    routes makeRoutes: (RunningEmulators) throws -> [RouteConfiguration] = { try GatewayHarness.standardRoutes($0) },
    clientKeys: ClientKeys = .none,
    transport override: TransportOverride? = nil,
    idempotencyTTL: Duration = .seconds(86_400),
    busyTimeout: Duration = .seconds(5),
    _ body: (GatewayHarness, SQLiteStateStore) async throws -> T
) async throws -> T {
    try await withTemporaryStore(busyTimeout: busyTimeout) { store, _ in
        try await withGateway(
            logFormat: logFormat, routes: makeRoutes, clientKeys: clientKeys, transport: override, store: store, idempotencyTTL: idempotencyTTL
        ) { gateway in
            try await body(gateway, store)
        }
    }
}
