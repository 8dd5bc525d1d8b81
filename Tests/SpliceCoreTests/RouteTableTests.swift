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
}
