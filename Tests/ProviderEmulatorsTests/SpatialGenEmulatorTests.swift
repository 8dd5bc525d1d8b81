import Testing

@testable import ProviderEmulators

@Suite("SpatialGen emulator")
struct SpatialGenEmulatorTests {
    static func url(_ emulators: RunningEmulators, session: String = "sess-1", upload: String = "up-1") -> String {
        emulators.spatialgen.baseURL + "/api/videos/uploads/\(session)/files/\(upload)/complete"
    }

    static func headers(_ emulators: RunningEmulators) -> [(String, String)] {
        [("X-SPATIALGEN-APPKEY", emulators.credentials.spatialgenAppKey), ("Content-Type", "application/json")]
    }

    @Test("multipart complete answers the documented file state")
    func multipart() async throws {
        try await withProviderEmulators { emulators in
            let answer = try await send(
                "POST", Self.url(emulators), headers: Self.headers(emulators),
                body: bytes(#"{"parts":[{"partNumber":1,"etag":"\"a\""},{"partNumber":2,"etag":"\"b\""},{"partNumber":3,"etag":"\"c\""}]}"#)
            )
            #expect(answer.status == 200)
            let body = try #require(answer.json)
            #expect(body["uploadId"] == "up-1")
            #expect(body["fileRole"] == "video")
            #expect(body["fileName"] == "left-eye.mov")
            #expect(body["totalParts"] == 3)
            #expect(body["uploadStrategy"] == "multipart")
            #expect(body["status"] == "completed")
            #expect(body["libraryId"] == .null)
            let total = try #require(body["totalBytes"]?.intValue)
            let partSize = try #require(body["partSizeBytes"]?.intValue)
            #expect(total > 2 * partSize && total <= 3 * partSize)
            let recorded = try #require(emulators.spatialgen.receivedRequests.first)
            #expect(recorded.uri == "/api/videos/uploads/sess-1/files/up-1/complete")
            #expect(recorded.header("x-spatialgen-appkey") == emulators.credentials.spatialgenAppKey)
        }
    }

    @Test("single_put complete needs no parts, and repeating it is safe")
    func singlePut() async throws {
        try await withProviderEmulators { emulators in
            for body in [nil, bytes("{}")] {
                let answer = try await send("POST", Self.url(emulators), headers: Self.headers(emulators), body: body)
                #expect(answer.status == 200)
                #expect(answer.json?["uploadStrategy"] == "single_put")
                #expect(answer.json?["totalParts"] == 1)
            }
        }
    }

    @Test("a wrong or missing app key is 401")
    func auth() async throws {
        try await withProviderEmulators { emulators in
            let body = bytes(#"{"parts":[{"partNumber":1,"etag":"\"a\""}]}"#)
            let wrong = try await send(
                "POST", Self.url(emulators), headers: [("X-SPATIALGEN-APPKEY", "nope"), ("Content-Type", "application/json")],
                body: body
            )
            #expect(wrong.status == 401)
            #expect(wrong.json?["error"]?.stringValue != nil)
            let missing = try await send("POST", Self.url(emulators), headers: [("Content-Type", "application/json")], body: body)
            #expect(missing.status == 401)
        }
    }

    @Test(
        "bad bodies are 400",
        arguments: [
            #"{"parts":[{"partNumber":1,"etag":"\"a\""},{"partNumber":3,"etag":"\"c\""}]}"#,
            #"{"parts":[{"partNumber":2,"etag":"\"b\""},{"partNumber":1,"etag":"\"a\""}]}"#,
            #"{"parts":[{"partNumber":"1","etag":"\"a\""}]}"#,
            #"{"parts":[{"partNumber":1,"eTag":"\"a\""}]}"#,
            #"{"parts":[{"partNumber":1,"etag":""}]}"#,
            #"{"parts":[]}"#,
            #"{"parts":{}}"#,
            #"{"part":[]}"#,
            #"[1,2]"#,
            #"{"parts":[{"partNumber":1,"#,
        ]
    )
    func badBody(body: String) async throws {
        try await withProviderEmulators { emulators in
            let answer = try await send("POST", Self.url(emulators), headers: Self.headers(emulators), body: bytes(body))
            #expect(answer.status == 400)
            #expect(answer.json?["error"]?.stringValue != nil)
        }
    }

    @Test("wrong method, wrong path, wrong content type, unknown upload")
    func routing() async throws {
        try await withProviderEmulators { emulators in
            let body = bytes(#"{"parts":[{"partNumber":1,"etag":"\"a\""}]}"#)
            let get = try await send("GET", Self.url(emulators), headers: Self.headers(emulators))
            #expect(get.status == 405)
            let path = try await send(
                "POST", emulators.spatialgen.baseURL + "/api/videos/uploads/s/files/u/finish",
                headers: Self.headers(emulators), body: body
            )
            #expect(path.status == 404)
            let type = try await send(
                "POST", Self.url(emulators),
                headers: [("X-SPATIALGEN-APPKEY", emulators.credentials.spatialgenAppKey), ("Content-Type", "text/plain")],
                body: body
            )
            #expect(type.status == 400)
            let missing = try await send(
                "POST", Self.url(emulators, upload: "up-missing-1"), headers: Self.headers(emulators), body: body
            )
            #expect(missing.status == 404)
            #expect(missing.json?["error"] == "Upload not found")
        }
    }
}
