import HTTPTypes
import Testing

@testable import SpliceCore

/// Each dialect's request mapping, table-driven: the unified request in, the provider's HTTP request out.
@Suite struct ProviderDialectTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var provider: String
        var upstream = "https://api.example.com"
        var projectDefault: String?
        var request: String
        var method: String
        var path: String
        var body: String
        var headers: [String: String] = ["Content-Type": "application/json"]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "spatialgen multipart", provider: "spatialgen",
            request: #"{"route":"x","sessionId":"s 1","uploadId":"u/2","parts":[{"partNumber":2,"etag":"\"b\""},{"partNumber":1,"etag":"\"a\""}]}"#,
            method: "POST", path: "/api/videos/uploads/s%201/files/u%2F2/complete",
            body: #"{"parts":[{"partNumber":1,"etag":"\"a\""},{"partNumber":2,"etag":"\"b\""}]}"#),
        Case(
            name: "spatialgen single put", provider: "spatialgen",
            request: #"{"route":"x","sessionId":"s","uploadId":"u"}"#,
            method: "POST", path: "/api/videos/uploads/s/files/u/complete", body: "{}"),
        Case(
            name: "autorender", provider: "autorender", upstream: "https://upload.autorender.io/",
            request: #"{"route":"x","uploadId":"a1b2","fileName":"ignored.mov"}"#,
            method: "POST", path: "/api/v1/multipart/complete", body: #"{"session_id":"a1b2"}"#),
        Case(
            name: "vp with eTag spelling and partial flag", provider: "gjirafa-vp",
            request:
                #"{"route":"x","projectId":"p1","uploadId":"rk","parts":[{"partNumber":1,"etag":"e1"}],"options":{"allowPartialComplete":false}}"#,
            method: "PUT", path: "/api/projects/p1/uploads/multipart-complete",
            body: #"{"requestKey":"rk","parts":[{"partNumber":1,"eTag":"e1"}],"allowPartialComplete":false}"#),
        Case(
            name: "vp project from defaults, prefix kept", provider: "gjirafa-vp", upstream: "https://vp.example.com/v2",
            projectDefault: "pdef", request: #"{"route":"x","uploadId":"rk","parts":[{"partNumber":1,"etag":"e1"}]}"#,
            method: "PUT", path: "/v2/api/projects/pdef/uploads/multipart-complete",
            body: #"{"requestKey":"rk","parts":[{"partNumber":1,"eTag":"e1"}]}"#),
        Case(
            name: "metastudio complete", provider: "huawei-metastudio",
            request: #"{"route":"x","projectId":"p","fileId":"a/b","options":{"autoMetaAnalysis":true,"appUserId":"user-42"}}"#,
            method: "POST", path: "/v1/p/files/a%2Fb/complete", body: #"{"state":"CREATED","auto_meta_analysis":true}"#,
            headers: ["Content-Type": "application/json", "X-Project-Id": "p", "X-App-UserId": "user-42"]),
        Case(
            name: "metastudio cancel", provider: "huawei-metastudio", projectDefault: "pd",
            request: #"{"route":"x","action":"cancel","fileId":"f"}"#,
            method: "POST", path: "/v1/pd/files/f/complete", body: #"{"state":"CANCELLED"}"#,
            headers: ["Content-Type": "application/json", "X-Project-Id": "pd"]),
        Case(
            name: "metastudio fail", provider: "huawei-metastudio",
            request: #"{"route":"x","action":"fail","fileId":"f","projectId":"p"}"#,
            method: "POST", path: "/v1/p/files/f/complete", body: #"{"state":"FAILED"}"#,
            headers: ["Content-Type": "application/json", "X-Project-Id": "p"]),
        Case(
            name: "tenovos complete", provider: "tenovos", upstream: "https://e.services.tenovos.io/content-store-v1",
            request:
                #"{"route":"x","fileId":"f","uploadId":"u","fileName":"a.mov","fileSize":10,"originalFileId":"o","parts":[{"partNumber":1,"etag":"e"}]}"#,
            method: "POST", path: "/content-store-v1/asset/complete",
            body:
                #"{"fileId":"f","uploadId":"u","filename":"a.mov","filesize":10,"originalFileId":"o","parts":[{"etag":"e","partNumber":1}],"action":"complete"}"#
        ),
        Case(
            name: "tenovos cancel", provider: "tenovos",
            request: #"{"route":"x","action":"cancel","fileId":"f","uploadId":"u"}"#,
            method: "POST", path: "/asset/complete", body: #"{"fileId":"f","uploadId":"u","action":"cancel"}"#),
    ]

    static func route(provider: String, upstream: String, projectDefault: String? = nil) throws -> RouteConfiguration {
        RouteConfiguration(
            name: "x", provider: provider, upstream: try UpstreamURL(parsing: upstream), credentials: [:],
            defaults: .init(projectId: projectDefault))
    }

    @Test(arguments: cases)
    func mapsRequest(_ testCase: Case) throws {
        let provider = try #require(ProviderRegistry.standard.provider(named: testCase.provider))
        let route = try Self.route(provider: testCase.provider, upstream: testCase.upstream, projectDefault: testCase.projectDefault)
        let request = try CompleteRequest(json: Array(testCase.request.utf8))
        let wire = try provider.makeRequest(request, route: route)
        #expect(wire.method.rawValue == testCase.method)
        #expect(wire.wirePath == testCase.path)
        #expect(String(decoding: wire.body, as: UTF8.self) == testCase.body)
        #expect(Dictionary(uniqueKeysWithValues: wire.headers.map { ($0.name.rawName, $0.value) }) == testCase.headers)
    }

    /// Fields a provider needs: (provider, request, field named in the 400).
    static let missing: [(String, String, String)] = [
        ("spatialgen", #"{"route":"x","uploadId":"u"}"#, "sessionId"),
        ("spatialgen", #"{"route":"x","sessionId":"s"}"#, "uploadId"),
        ("autorender", #"{"route":"x"}"#, "uploadId"),
        ("gjirafa-vp", #"{"route":"x","uploadId":"u","parts":[{"partNumber":1,"etag":"e"}]}"#, "projectId"),
        ("gjirafa-vp", #"{"route":"x","projectId":"p","parts":[{"partNumber":1,"etag":"e"}]}"#, "uploadId"),
        ("gjirafa-vp", #"{"route":"x","projectId":"p","uploadId":"u"}"#, "parts"),
        ("huawei-metastudio", #"{"route":"x","fileId":"f"}"#, "projectId"),
        ("huawei-metastudio", #"{"route":"x","projectId":"p"}"#, "fileId"),
        ("tenovos", #"{"route":"x","uploadId":"u","parts":[{"partNumber":1,"etag":"e"}]}"#, "fileId"),
        ("tenovos", #"{"route":"x","fileId":"f","parts":[{"partNumber":1,"etag":"e"}]}"#, "uploadId"),
        ("tenovos", #"{"route":"x","fileId":"f","uploadId":"u"}"#, "parts"),
    ]

    @Test(arguments: missing)
    func namesTheMissingField(_ providerName: String, _ body: String, _ field: String) throws {
        let provider = try #require(ProviderRegistry.standard.provider(named: providerName))
        let route = try Self.route(provider: providerName, upstream: "https://api.example.com")
        let request = try CompleteRequest(json: Array(body.utf8))
        #expect {
            _ = try provider.makeRequest(request, route: route)
        } throws: { error in
            guard let error = error as? GatewayError else { return false }
            return error.code == .invalidRequest && error.message == "missing field '\(field)': \(providerName) needs it"
        }
    }

    @Test func spatialgenPartsMustBeContiguousFromOne() throws {
        let provider = SpatialGenProvider()
        let route = try Self.route(provider: "spatialgen", upstream: "https://spatialgen.com")
        let gap = try CompleteRequest(
            json: Array(#"{"route":"x","sessionId":"s","uploadId":"u","parts":[{"partNumber":1,"etag":"a"},{"partNumber":3,"etag":"c"}]}"#.utf8))
        #expect {
            _ = try provider.makeRequest(gap, route: route)
        } throws: { ($0 as? GatewayError)?.message.contains("part 2 is missing") == true }
    }

    @Test func actionsPerProvider() {
        let actions = Dictionary(uniqueKeysWithValues: ProviderRegistry.standard.providers.map { ($0.name, Set($0.actions)) })
        #expect(actions["tenovos"] == [.complete, .cancel])
        #expect(actions["autorender"] == [.complete])
        #expect(actions["gjirafa-vp"] == [.complete])
        #expect(actions["huawei-metastudio"] == [.complete, .cancel, .fail])
        #expect(actions["spatialgen"] == [.complete])
    }
}
