import Testing

@testable import SpliceCore

/// `passthrough:` in route files, `allow` patterns, and the names a route may not take.
@Suite struct PassthroughConfigurationTests {
    static func parse(_ yaml: String, name: String = "r") -> Result<RouteConfiguration, ConfigurationError> {
        RouteConfiguration.parse(yaml: yaml, name: name, file: "routes/\(name).yaml", directory: "routes", registry: .standard)
    }

    static let base = "provider: spatialgen\nupstream: https://spatialgen.com\ncredentials:\n  appKey: ${K}\n"

    @Test func passthroughIsOnByDefaultAndCanBeTurnedOff() throws {
        #expect(try Self.parse(Self.base).get().passthrough == PassthroughConfiguration())
        #expect(try Self.parse(Self.base + "passthrough: false\n").get().passthrough.enabled == false)
    }

    @Test func readsListenAndAllow() throws {
        let route = try Self.parse(
            Self.base + "passthrough:\n  listen: 127.0.0.1:9101\n  allow: [\"POST /api/videos/uploads/*/files/*/complete\", \"GET /api/**\"]\n"
        ).get()
        #expect(route.passthrough.listen == ListenAddress(host: "127.0.0.1", port: 9101))
        #expect(route.passthrough.allow.count == 2)
    }

    @Test(arguments: [
        ("passthrough:\n  listen: nowhere\n", "routes/r.yaml:6: 'passthrough.listen' must be HOST:PORT"),
        ("passthrough:\n  allow: [\"/no-method\"]\n", "routes/r.yaml:6: 'passthrough.allow' pattern '/no-method'"),
        ("passthrough:\n  allow: [\"GET /a/**/b\"]\n", "routes/r.yaml:6: 'passthrough.allow' pattern"),
        ("passthrough:\n  lisen: 127.0.0.1:1\n", "routes/r.yaml:6: unknown key 'lisen' in 'passthrough' (did you mean 'listen'?)"),
    ])
    func reportsBadSettings(_ yaml: String, _ expected: String) {
        guard case .failure(let error) = Self.parse(Self.base + yaml) else {
            Issue.record("accepted \(yaml)")
            return
        }
        #expect(error.problems.map(\.description).contains { $0.hasPrefix(expected) }, "\(error.problems)")
    }

    @Test(arguments: ["complete", "routes", "livez", "readyz", "metrics", "ledger", "console", "admin"])
    func aRouteCannotHideAGatewayEndpoint(_ name: String) {
        guard case .failure(let error) = Self.parse(Self.base, name: name) else {
            Issue.record("route '\(name)' was accepted")
            return
        }
        #expect(error.problems.first?.description.hasPrefix("routes/\(name).yaml:1: route name '\(name)' is reserved") == true)
    }

    @Test func allowPatterns() throws {
        let complete = try #require(PassthroughRule(parsing: "POST /api/videos/uploads/*/files/*/complete"))
        #expect(complete.matches(method: "POST", path: "/api/videos/uploads/s1/files/u1/complete"))
        #expect(!complete.matches(method: "GET", path: "/api/videos/uploads/s1/files/u1/complete"))
        #expect(!complete.matches(method: "POST", path: "/api/videos/uploads/s1/files/u1/complete/x"))
        #expect(!complete.matches(method: "POST", path: "/api/videos/uploads//files/u1/complete"))
        let rest = try #require(PassthroughRule(parsing: "* /api/**"))
        #expect(rest.matches(method: "DELETE", path: "/api/a/b/c"))
        #expect(rest.matches(method: "GET", path: "/api"))
        #expect(!rest.matches(method: "GET", path: "/other"))
    }

    @Test func listenAddresses() {
        #expect(ListenAddress(parsing: "127.0.0.1:9101") == ListenAddress(host: "127.0.0.1", port: 9101))
        #expect(ListenAddress(parsing: "[::1]:9101") == ListenAddress(host: "::1", port: 9101))
        #expect(ListenAddress(parsing: "localhost:0") == nil)
        #expect(ListenAddress(parsing: "::1:80") == nil)
    }

    @Test(arguments: [
        ("/a/../b", true), ("/a/%2e%2E/b", true), ("/a/.", true), ("/a/x%2F..%2Fy", true), ("/a/b..c", false), ("/a/%2e%2ex", false),
        ("/", false),
    ])
    func pathsThatClimbAboveTheRoute(_ path: String, _ climbs: Bool) {
        #expect(PassthroughService.climbs(path) == climbs)
    }
}
