import Foundation
import Logging
import ServiceLifecycle
import SpliceCore
import SpliceState
import SpliceStatePostgres

/// The gateway's state store, open, and what keeps it: the ledger's writer and the removal of expired
/// `Idempotency-Key` answers. Stops after the server has drained, so that the last requests' entries are written.
package final class StateService: Service {
    package let state: GatewayState
    /// How often expired idempotency answers are deleted.
    static let expirySweep: Duration = .seconds(600)
    private let logger: Logger

    package init(state: GatewayState, logger: Logger) {
        self.state = state
        self.logger = logger
    }

    /// Opens the store `location` names (an SQLite file is created, its schema migrated; a PostgreSQL server that is
    /// down is not an error here: requests that need it are refused until it is back).
    package static func open(
        _ location: StateLocation, idempotencyTTL: Duration, environment: [String: String], configDirectory: String,
        logger: Logger
    ) async throws(StateOpenError) -> StateService {
        let store: any StateStore
        switch location {
        case .sqlite(let path):
            do {
                store = try await SQLiteStateStore(path: path, logger: logger)
            } catch {
                throw StateOpenError(reason: error.reason)
            }
        case .postgres(let postgres):
            var password: String?
            if let reference = postgres.password {
                switch reference.resolve(environment: environment, relativeTo: configDirectory, allowEmpty: true) {
                case .success(let value): password = value
                case .failure(let unresolved): throw StateOpenError(reason: "the PostgreSQL password: \(unresolved.reason)")
                }
            }
            let tls: PostgresStateStore.Configuration.TLSMode =
                switch postgres.sslMode {
                case "disable": .disable
                case "require", "verify-ca", "verify-full": .require
                default: .prefer
                }
            let postgresStore = PostgresStateStore(
                configuration: .init(
                    host: postgres.host, port: postgres.port, user: postgres.user, password: password,
                    database: postgres.database, tls: tls),
                logger: logger)
            do {
                try await postgresStore.migrate()
            } catch {
                // Not fatal: the ledger buffers, keyed requests get 503, and the next call migrates.
                logger.warning("the PostgreSQL state store is not reachable yet", metadata: ["reason": "\(error.reason)"])
            }
            store = postgresStore
        }
        let state = GatewayState(
            store: store, ledger: LedgerRecorder(store: store, logger: logger), idempotencyTTL: idempotencyTTL,
            location: "\(location)")
        return StateService(state: state, logger: logger)
    }

    package func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await self.state.ledger.run()
                } onCancel: {
                    self.state.ledger.stop()
                }
            }
            group.addTask { await self.sweepExpiredKeys() }
            // Stopping the writer lets it write what is left; the sweep is simply cancelled.
            await withGracefulShutdownHandler {
                await group.next()
            } onGracefulShutdown: {
                self.state.ledger.stop()
            }
            group.cancelAll()
        }
        await state.store.shutdown()
    }

    private func sweepExpiredKeys() async {
        while !Task.isCancelled {
            do throws(StateStoreError) {
                let removed = try await state.store.removeExpired(now: Date())
                if removed > 0 { logger.debug("expired idempotency keys removed", metadata: ["count": "\(removed)"]) }
            } catch {
                logger.debug("expired idempotency keys not removed", metadata: ["reason": "\(error.reason)"])
            }
            try? await Task.sleep(for: Self.expirySweep)
        }
    }
}

/// The state store could not be opened (an SQLite file that cannot be created, a password that cannot be resolved).
package struct StateOpenError: Error, CustomStringConvertible {
    package let reason: String
    package var description: String { "cannot open the state store: \(reason)" }
}
