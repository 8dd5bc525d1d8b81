import Foundation
import ProviderEmulators
import SpliceCore
import Testing

/// `splice` against the strict emulators over real HTTP: one successful complete per provider and action.
@Suite(.timeLimit(.minutes(1))) struct CompleteEndToEndTests {
    static let spatialgenBody = #"""
        {"route":"spatialgen","sessionId":"8c1d9f52","uploadId":"402f0bda-a0fa-4551-ae28-7300ab6678dd",
         "parts":[{"partNumber":2,"etag":"\"bb\""},{"partNumber":1,"etag":"\"aa\""}]}
        """#

    @Test func spatialgenCompletes() async throws {
        try await withGateway { gateway in
            let answer = try await gateway.post(Self.spatialgenBody)
            #expect(answer.status == 200, "\(answer.bodyText)")
            let json = try #require(answer.json)
            #expect(json["status"] == "completed")
            #expect(json["route"] == "spatialgen")
            #expect(json["provider"] == "spatialgen")
            #expect(json["uploadId"] == "402f0bda-a0fa-4551-ae28-7300ab6678dd")
            #expect(json["file"]?["id"] == "402f0bda-a0fa-4551-ae28-7300ab6678dd")
            #expect(json["file"]?["name"]?.stringValue != nil)
            #expect(json["file"]?.objectValue?.keys == ["id", "name", "size", "url", "key", "format"])
            #expect(json["upstream"]?["status"]?.intValue == 200)
            #expect(json["upstream"]?["body"]?["status"] == "completed")
            #expect(json["requestId"]?.stringValue == answer.header("X-Request-Id"))
            #expect(answer.header("Server-Timing")?.contains("upstream;dur=") == true)
            #expect(answer.header("Server-Timing")?.contains("gateway;dur=") == true)

            // What went on the wire: parts ascending, ETags with their quotes, the path ids one segment each.
            let received = try #require(gateway.emulators.spatialgen.receivedRequests.last)
            #expect(received.uri == "/api/videos/uploads/8c1d9f52/files/402f0bda-a0fa-4551-ae28-7300ab6678dd/complete")
            #expect(
                String(decoding: received.body, as: UTF8.self)
                    == #"{"parts":[{"partNumber":1,"etag":"\"aa\""},{"partNumber":2,"etag":"\"bb\""}]}"#)
            #expect(received.header("X-SPATIALGEN-APPKEY") == gateway.emulators.credentials.spatialgenAppKey)
        }
    }

    @Test func autorenderCompletesInBothShapes() async throws {
        try await withGateway { gateway in
            let body = #"{"route":"autorender","uploadId":"a1b2c3d4"}"#
            let wrapped = try await gateway.post(body)
            #expect(wrapped.status == 200, "\(wrapped.bodyText)")
            #expect(wrapped.json?["file"]?["format"]?.stringValue != nil)
            #expect(wrapped.json?["file"]?["size"]?.intValue != nil)

            gateway.emulators.autorender.setFlatSuccessShape(true)
            let flat = try await gateway.post(body)
            #expect(flat.status == 200, "\(flat.bodyText)")
            #expect(flat.json?["file"]?["id"]?.stringValue != nil)
            #expect(flat.json?["file"]?["size"]?.intValue != nil)
            #expect(flat.json?["upstream"]?["body"]?["success"] == nil)
            let received = try #require(gateway.emulators.autorender.receivedRequests.last)
            #expect(received.header("Authorization") == "Bearer \(gateway.emulators.credentials.autorenderAPIKey)")
        }
    }

    @Test func gjirafaVPCompletesWithETagSpelling() async throws {
        try await withGateway { gateway in
            let answer = try await gateway.post(
                #"{"route":"gjirafa-vp","uploadId":"rk-1","parts":[{"partNumber":1,"etag":"e1"}],"options":{"allowPartialComplete":false}}"#)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(answer.json?["file"] == .object(["id": .null, "name": .null, "size": .null, "url": .null, "key": .null, "format": .null]))
            let received = try #require(gateway.emulators.gjirafaVP.receivedRequests.last)
            #expect(received.method == "PUT")
            #expect(received.uri == "/api/projects/p1234567/uploads/multipart-complete")
            #expect(
                String(decoding: received.body, as: UTF8.self)
                    == #"{"requestKey":"rk-1","parts":[{"partNumber":1,"eTag":"e1"}],"allowPartialComplete":false}"#)
        }
    }

    @Test func gjirafaVPSendsTheKeyBareWithAnEmptyScheme() async throws {
        var credentials = EmulatorCredentials.demo
        credentials.gjirafaScheme = ""
        try await withGateway(credentials: credentials) { gateway in
            let answer = try await gateway.post(#"{"route":"gjirafa-vp","uploadId":"rk","parts":[{"partNumber":1,"etag":"e"}]}"#)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(gateway.emulators.gjirafaVP.receivedRequests.last?.header("Authorization") == credentials.gjirafaAPIKey)
        }
    }

    @Test(arguments: [("complete", "completed"), ("cancel", "cancelled"), ("fail", "failed")])
    func huaweiMetaStudioActions(_ action: String, _ status: String) async throws {
        try await withGateway { gateway in
            let answer = try await gateway.post(
                #"{"route":"huawei-metastudio","action":"\#(action)","fileId":"24bad716","options":{"autoMetaAnalysis":true,"appUserId":"user-42"}}"#)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(answer.json?["status"]?.stringValue == status)
            #expect(answer.json?["file"]?["id"] == "24bad716")
            let received = try #require(gateway.emulators.huaweiMetaStudio.receivedRequests.last)
            // The provider's X-Request-Id is reported as upstream.requestId.
            #expect(answer.json?["upstream"]?["requestId"]?.stringValue != nil)
            #expect(answer.json?["upstream"]?["body"] == .null)
            #expect(received.header("X-App-UserId") == "user-42")
            #expect(received.header("Authorization")?.hasPrefix("SDK-HMAC-SHA256 Access=") == true)
            let state = ["complete": "CREATED", "cancel": "CANCELLED", "fail": "FAILED"][action] ?? ""
            #expect(String(decoding: received.body, as: UTF8.self) == #"{"state":"\#(state)","auto_meta_analysis":true}"#)
        }
    }

    @Test func huaweiMetaStudioSignsAnIdWithASlashAsOneSegment() async throws {
        try await withGateway { gateway in
            let answer = try await gateway.post(#"{"route":"huawei-metastudio","fileId":"a/b é","projectId":"p1"}"#)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(gateway.emulators.huaweiMetaStudio.receivedRequests.last?.uri == "/v1/p1/files/a%2Fb%20%C3%A9/complete")
        }
    }

    @Test func huaweiMetaStudioTokenMode() async throws {
        try await withGateway(routes: { emulators in
            [
                try GatewayHarness.route(
                    "huawei-metastudio", emulators.huaweiMetaStudio.baseURL, ["token": emulators.credentials.huaweiToken],
                    projectId: "p1")
            ]
        }) { gateway in
            let answer = try await gateway.post(#"{"route":"huawei-metastudio","fileId":"f1"}"#)
            #expect(answer.status == 200, "\(answer.bodyText)")
            let received = try #require(gateway.emulators.huaweiMetaStudio.receivedRequests.last)
            #expect(received.header("X-Auth-Token") == gateway.emulators.credentials.huaweiToken)
            #expect(received.header("Authorization") == nil)
        }
    }

    @Test func huaweiMetaStudioV11Signing() async throws {
        try await withGateway(routes: { emulators in
            [
                try GatewayHarness.route(
                    "huawei-metastudio", emulators.huaweiMetaStudio.baseURL,
                    ["accessKey": emulators.credentials.huaweiAccessKey, "secretKey": emulators.credentials.huaweiSecretKey],
                    projectId: "p1", options: ["signingAlgorithm": "V11-HMAC-SHA256", "region": "cn-north-4"])
            ]
        }) { gateway in
            let answer = try await gateway.post(#"{"route":"huawei-metastudio","fileId":"f1"}"#)
            #expect(answer.status == 200, "\(answer.bodyText)")
            #expect(
                gateway.emulators.huaweiMetaStudio.receivedRequests.last?.header("Authorization")?.hasPrefix("V11-HMAC-SHA256 Credential=") == true)
        }
    }

    @Test func tenovosCompletesAndCancels() async throws {
        try await withGateway { gateway in
            let complete = try await gateway.post(
                #"{"route":"tenovos","fileId":"f-1","uploadId":"u-1","fileName":"a.mov","fileSize":300,"parts":[{"partNumber":1,"etag":"e1"}]}"#)
            #expect(complete.status == 200, "\(complete.bodyText)")
            #expect(complete.json?["status"] == "completed")
            #expect(complete.json?["file"]?["id"] == "f-1")
            #expect(complete.json?["file"]?["name"] == "a.mov")
            #expect(complete.json?["file"]?["key"]?.stringValue?.hasPrefix("masters/") == true)

            let cancel = try await gateway.post(#"{"route":"tenovos","action":"cancel","fileId":"f-2","uploadId":"u-2"}"#)
            #expect(cancel.status == 200, "\(cancel.bodyText)")
            #expect(cancel.json?["status"] == "cancelled")

            let received = try #require(gateway.emulators.tenovos.receivedRequests.last)
            #expect(received.uri == "/content-store-v1/asset/complete")
            #expect(received.header("X-API-Key") == gateway.emulators.credentials.tenovosAPIKey)
            // The ID token goes raw, without "Bearer".
            #expect(received.header("Authorization")?.hasPrefix("Bearer") == false)
            #expect(received.header("AccessToken") != nil)
            #expect(gateway.emulators.tenovos.loginCount == 1)
        }
    }

    @Test func keepsAClientRequestIdOrMakesOne() async throws {
        try await withGateway { gateway in
            let kept = try await gateway.post(
                #"{"route":"autorender","uploadId":"a"}"#,
                headers: [("Content-Type", "application/json"), ("X-Request-Id", "my-trace-42")])
            #expect(kept.header("X-Request-Id") == "my-trace-42")
            #expect(kept.json?["requestId"] == "my-trace-42")

            let made = try await gateway.post(
                #"{"route":"autorender","uploadId":"a"}"#,
                headers: [("Content-Type", "application/json"), ("X-Request-Id", "has space")])
            let id = try #require(made.header("X-Request-Id"))
            #expect(id != "has space" && id.count == 32)

            for path in ["/livez", "/readyz", "/routes", "/nowhere"] {
                #expect(try await gateway.get(path).header("X-Request-Id") != nil, "\(path)")
            }
        }
    }
}
