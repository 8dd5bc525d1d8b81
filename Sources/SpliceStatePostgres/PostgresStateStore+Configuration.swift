import Foundation

extension PostgresStateStore {
    /// Where the PostgreSQL state store connects, and how hard it tries. Its `description` never shows the password.
    package struct Configuration: Sendable, Equatable, CustomStringConvertible {
        /// libpq's `sslmode` names, of which Splice honours three.
        package enum TLSMode: String, Sendable, Equatable {
            case disable
            case prefer
            case require
        }

        package var host: String
        package var port: Int
        package var user: String
        package var password: String?
        package var database: String
        package var tls: TLSMode
        /// The schema Splice's tables live in (created by the first migration); `nil` for the user's `search_path`.
        /// Lowercase letters, digits and `_` only, so that it needs no quoting.
        package var schema: String?
        /// Connections per instance: a claim or a ledger write holds one for a few milliseconds.
        package var maximumConnections: Int
        /// How long an operation may wait for a connection (TCP connect and login included) before it answers
        /// `.unavailable`. A server that refuses (down, wrong password) fails calls sooner: see `probe(within:)`.
        package var connectTimeout: Duration
        /// The server cancels any statement running longer (`statement_timeout`), so no call hangs on a stuck lock.
        package var statementTimeout: Duration

        package init(
            host: String, port: Int = 5432, user: String, password: String?, database: String, tls: TLSMode = .prefer,
            schema: String? = nil, maximumConnections: Int = 8, connectTimeout: Duration = .seconds(5),
            statementTimeout: Duration = .seconds(10)
        ) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.database = database
            self.tls = tls
            self.schema = schema
            self.maximumConnections = maximumConnections
            self.connectTimeout = connectTimeout
            self.statementTimeout = statementTimeout
        }

        /// `postgres://USER:PASS@HOST:PORT/DB?sslmode=disable|prefer|require`; `postgresql://` too.
        /// User and password are percent-decoded. The port defaults to 5432, `sslmode` to `prefer`.
        package init(url: String) throws(InvalidURL) {
            guard let components = URLComponents(string: url),
                let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
            else { throw InvalidURL("not a PostgreSQL URL (postgres://USER:PASS@HOST:PORT/DB)") }
            guard let host = components.host, !host.isEmpty else { throw InvalidURL("the PostgreSQL URL names no host") }
            guard let user = components.user, !user.isEmpty else { throw InvalidURL("the PostgreSQL URL names no user") }
            let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            guard !database.isEmpty, !database.contains("/") else {
                throw InvalidURL("the PostgreSQL URL names no database (postgres://USER:PASS@HOST:PORT/DB)")
            }
            var tls = TLSMode.prefer
            for item in components.queryItems ?? [] {
                guard item.name == "sslmode" else { throw InvalidURL("the PostgreSQL URL has an unknown parameter '\(item.name)'") }
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw InvalidURL("sslmode must be disable, prefer or require")
                }
                tls = mode
            }
            let port = components.port ?? 5432
            guard (1...65535).contains(port) else { throw InvalidURL("the PostgreSQL URL's port is not a number from 1 to 65535") }
            self.init(host: host, port: port, user: user, password: components.password, database: database, tls: tls)
        }

        package var description: String {
            let schema = self.schema.map { ", schema \($0)" } ?? ""
            return "postgres://\(user)@\(host):\(port)/\(database) (sslmode \(tls.rawValue)\(schema))"
        }

        /// What names the server in an error: never the password.
        var serverName: String { "PostgreSQL at \(host):\(port)/\(database)" }
    }

    /// A PostgreSQL URL that cannot be used. The reason never repeats the URL, which may carry a password.
    package struct InvalidURL: Error, Sendable, Equatable, CustomStringConvertible {
        package var reason: String

        init(_ reason: String) {
            self.reason = reason
        }

        package var description: String { reason }
    }
}
