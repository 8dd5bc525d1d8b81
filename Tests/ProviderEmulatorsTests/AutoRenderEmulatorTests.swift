import Testing

@testable import ProviderEmulators

@Suite("AutoRender emulator")
struct AutoRenderEmulatorTests {
    static func url(_ emulators: RunningEmulators) -> String {
        emulators.autorender.baseURL + "/api/v1/multipart/complete"
    }

    @Test("Bearer and x-api-key both work; success is wrapped, or flat when asked")
    func success() async throws {
        try await withProviderEmulators { emulators in
            let key = emulators.credentials.autorenderAPIKey
            let body = bytes(#"{"session_id":"sess_1","uuid":"0b7e"}"#)
            let bearer = try await send(
                "POST", Self.url(emulators), headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")],
                body: body
            )
            #expect(bearer.status == 200)
            #expect(bearer.json?["success"] == true)
            let data = try #require(bearer.json?["data"])
            for field in ["id", "file_no", "name", "url", "path", "width", "height", "format", "file_size", "workspace_no"] {
                #expect(data[field] != nil, "missing \(field)")
            }
            emulators.autorender.setFlatSuccessShape(true)
            let flat = try await send(
                "POST", Self.url(emulators), headers: [("x-api-key", key), ("Content-Type", "application/json")], body: body
            )
            #expect(flat.status == 200)
            #expect(flat.json?["success"] == nil)
            #expect(flat.json?["size"]?.intValue != nil)
            #expect(flat.json?["id"] == data["id"])
        }
    }

    @Test("a wrong or missing key is the documented 401")
    func auth() async throws {
        try await withProviderEmulators { emulators in
            for headers in [
                [("Authorization", "Bearer wrong")], [("x-api-key", "wrong")], [],
                [("Authorization", emulators.credentials.autorenderAPIKey)],
            ] {
                let answer = try await send(
                    "POST", Self.url(emulators), headers: headers + [("Content-Type", "application/json")],
                    body: bytes(#"{"session_id":"s"}"#)
                )
                #expect(answer.status == 401)
                #expect(answer.json == ["success": false, "error": "Unauthorized", "message": "Invalid or missing API key"])
            }
        }
    }

    @Test(
        "bad bodies are 400 {success:false,error}",
        arguments: [#"{}"#, #"{"session_id":""}"#, #"{"session_id":5}"#, #"{"sessionId":"s"}"#, #"{"session_id":"s","uuid":1}"#, "nope"]
    )
    func badBody(body: String) async throws {
        try await withProviderEmulators { emulators in
            let answer = try await send(
                "POST", Self.url(emulators),
                headers: [("Authorization", "Bearer \(emulators.credentials.autorenderAPIKey)"), ("Content-Type", "application/json")],
                body: bytes(body)
            )
            #expect(answer.status == 400)
            #expect(answer.json?["success"] == false)
            #expect(answer.json?["error"]?.stringValue != nil)
        }
    }

    @Test("wrong method and path, unknown session")
    func routing() async throws {
        try await withProviderEmulators { emulators in
            let headers = [("Authorization", "Bearer \(emulators.credentials.autorenderAPIKey)"), ("Content-Type", "application/json")]
            #expect(try await send("GET", Self.url(emulators), headers: headers).status == 405)
            let path = try await send(
                "POST", emulators.autorender.baseURL + "/api/v1/multipart/finish", headers: headers,
                body: bytes(#"{"session_id":"s"}"#)
            )
            #expect(path.status == 404)
            let missing = try await send("POST", Self.url(emulators), headers: headers, body: bytes(#"{"session_id":"missing-1"}"#))
            #expect(missing.status == 404)
            #expect(missing.json?["code"] == "FILE_NOT_FOUND")
        }
    }
}
