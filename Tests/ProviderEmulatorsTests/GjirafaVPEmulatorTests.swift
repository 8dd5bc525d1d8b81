import Testing

@testable import ProviderEmulators

@Suite("GjirafaTech VP emulator")
struct GjirafaVPEmulatorTests {
    static func url(_ emulators: RunningEmulators, project: String = "p1234567") -> String {
        emulators.gjirafaVP.baseURL + "/api/projects/\(project)/uploads/multipart-complete"
    }

    static func headers(_ emulators: RunningEmulators) -> [(String, String)] {
        [("Authorization", "Bearer \(emulators.credentials.gjirafaAPIKey)"), ("Content-Type", "application/json")]
    }

    static let body = #"{"requestKey":"rk","parts":[{"partNumber":1,"eTag":"\"a\""},{"partNumber":2,"eTag":"\"b\""}],"allowPartialComplete":false}"#

    @Test("a valid complete answers the success envelope")
    func success() async throws {
        try await withProviderEmulators { emulators in
            let answer = try await send("PUT", Self.url(emulators), headers: Self.headers(emulators), body: bytes(Self.body))
            #expect(answer.status == 200)
            let json = try #require(answer.json)
            #expect(json["success"] == true)
            #expect(json["errors"] == [])
            #expect(json["result"] == true)
            #expect(json["resultInfo"] == .null)
            #expect(json["statusCode"] == 200)
            #expect(json["messages"]?.arrayValue?.count == 1)
        }
    }

    @Test("the bare-key scheme is honoured")
    func bareKey() async throws {
        var credentials = EmulatorCredentials.demo
        credentials.gjirafaScheme = ""
        try await withProviderEmulators(credentials: credentials) { emulators in
            let key = emulators.credentials.gjirafaAPIKey
            let bare = try await send(
                "PUT", Self.url(emulators), headers: [("Authorization", key), ("Content-Type", "application/json")],
                body: bytes(Self.body)
            )
            #expect(bare.status == 200)
            let bearer = try await send("PUT", Self.url(emulators), headers: Self.headers(emulators), body: bytes(Self.body))
            #expect(bearer.status == 401)
        }
    }

    @Test("a wrong key is 401 in the error envelope")
    func auth() async throws {
        try await withProviderEmulators { emulators in
            let answer = try await send(
                "PUT", Self.url(emulators), headers: [("Authorization", "Bearer nope"), ("Content-Type", "application/json")],
                body: bytes(Self.body)
            )
            #expect(answer.status == 401)
            let json = try #require(answer.json)
            #expect(json["success"] == false)
            #expect(json["result"] == .null)
            #expect(json["statusCode"] == 401)
            #expect(json["errors"]?.arrayValue?.isEmpty == false)
        }
    }

    @Test(
        "bad bodies are 400 (etag spelled wrong, missing requestKey, wrong types)",
        arguments: [
            #"{"requestKey":"rk","parts":[{"partNumber":1,"etag":"\"a\""}]}"#,
            #"{"parts":[{"partNumber":1,"eTag":"\"a\""}]}"#,
            #"{"requestKey":"rk","parts":[]}"#,
            #"{"requestKey":"rk","parts":[{"partNumber":"1","eTag":"a"}]}"#,
            #"{"requestKey":"rk","parts":[{"partNumber":1,"eTag":"a"}],"allowPartialComplete":"no"}"#,
            #"{"requestKey":"rk","parts":[{"partNumber":1,"eTag":"a"},{"partNumber":1,"eTag":"b"}]}"#,
        ]
    )
    func badBody(body: String) async throws {
        try await withProviderEmulators { emulators in
            let answer = try await send("PUT", Self.url(emulators), headers: Self.headers(emulators), body: bytes(body))
            #expect(answer.status == 400)
            #expect(answer.json?["success"] == false)
            #expect(answer.json?["statusCode"] == 400)
        }
    }

    @Test("wrong method and path, unknown upload")
    func routing() async throws {
        try await withProviderEmulators { emulators in
            let post = try await send("POST", Self.url(emulators), headers: Self.headers(emulators), body: bytes(Self.body))
            #expect(post.status == 405)
            let path = try await send(
                "PUT", emulators.gjirafaVP.baseURL + "/api/projects/p1/uploads/multipart", headers: Self.headers(emulators),
                body: bytes(Self.body)
            )
            #expect(path.status == 404)
            let missing = try await send(
                "PUT", Self.url(emulators), headers: Self.headers(emulators),
                body: bytes(#"{"requestKey":"rk-missing","parts":[{"partNumber":1,"eTag":"a"}]}"#)
            )
            #expect(missing.status == 404)
            #expect(missing.json?["statusCode"] == 404)
        }
    }
}
