import Foundation
import HuaweiSigner
import Testing

@testable import ProviderEmulators

@Suite("Huawei MetaStudio emulator")
struct HuaweiMetaStudioEmulatorTests {
    static func isHex32(_ value: String?) -> Bool {
        guard let value else { return false }
        return value.count == 32 && value.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    static func expectIncorrectIAM(_ answer: HTTPAnswer, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.status == 401, sourceLocation: sourceLocation)
        #expect(answer.json?["error_code"] == "APIGW.0301", sourceLocation: sourceLocation)
        #expect(
            answer.json?["error_msg"]?.stringValue?.hasPrefix("Incorrect IAM authentication information: ") == true,
            sourceLocation: sourceLocation
        )
        #expect(isHex32(answer.json?["request_id"]?.stringValue), sourceLocation: sourceLocation)
    }

    @Test("a request signed with HuaweiSigner succeeds: 200, empty body, X-Request-Id")
    func signed() async throws {
        try await withProviderEmulators { emulators in
            let request = ValidRequests.huaweiSigned(emulators)
            let answer = try await request.send()
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.body.isEmpty)
            #expect(Self.isHex32(answer.header("X-Request-Id")))
            let recorded = try #require(emulators.huaweiMetaStudio.receivedRequests.first)
            #expect(recorded.header("Host") == String(emulators.huaweiMetaStudio.baseURL.dropFirst("http://".count)))
            #expect(recorded.header("Authorization")?.hasPrefix("SDK-HMAC-SHA256 Access=") == true)
        }
    }

    @Test("percent-encoded file ids and auto_meta_analysis are accepted")
    func encodedPath() async throws {
        try await withProviderEmulators { emulators in
            let request = ValidRequests.huaweiSigned(
                emulators, fileID: "file%20id%2B%C3%A9~%3A1", body: #"{"state": "CANCELLED", "auto_meta_analysis": true}"#
            )
            let answer = try await request.send()
            #expect(answer.status == 200, "\(answer.text)")
            #expect(emulators.huaweiMetaStudio.receivedRequests.first?.uri.contains("file%20id%2B%C3%A9~%3A1") == true)
        }
    }

    @Test("tampered body, tampered path, wrong secret, stale date: APIGW.0301")
    func rejected() async throws {
        try await withProviderEmulators { emulators in
            var tamperedBody = ValidRequests.huaweiSigned(emulators)
            tamperedBody.body = bytes(#"{"state": "FAILED"}"#)
            Self.expectIncorrectIAM(try await tamperedBody.send())

            var tamperedPath = ValidRequests.huaweiSigned(emulators)
            tamperedPath.url = tamperedPath.url.replacingOccurrences(of: "24bad716", with: "24bad717")
            Self.expectIncorrectIAM(try await tamperedPath.send())

            Self.expectIncorrectIAM(try await ValidRequests.huaweiSigned(emulators, secretKey: "not-the-secret").send())

            let stale = ValidRequests.huaweiSigned(emulators, date: Date().addingTimeInterval(-16 * 60))
            Self.expectIncorrectIAM(try await stale.send())
            let future = ValidRequests.huaweiSigned(emulators, date: Date().addingTimeInterval(16 * 60))
            Self.expectIncorrectIAM(try await future.send())
            let slightlyOff = ValidRequests.huaweiSigned(emulators, date: Date().addingTimeInterval(-10 * 60))
            #expect(try await slightlyOff.send().status == 200)

            var noAuth = ValidRequests.huaweiSigned(emulators)
            noAuth.headers = noAuth.headers.filter { $0.0 != "Authorization" }
            Self.expectIncorrectIAM(try await noAuth.send())

            var extraHeader = ValidRequests.huaweiSigned(emulators)
            extraHeader.headers = extraHeader.headers.map { $0.0 == "X-Project-Id" ? ($0.0, "other") : $0 }
            Self.expectIncorrectIAM(try await extraHeader.send())
        }
    }

    @Test("x-sdk-date must be signed")
    func dateMustBeSigned() async throws {
        try await withProviderEmulators { emulators in
            let base = emulators.huaweiMetaStudio.baseURL
            let host = String(base.dropFirst("http://".count))
            let path = "/v1/\(ValidRequests.huaweiProject)/files/f1/complete"
            let body = bytes(#"{"state": "CREATED"}"#)
            let sdkDate = HuaweiSigner.sdkDate(Date())
            let signer = HuaweiSigner(
                credentials: HuaweiCredentials(
                    accessKey: emulators.credentials.huaweiAccessKey, secretKey: emulators.credentials.huaweiSecretKey
                )
            )
            let authorization = signer.authorization(
                for: HuaweiSigningInput(
                    method: "POST", path: path,
                    headers: [(name: "Host", value: host), (name: "Content-Type", value: "application/json")],
                    payload: .bytes(body)
                )
            )
            let answer = try await send(
                "POST", base + path,
                headers: [("Content-Type", "application/json"), ("X-Sdk-Date", sdkDate), ("Authorization", authorization)],
                body: body
            )
            Self.expectIncorrectIAM(answer)
        }
    }

    @Test("UNSIGNED-PAYLOAD is honoured")
    func unsignedPayload() async throws {
        try await withProviderEmulators { emulators in
            let base = emulators.huaweiMetaStudio.baseURL
            let host = String(base.dropFirst("http://".count))
            let path = "/v1/\(ValidRequests.huaweiProject)/files/f1/complete"
            let headers = [
                (name: "Content-Type", value: "application/json"), (name: "X-Sdk-Content-Sha256", value: "UNSIGNED-PAYLOAD"),
            ]
            let signer = HuaweiSigner(
                credentials: HuaweiCredentials(
                    accessKey: emulators.credentials.huaweiAccessKey, secretKey: emulators.credentials.huaweiSecretKey
                )
            )
            let body = bytes(#"{"state": "CREATED"}"#)
            let added = signer.sign(method: "POST", host: host, path: path, headers: headers, body: body, date: Date())
            let answer = try await send("POST", base + path, headers: (headers + added).map { ($0.name, $0.value) }, body: body)
            #expect(answer.status == 200, "\(answer.text)")
            // With UNSIGNED-PAYLOAD, the body may change after signing.
            let other = try await send(
                "POST", base + path, headers: (headers + added).map { ($0.name, $0.value) },
                body: bytes(#"{"state": "FAILED"}"#)
            )
            #expect(other.status == 200)
        }
    }

    @Test("token mode: the configured IAM token works, another is APIGW.0301")
    func token() async throws {
        try await withProviderEmulators { emulators in
            let url = emulators.huaweiMetaStudio.baseURL + "/v1/\(ValidRequests.huaweiProject)/files/f1/complete"
            let ok = try await send(
                "POST", url,
                headers: [("X-Auth-Token", emulators.credentials.huaweiToken), ("Content-Type", "application/json")],
                body: bytes(#"{"state":"FAILED"}"#)
            )
            #expect(ok.status == 200)
            let wrong = try await send(
                "POST", url, headers: [("X-Auth-Token", "nope"), ("Content-Type", "application/json")],
                body: bytes(#"{"state":"FAILED"}"#)
            )
            Self.expectIncorrectIAM(wrong)
        }
    }

    @Test(
        "bad bodies are 400 MSS.00000003",
        arguments: [
            #"{"state":"created"}"#, #"{}"#, #"{"state":"CREATED","auto_meta_analysis":"yes"}"#, #"{"state":1}"#,
            #"{"status":"CREATED"}"#, "x",
        ]
    )
    func badBody(body: String) async throws {
        try await withProviderEmulators { emulators in
            let answer = try await send(
                "POST", emulators.huaweiMetaStudio.baseURL + "/v1/\(ValidRequests.huaweiProject)/files/f1/complete",
                headers: [("X-Auth-Token", emulators.credentials.huaweiToken), ("Content-Type", "application/json")],
                body: bytes(body)
            )
            #expect(answer.status == 400)
            #expect(answer.json == ["error_code": "MSS.00000003", "error_msg": "Invalid parameter"])
        }
    }

    @Test("unknown file, project mismatch, wrong method and path")
    func misc() async throws {
        try await withProviderEmulators { emulators in
            let base = emulators.huaweiMetaStudio.baseURL
            let headers = [("X-Auth-Token", emulators.credentials.huaweiToken), ("Content-Type", "application/json")]
            let body = bytes(#"{"state":"CREATED"}"#)
            let missing = try await send(
                "POST", base + "/v1/\(ValidRequests.huaweiProject)/files/f-missing/complete", headers: headers, body: body
            )
            #expect(missing.status == 404)
            #expect(missing.json?["error_code"] == "MSS.10001004")
            let mismatch = try await send(
                "POST", base + "/v1/\(ValidRequests.huaweiProject)/files/f1/complete", headers: headers + [("X-Project-Id", "other")],
                body: body
            )
            #expect(mismatch.status == 400)
            let get = try await send("GET", base + "/v1/\(ValidRequests.huaweiProject)/files/f1/complete", headers: headers)
            #expect(get.status == 404)
            #expect(get.json?["error_code"] == "APIGW.0101")
            let path = try await send("POST", base + "/v2/\(ValidRequests.huaweiProject)/files/f1/complete", headers: headers, body: body)
            #expect(path.status == 404)
            emulators.huaweiMetaStudio.setFault(.providerError(status: 429))
            let throttled = try await send("POST", base + "/v1/\(ValidRequests.huaweiProject)/files/f1/complete", headers: headers, body: body)
            #expect(throttled.status == 429)
            #expect(throttled.json?["error_code"] == "APIGW.0308")
            emulators.huaweiMetaStudio.setFault(.providerError(status: 500))
            let internalError = try await send("POST", base + "/v1/\(ValidRequests.huaweiProject)/files/f1/complete", headers: headers, body: body)
            #expect(internalError.json == ["error_code": "MSS.00000004", "error_msg": "Internal Error"])
        }
    }
}
