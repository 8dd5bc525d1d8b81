import Foundation
import Testing

@testable import SpliceCore

@Suite struct StateLocationTests {
    @Test func sqliteRelativeAndAbsolutePaths() throws {
        #expect(try StateLocation(parsing: "sqlite:state/splice.db", relativeTo: "/etc/splice") == .sqlite(path: "/etc/splice/state/splice.db"))
        #expect(try StateLocation(parsing: "sqlite:/var/lib/splice/state.db", relativeTo: "/etc/splice") == .sqlite(path: "/var/lib/splice/state.db"))
        let here = FileManager.default.currentDirectoryPath
        #expect(try StateLocation(parsing: "sqlite:state.db") == .sqlite(path: here + "/state.db"))
        #expect(throws: StateLocation.ParseError.self) { try StateLocation(parsing: "sqlite:") }
    }

    @Test func defaultIsBesideTheConfigFileOrInTheCurrentDirectory() throws {
        #expect(StateLocation.defaultLocation(directory: "/etc/splice") == .sqlite(path: "/etc/splice/splice-state.db"))
        #expect(StateLocation.defaultLocation() == .sqlite(path: FileManager.default.currentDirectoryPath + "/splice-state.db"))
        #expect(ServerConfiguration().state == StateLocation.defaultLocation())
        let parsed = try ServerConfiguration.parse(yaml: "port: 9000\n", file: "/etc/splice/splice.yaml", directory: "/etc/splice")
        #expect(parsed.state == .sqlite(path: "/etc/splice/splice-state.db"))
        #expect(parsed.idempotencyTTL == .seconds(86_400))
    }

    @Test func postgresWithAndWithoutPort() throws {
        let withPort = try StateLocation(parsing: "postgres://splice:s3cret@db.internal:6543/splice_state?sslmode=require")
        #expect(
            withPort
                == .postgres(
                    PostgresLocation(
                        host: "db.internal", port: 6543, user: "splice", password: .literal("s3cret"), database: "splice_state",
                        sslMode: "require")))
        let withoutPort = try StateLocation(parsing: "postgresql://splice@db.internal/splice_state")
        #expect(
            withoutPort == .postgres(PostgresLocation(host: "db.internal", port: 5432, user: "splice", password: nil, database: "splice_state")))
        let ipv6 = try PostgresLocation(parsing: "postgres://u:p@[::1]:5433/db")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 5433)
        // Percent-encoded user and password are decoded.
        let encoded = try PostgresLocation(parsing: "postgres://us%40er:p%3Ass%2Fword@host/db")
        #expect(encoded.user == "us@er")
        #expect(encoded.password == .literal("p:ss/word"))
    }

    @Test func passwordMayBeASecretReference() throws {
        let environment = try PostgresLocation(parsing: "postgres://splice:${PG_PASSWORD}@db/splice")
        #expect(environment.password == .environment("PG_PASSWORD"))
        let file = try PostgresLocation(parsing: "postgres://splice:${file:secrets/pg-password}@db:5432/splice")
        #expect(file.password == .file(path: "secrets/pg-password"))
        #expect(file.host == "db")
        #expect(throws: StateLocation.ParseError.self) { try PostgresLocation(parsing: "postgres://splice:x${PG}@db/splice") }
    }

    @Test(arguments: [
        "", "state.db", "mysql://u:p@h/db", "postgres://", "postgres://db.internal/splice", "postgres://u:p@/splice",
        "postgres://u:p@host", "postgres://u:p@host/", "postgres://u:p@host:0/db", "postgres://u:p@host:99999/db",
        "postgres://u:p@host:port/db", "postgres://:p@host/db", "postgres://u:p@host/db?sslmode=sometimes",
        "postgres://u:p@host/db?timeout=5", "postgres://u:p@[::1/db", "postgres://u:p@host/db/extra",
    ])
    func invalidLocationsAreRefused(_ text: String) {
        #expect(throws: StateLocation.ParseError.self) { try StateLocation(parsing: text, relativeTo: "/etc/splice") }
    }

    @Test func descriptionNeverPrintsThePassword() throws {
        let literal = try StateLocation(parsing: "postgres://splice:hunter2-very-secret@db:5432/splice?sslmode=verify-full")
        #expect(!literal.description.contains("hunter2"))
        #expect(!String(reflecting: literal).contains("hunter2"))
        #expect(literal.description == "postgres://splice@db:5432/splice?sslmode=verify-full (password: a literal value)")
        let reference = try StateLocation(parsing: "postgres://splice:${PG_PASSWORD}@db/splice")
        #expect(reference.description == "postgres://splice@db:5432/splice (password: environment variable PG_PASSWORD)")
        // A malformed URL's message does not repeat the password either.
        do {
            _ = try StateLocation(parsing: "postgres://splice:hunter2-very-secret@db:notaport/splice")
            Issue.record("parsed")
        } catch {
            #expect(!error.reason.contains("hunter2"))
        }
        // Interpolating the location (as a log line would) goes through `description`.
        #expect(!"\(literal)".contains("hunter2"))
    }

    @Test func configFileStateAndIdempotency() throws {
        let yaml = """
            state: postgres://splice:${PG_PASSWORD}@db.internal/splice
            idempotency:
              ttlSeconds: 3600
            """
        let configuration = try ServerConfiguration.parse(yaml: yaml, file: "splice.yaml", directory: "/etc/splice")
        #expect(
            configuration.state
                == .postgres(PostgresLocation(host: "db.internal", user: "splice", password: .environment("PG_PASSWORD"), database: "splice")))
        #expect(configuration.idempotencyTTL == .seconds(3600))

        let sqlite = try ServerConfiguration.parse(yaml: "state: sqlite:data/state.db\n", file: "splice.yaml", directory: "/etc/splice")
        #expect(sqlite.state == .sqlite(path: "/etc/splice/data/state.db"))
    }

    @Test func malformedStateIsAProblemWithItsLine() {
        let yaml = """
            port: 9000
            state: postgres://splice:hunter2@db.internal
            idempotency:
              ttlSeconds: 0
              ttl: 5
            """
        do {
            _ = try ServerConfiguration.parse(yaml: yaml, file: "splice.yaml", directory: "/etc/splice")
            Issue.record("parsed")
        } catch {
            let problems = error.problems
            #expect(problems.map(\.line) == [2, 4, 5])
            #expect(problems.first?.message.hasPrefix("'state': invalid PostgreSQL URL") == true)
            #expect(!error.description.contains("hunter2"))
            #expect(problems.last?.message.contains("unknown key 'ttl'") == true)
        }
    }
}
