import Foundation
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

/// `POST /api/v1/multipart/start`, the part URLs' storage, and complete of a started session.
@Suite("AutoRender emulator: multipart start and parts")
struct AutoRenderMultipartStartTests {
    static func startURL(_ emulators: RunningEmulators) -> String {
        emulators.autorender.baseURL + "/api/v1/multipart/start"
    }

    /// Small parts keep the tests light; the documented 10 MiB is checked once, in `wholeUpload`.
    static let partSize = 64 * 1024

    /// What the official SDK (`autorender` 0.2.4, Stainless-generated) sends besides its `x-api-key`.
    static let sdkHeaders: [(String, String)] = [
        ("Accept", "application/json"), ("Content-Type", "application/json"), ("User-Agent", "Autorender/Python 0.2.4"),
        ("X-Stainless-Lang", "python"), ("X-Stainless-Package-Version", "0.2.4"), ("X-Stainless-OS", "Linux"),
        ("X-Stainless-Arch", "x64"), ("X-Stainless-Runtime", "CPython"), ("X-Stainless-Runtime-Version", "3.11.7"),
        ("X-Stainless-Async", "false"), ("x-stainless-retry-count", "0"), ("x-stainless-read-timeout", "20.0"),
    ]

    static func headers(_ emulators: RunningEmulators) -> [(String, String)] {
        sdkHeaders + [("x-api-key", emulators.credentials.autorenderAPIKey)]
    }

