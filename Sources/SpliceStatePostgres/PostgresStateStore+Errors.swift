import Foundation
import PostgresNIO
import SpliceCore

extension PostgresStateStore {
    /// `StateStoreError.unavailable` for a failure while doing `what`. The reason is built from what Splice knows
    /// (the server's name, PostgreSQL's SQLSTATE and message, the kind of failure), never from `"\(error)"`, and any
    /// occurrence of the password is blanked all the same.
    func unavailable(_ what: String, _ error: any Error) -> StateStoreError {
        let reason = "\(configuration.serverName): could not \(what): \(Self.cause(of: error, configuration))"
        return .unavailable(redacting(reason))
    }

    static func cause(of error: any Error, _ configuration: Configuration) -> String {
        switch error {
        case StateStoreError.unavailable(let reason):
            return reason
        case let error as PostgresTransactionError:
            if let inner = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError {
                return cause(of: inner, configuration)
            }
            return "the transaction failed"
        case let error as PSQLError:
            return cause(of: error)
        case let error as NoConnection:
            return error.reason
        case let error as CorruptRow:
            return "unexpected data: \(error.what)"
        case let error as SchemaTooNew:
            return "the database's Splice schema is version \(error.found), newer than this Splice's \(error.known): "
                + "upgrade Splice (it refuses to write a schema it does not know)"
        case is PostgresDecodingError:
            return "a column of an unexpected type (is the schema Splice's?)"
        case is CancellationError:
            return "cancelled"
        default:
            // postgres-nio does not export its pool's error type; after 15 s of failed connects the pool fails
            // requests at once with it, until a connect succeeds again.
            let type = "\(type(of: error))"
            return type == "ConnectionPoolError" ? "cannot connect (the pool is backing off)" : type
        }
    }

    private static func cause(of error: PSQLError) -> String {
        if error.code == .server, let info = error.serverInfo {
            // The primary message names objects (a role, a table, a lock), not values; the detail may hold values.
            let state = info[.sqlState] ?? "?????"
            let message = info[.message] ?? "error"
            if state == "57014" { return "a statement ran longer than the statement timeout (SQLSTATE 57014)" }
            return "\(message) (SQLSTATE \(state))"
        }
        switch error.code {
        case .connectionError: return "cannot connect"
        case .serverClosedConnection: return "the server closed the connection"
        case .clientClosedConnection, .poolClosed: return "the connection was closed"
        case .sslUnsupported: return "the server does not offer TLS (sslmode require)"
        case .failedToAddSSLHandler: return "TLS could not be set up"
        case .authMechanismRequiresPassword: return "the server wants a password and the URL has none"
        case .unsupportedAuthMechanism, .saslError: return "authentication failed (\(error.code))"
        case .queryCancelled: return "the query was cancelled"
        default: return "\(error.code)"
        }
    }

    /// The reason with every occurrence of the password replaced (defense in depth: no cause above names it).
    func redacting(_ reason: String) -> String {
        guard let password = configuration.password, !password.isEmpty else { return reason }
        return reason.replacingOccurrences(of: password, with: "***")
    }
}
