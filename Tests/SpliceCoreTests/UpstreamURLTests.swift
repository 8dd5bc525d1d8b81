import Testing

@testable import SpliceCore

@Suite struct UpstreamURLTests {
    @Test func parsesHostPortAndPrefix() throws {
        let url = try UpstreamURL(parsing: "https://enterprise.services.tenovos.io/content-store-v1/")
        #expect(url.scheme == .https)
        #expect(url.host == "enterprise.services.tenovos.io")
        #expect(url.port == nil)
        #expect(url.pathPrefix == "/content-store-v1")
        #expect(url.hostHeader == "enterprise.services.tenovos.io")
    }

    @Test func hostHeaderCarriesANonDefaultPortOnly() throws {
        #expect(try UpstreamURL(parsing: "https://h.example.com:443").hostHeader == "h.example.com")
        #expect(try UpstreamURL(parsing: "https://h.example.com:8443").hostHeader == "h.example.com:8443")
        #expect(try UpstreamURL(parsing: "http://127.0.0.1:8080").hostHeader == "127.0.0.1:8080")
        #expect(try UpstreamURL(parsing: "http://[::1]:81").hostHeader == "[::1]:81")
    }

    @Test(arguments: [
        ("http://127.0.0.1:1", true), ("http://127.5.6.7", true), ("http://localhost:9", true), ("http://[::1]", true),
        ("https://example.com", false), ("http://128.0.0.1", false), ("http://127.0.0.1.example.com", false),
    ])
    func loopback(_ text: String, _ expected: Bool) throws {
        #expect(try UpstreamURL(parsing: text).isLoopback == expected)
    }

    @Test(arguments: [
        "ftp://x.com", "https://", "https://user:pw@x.com", "https://x.com?a=1", "https://x.com#f",
        "https://x.com:0", "https://x.com:70000", "https://bad host.com", "https://x.com/a b",
    ])
    func rejects(_ text: String) {
        #expect(throws: UpstreamURL.ParseError.self) { try UpstreamURL(parsing: text) }
    }

    @Test(arguments: [
        ("abc-123_~.x", "abc-123_~.x"), ("a/b", "a%2Fb"), ("../x", "..%2Fx"), ("..", "%2E%2E"), (".", "%2E"),
        ("a?b#c", "a%3Fb%23c"), ("50%", "50%25"), ("file id+é", "file%20id%2B%C3%A9"),
    ])
    func pathSegments(_ id: String, _ encoded: String) {
        #expect(PathEncoding.segment(id) == encoded)
    }
}
