import Foundation
import Testing

@testable import SpliceCore

@Suite struct RouteTableTests {
    static func route(
        _ provider: String = "spatialgen", name: String = "r", credentials: [String: SecretReference], directory: String = "."
    ) throws -> RouteConfiguration {
        RouteConfiguration(
            name: name, provider: provider, upstream: try UpstreamURL(parsing: "https://example.com"), credentials: credentials,
            file: "routes/\(name).yaml", directory: directory)
    }

    static func resolve(_ routes: [RouteConfiguration], environment: [String: String] = [:]) -> RouteTable {
        RouteTable.resolve(routes, environment: environment, transport: ScriptedTransport([]))
    }

    /// A secret file holding only `\r\n` used to crash `check` and `serve` (SIGILL); now the route is unavailable.
    @Test func aSecretFileHoldingOnlyCRLFMakesTheRouteUnavailable() throws {
        let directory = try SecretReferenceTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("\r\n".utf8).write(to: directory.appendingPathComponent("secret.txt"))
        let table = Self.resolve([try Self.route(credentials: ["appKey": .file(path: "secret.txt")], directory: directory.path)])
        #expect(table["r"]?.unavailableReason == "file secret.txt is empty")
    }

    @Test func aSecretFileEndingInCRLFIsReadWhole() async throws {
        let directory = try SecretReferenceTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("secret-value-9\r\n".utf8).write(to: directory.appendingPathComponent("secret.txt"))
        let table = Self.resolve([try Self.route(credentials: ["appKey": .file(path: "secret.txt")], directory: directory.path)])
        let route = try #require(table["r"])
        guard case .ready(let authenticator) = route.state else {
            Issue.record("expected a ready route: \(route.unavailableReason ?? "")")
            return
        }
        #expect(await authenticator.sensitiveValues().contains("secret-value-9"))
    }

    /// A value with a control character could not be sent in a header: the route is unavailable, and the
    /// reason names the reference, never the value.
    @Test func aCredentialWithAControlCharacterMakesTheRouteUnavailable() throws {
        let value = "sg-app-key\r\nX-Injected: 1"
        let table = Self.resolve(
            [
                try Self.route(name: "env", credentials: ["appKey": .environment("SG_KEY")]),
                try Self.route(name: "literal", credentials: ["appKey": .literal(value)]),
                // Non-secret keys too: `scheme` goes into the `Authorization` header.
                try Self.route(
                    "gjirafa-vp", name: "scheme", credentials: ["apiKey": .literal("vp-api-key-0001"), "scheme": .literal("Bearer\n")]),
            ],
            environment: ["SG_KEY": value])
        #expect(table["env"]?.unavailableReason == "environment variable SG_KEY contains a control character")
        #expect(table["literal"]?.unavailableReason == "credentials.appKey: the value contains a control character")
        #expect(table["scheme"]?.unavailableReason == "credentials.scheme: the value contains a control character")
        for route in table.routes {
            #expect(route.unavailableReason?.contains("sg-app-key") == false)
        }
    }

    /// Secrets shorter than 8 characters make the route unavailable: every secret is redacted from answers,
    /// and one that short would mangle ordinary text (nor would it be a real key).
    @Test func aSecretShorterThanEightCharactersMakesTheRouteUnavailable() throws {
        let table = Self.resolve(
            [
                try Self.route(name: "short-env", credentials: ["appKey": .environment("SG_KEY")]),
                try Self.route(name: "short-literal", credentials: ["appKey": .literal("abcde")]),
                try Self.route(name: "eight", credentials: ["appKey": .literal("abcdefgh")]),
            ],
            environment: ["SG_KEY": "1234567"])
        #expect(
            table["short-env"]?.unavailableReason
                == "credentials.appKey (environment variable SG_KEY) is shorter than 8 characters: "
                + "too short to be a real secret and could not be redacted safely")
        #expect(
            table["short-literal"]?.unavailableReason
                == "credentials.appKey (a literal value) is shorter than 8 characters: "
                + "too short to be a real secret and could not be redacted safely")
        #expect(table["eight"]?.isReady == true)
    }

    /// Keys that are not secrets (`username`, `clientId`, `scheme`) may be short or empty.
    @Test func nonSecretKeysMayBeShort() throws {
        let table = Self.resolve([
            try Self.route(
                "tenovos", name: "tenovos",
                credentials: [
                    "apiKey": .literal("tenovos-api-key"), "username": .literal("ab"), "password": .literal("password-1"),
                    "clientId": .literal("c1"),
                ]),
            try Self.route("gjirafa-vp", name: "vp", credentials: ["apiKey": .literal("vp-api-key-0001"), "scheme": .literal("")]),
        ])
        #expect(table["tenovos"]?.isReady == true, "\(table["tenovos"]?.unavailableReason ?? "")")
        #expect(table["vp"]?.isReady == true, "\(table["vp"]?.unavailableReason ?? "")")
    }

    @Test func everyReasonIsListed() throws {
        let table = Self.resolve([
            try Self.route(
                "tenovos", name: "tenovos",
                credentials: [
                    "apiKey": .environment("UNSET_FOR_TEST"), "username": .literal("user"), "password": .literal("pw"),
                ])
        ])
        #expect(
            table["tenovos"]?.unavailableReason
                == "environment variable UNSET_FOR_TEST is not set; credentials.password (a literal value) is shorter than 8 "
                + "characters: too short to be a real secret and could not be redacted safely")
    }
}
