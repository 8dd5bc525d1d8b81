import Foundation

/// Where the state store lives (config key `state`): an SQLite file, or a PostgreSQL database shared by instances.
package enum StateLocation: Sendable, Equatable, CustomStringConvertible {
    /// `sqlite:PATH`; the path is absolute once parsed.
    case sqlite(path: String)
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (or `postgresql://`).
    case postgres(PostgresLocation)

    package static let defaultFileName = "splice-state.db"

    /// `sqlite:splice-state.db` in `directory` (the config file's folder), or in the current directory without one.
    package static func defaultLocation(directory: String? = nil) -> StateLocation {
        .sqlite(path: (directory ?? FileManager.default.currentDirectoryPath) + "/" + defaultFileName)
    }

    /// Parses a `state:` value; a relative SQLite path is resolved against `directory` (the current one when `nil`).
    package init(parsing text: String, relativeTo directory: String? = nil) throws(ParseError) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw ParseError(reason: "'sqlite:' needs a file path (sqlite:PATH)") }
            guard !SecretReference.containsControlCharacter(path) else {
                throw ParseError(reason: "the SQLite path contains a control character")
            }
            let base = directory ?? FileManager.default.currentDirectoryPath
            self = .sqlite(path: path.hasPrefix("/") ? path : base + "/" + path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(parsing: text))
        } else {
            throw ParseError(reason: "'state' must be sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
    }

    package struct ParseError: Error, Sendable, Equatable {
        package var reason: String
    }

    /// Safe to print: a PostgreSQL password never appears, only where it comes from.
    package var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location): location.description
        }
    }
}

/// A PostgreSQL state store's address. The password is a reference (or a literal) resolved at start-up.
package struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    package static let defaultPort = 5432
    /// libpq's `sslmode` values.
    package static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    package var host: String
    package var port: Int
    package var user: String
    /// `nil` when the URL has none (trust or peer authentication).
    package var password: SecretReference?
    package var database: String
    /// The `sslmode` query item, when given.
    package var sslMode: String?

    package init(
        host: String, port: Int = PostgresLocation.defaultPort, user: String, password: SecretReference?, database: String,
        sslMode: String? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    /// Parses `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]`.
    ///
    /// Parsed by hand rather than with `URLComponents`: a password such as `${PG_PASSWORD}` or
    /// `${file:secrets/pg}` is not valid URL syntax. Messages never repeat the password.
    package init(parsing text: String) throws(StateLocation.ParseError) {
        let scheme = text.hasPrefix("postgresql://") ? "postgresql://" : "postgres://"
        guard text.hasPrefix(scheme) else { throw Self.failure("must start with postgres:// or postgresql://") }
        let rest = text.dropFirst(scheme.count)
        // The last `@` ends the user part: a password reference may hold `/` or `?`, a host never holds `@`.
        guard let at = rest.lastIndex(of: "@") else { throw Self.failure("needs a user: postgres://USER:PASSWORD@HOST/DATABASE") }
        let userInfo = rest[..<at]
        let afterUser = rest[rest.index(after: at)...]

        let userPart: Substring
        var password: SecretReference?
        if let colon = userInfo.firstIndex(of: ":") {
            userPart = userInfo[..<colon]
            let passwordText = String(userInfo[userInfo.index(after: colon)...])
            if passwordText.contains("${") {
                do {
                    password = try SecretReference(parsing: passwordText)
                } catch {
                    throw Self.failure("password: \(error.reason)")
                }
            } else {
                guard let decoded = passwordText.removingPercentEncoding else { throw Self.failure("the password is not valid percent-encoding") }
                password = .literal(decoded)
            }
        } else {
            userPart = userInfo
        }
        guard let user = String(userPart).removingPercentEncoding, !user.isEmpty else {
            throw Self.failure("needs a user: postgres://USER:PASSWORD@HOST/DATABASE")
        }

        let (address, query) = Self.split(afterUser, at: "?")
        guard let slash = address.firstIndex(of: "/") else { throw Self.failure("needs a database: postgres://USER:PASSWORD@HOST/DATABASE") }
        let hostPort = address[..<slash]
        guard let database = String(address[address.index(after: slash)...]).removingPercentEncoding, !database.isEmpty,
            !database.contains("/")
        else { throw Self.failure("needs a database name after the host: postgres://USER:PASSWORD@HOST/DATABASE") }

        let (host, port) = try Self.hostAndPort(hostPort)
        var sslMode: String?
        if let query {
            for item in query.split(separator: "&", omittingEmptySubsequences: true) {
                let (name, value) = Self.split(item, at: "=")
                guard name == "sslmode" else { throw Self.failure("unknown query item '\(name)' (only sslmode is known)") }
                guard let value, Self.sslModes.contains(String(value)) else {
                    throw Self.failure("sslmode must be one of \(Self.sslModes.joined(separator: ", "))")
                }
                sslMode = String(value)
            }
        }
        self.init(host: host, port: port, user: user, password: password, database: database, sslMode: sslMode)
    }

    /// The URL with the password replaced by where it comes from.
    package var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        var text = "postgres://\(user)@\(hostText):\(port)/\(database)"
        if let sslMode { text += "?sslmode=\(sslMode)" }
        if let password { text += " (password: \(password))" }
        return text
    }

    private static func failure(_ reason: String) -> StateLocation.ParseError {
        StateLocation.ParseError(reason: "invalid PostgreSQL URL: \(reason)")
    }

    private static func split(_ text: Substring, at separator: Character) -> (Substring, Substring?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (text[..<index], text[text.index(after: index)...])
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    private static func hostAndPort(_ text: Substring) throws(StateLocation.ParseError) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw failure("an IPv6 host needs a closing ']'") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw failure("unexpected text after the IPv6 host") }
                portText = after.dropFirst()
            }
        } else {
            (host, portText) = split(text, at: ":")
        }
        guard !host.isEmpty, !SecretReference.containsControlCharacter(String(host)), !host.contains("/") else {
            throw failure("needs a host: postgres://USER:PASSWORD@HOST/DATABASE")
        }
        guard let portText else { return (String(host), defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else { throw failure("the port must be a number from 1 to 65535") }
        return (String(host), port)
    }
}