    /// Starts a session for `size` bytes; returns the answer.
    static func start(_ emulators: RunningEmulators, size: Int) async throws -> JSONValue {
        let answer = try await send(
            "POST", startURL(emulators), headers: headers(emulators),
            body: bytes(#"{"file_name":"clip.bin","size":\#(size),"format":"application/octet-stream"}"#))
        try #require(answer.status == 200, "\(answer.text)")
        return try #require(answer.json)
    }

    static func put(_ url: String, bytes count: Int, headers: [(String, String)] = []) async throws -> HTTPAnswer {
        try await send(
            "PUT", url, headers: headers + [("Content-Type", "application/octet-stream")],
            body: [UInt8](repeating: 0x5A, count: count))
    }

    static func complete(_ emulators: RunningEmulators, session: String, uuid: String?) async throws -> HTTPAnswer {
        let body = uuid.map { #"{"session_id":"\#(session)","uuid":"\#($0)"}"# } ?? #"{"session_id":"\#(session)"}"#
        return try await send(
            "POST", emulators.autorender.baseURL + "/api/v1/multipart/complete?trace=1", headers: headers(emulators),
            body: bytes(body))
    }

    @Test("start answers the documented fields and the SDK's; the parts go to storage; complete finishes the file")
    func wholeUpload() async throws {
        try await withProviderEmulators { emulators in
            #expect(try await Self.start(emulators, size: 1)["part_size"]?.intValue == 10_485_760)
            emulators.autorender.setPartSize(Self.partSize)
            let size = Self.partSize + 10
            let answer = try await send(
                "POST", Self.startURL(emulators) + "?source=sdk", headers: Self.headers(emulators),
                body: bytes(
                    #"{"file_name":"big-video.mp4","size":\#(size),"format":"video/mp4","folder":"uploads/videos","#
                        + #""tags":["campaign","raw"],"metadata":{"source":"mobile-app"},"custom_id":"vid_001","#
                        + #""random_prefix":false,"ttl_seconds":3600}"#))
            #expect(answer.status == 200, "\(answer.text)")
            let started = try #require(answer.json)
            for field in [
                "session_id", "uuid", "part_size", "min_part_size", "parts", "expire_at", "policy", "public_key",
                "workspace_id",
            ] {
                #expect(started[field] != nil, "missing \(field)")
            }
            #expect(started["part_size"]?.intValue == Self.partSize)
            #expect(started["policy"] == ["folder": "uploads/videos", "format": "video/mp4", "size": .int(size), "tags": ["campaign", "raw"]])
            let parts = try #require(started["parts"]?.arrayValue?.compactMap { $0.stringValue })
            #expect(parts.count == 2)
            let session = try #require(started["session_id"]?.stringValue)
            let uuid = try #require(started["uuid"]?.stringValue)
            #expect(emulators.autorender.startRequests.count == 2)
            #expect(emulators.autorender.startRequests.first?.header("X-Stainless-Lang") == "python")

            let first = try await Self.put(parts[0], bytes: Self.partSize)
            #expect(first.status == 200, "\(first.text)")
            #expect(first.header("ETag")?.hasPrefix("\"") == true)
            #expect(try await Self.put(parts[1], bytes: 10).status == 200)
            #expect(emulators.autorender.storedParts(session: session) == [1: Self.partSize, 2: 10])

            let done = try await Self.complete(emulators, session: session, uuid: uuid)
            #expect(done.status == 200, "\(done.text)")
            #expect(done.json?["data"]?["file_size"]?.intValue == size)
            // The session is finished: storage no longer knows it.
            #expect(try await Self.put(parts[1], bytes: 10).status == 404)
        }
    }

    @Test("complete of a started session needs every part at its size, and the session's own uuid")
    func completeChecksTheStartedSession() async throws {
        try await withProviderEmulators { emulators in
            emulators.autorender.setPartSize(Self.partSize)
            let started = try await Self.start(emulators, size: Self.partSize + 5)
            let session = try #require(started["session_id"]?.stringValue)
            let uuid = try #require(started["uuid"]?.stringValue)
            let parts = try #require(started["parts"]?.arrayValue?.compactMap { $0.stringValue })

            let nothing = try await Self.complete(emulators, session: session, uuid: uuid)
            #expect(nothing.status == 400)
            #expect(nothing.json?["error"] == "Upload session is incomplete: uploaded bytes do not match size")
            #expect(try await Self.put(parts[0], bytes: 100).status == 200)  // too short for a non-last part
            #expect(try await Self.put(parts[1], bytes: 5).status == 200)
            #expect(try await Self.complete(emulators, session: session, uuid: nil).status == 400)
            #expect(try await Self.put(parts[0], bytes: Self.partSize).status == 200)  // stored again
            let wrongUUID = try await Self.complete(emulators, session: session, uuid: "0b7e")
            #expect(wrongUUID.status == 400)
            #expect(wrongUUID.json?["error"] == "uuid does not match the upload session")
            #expect(try await Self.complete(emulators, session: session, uuid: nil).status == 200)
        }
    }

    @Test(
        "start refuses bad bodies with 400 {success:false,error}",
        arguments: [
            #"{}"#, #"{"size":5,"format":"video/mp4"}"#, #"{"file_name":"a","size":0,"format":"video/mp4"}"#,
            #"{"file_name":"a","size":"5","format":"video/mp4"}"#, #"{"file_name":"a","size":5,"format":"mp4"}"#,
            #"{"file_name":"a","size":5,"format":"video/mp4","fileName":"a"}"#,
            #"{"file_name":"a","size":5,"format":"video/mp4","tags":5}"#,
            #"{"file_name":"a","size":5,"format":"video/mp4","ttl_seconds":0}"#,
            #"{"file_name":"a","size":5,"format":"video/mp4","metadata":[]}"#,
            #"{"file_name":"a","size":5,"format":"video/mp4","random_prefix":"no"}"#,
            #"{"file_name":"a","size":104857600001,"format":"video/mp4"}"#, "nope",
        ]
    )
    func startBadBody(body: String) async throws {
        try await withProviderEmulators { emulators in
            let answer = try await send("POST", Self.startURL(emulators), headers: Self.headers(emulators), body: bytes(body))
            #expect(answer.status == 400)
            #expect(answer.json?["success"] == false)
            #expect(answer.json?["error"]?.stringValue != nil)
        }
    }

    @Test("start needs the API key, POST and JSON; tags may be one comma-separated string")
    func startAuthAndMethod() async throws {
        try await withProviderEmulators { emulators in
            let body = bytes(#"{"file_name":"a.jpg","size":5,"format":"image/jpeg","tags":"a, b"}"#)
            for headers in [[("x-api-key", "wrong")], [("Authorization", "Bearer wrong")], []] {
                let answer = try await send(
                    "POST", Self.startURL(emulators), headers: headers + [("Content-Type", "application/json")], body: body)
                #expect(answer.status == 401)
                #expect(answer.json == ["success": false, "error": "Unauthorized", "message": "Invalid or missing API key"])
            }
            #expect(try await send("GET", Self.startURL(emulators), headers: Self.headers(emulators)).status == 405)
            let bearer = try await send(
                "POST", Self.startURL(emulators),
                headers: [("Authorization", "Bearer \(emulators.credentials.autorenderAPIKey)"), ("Content-Type", "application/json")],
                body: body)
            #expect(bearer.status == 200)
            #expect(bearer.json?["policy"]?["tags"] == ["a", "b"])
            #expect(bearer.json?["parts"]?.arrayValue?.count == 1)
        }
    }

    @Test("storage refuses the API key, a wrong signature, an unknown session, a bad part number, an oversized part")
    func storageIsStrict() async throws {
        try await withProviderEmulators { emulators in
            emulators.autorender.setPartSize(Self.partSize)
            let started = try await Self.start(emulators, size: 20)
            let part = try #require(started["parts"]?.arrayValue?.first?.stringValue)
            let session = try #require(started["session_id"]?.stringValue)
            let withKey = try await Self.put(part, bytes: 20, headers: [("Authorization", "Bearer \(emulators.credentials.autorenderAPIKey)")])
            #expect(withKey.status == 400)
            #expect(withKey.text.contains("<Code>InvalidArgument</Code>"))
            let forged = part.replacingOccurrences(of: "X-Amz-Signature=", with: "X-Amz-Signature=0")
            #expect(try await Self.put(forged, bytes: 20).status == 403)
            let unknown = part.replacingOccurrences(of: session, with: "another-session")
            #expect(try await Self.put(unknown, bytes: 20).status == 404)
            let second = part.replacingOccurrences(of: "/\(session)/1?", with: "/\(session)/2?")
            #expect(try await Self.put(second, bytes: 20).status == 400)
            #expect(try await Self.put(part, bytes: Self.partSize + 1).status == 400)
            #expect(try await send("GET", part).status == 405)
            #expect(emulators.autorender.storedParts(session: session) == [:])
        }
    }
}
