import Foundation
import Testing

@testable import ProviderEmulators

@Suite("Tenovos emulator")
struct TenovosEmulatorTests {
    static func tokenURL(_ emulators: RunningEmulators) -> String { emulators.tenovos.baseURL + "/auth/token" }

    static func authHeaders(_ emulators: RunningEmulators) -> [(String, String)] {
        [("X-API-Key", emulators.credentials.tenovosAPIKey), ("Content-Type", "application/json")]
    }

    @Test("the base URL carries the v1 path prefix")
    func baseURL() async throws {
        try await withProviderEmulators { emulators in
            #expect(emulators.tenovos.baseURL.hasPrefix("http://127.0.0.1:"))
            #expect(emulators.tenovos.baseURL.hasSuffix("/content-store-v1"))
        }
    }

    @Test("login issues verifiable ID and access tokens with the right token_use")
    func login() async throws {
        try await withProviderEmulators { emulators in
            let answer = try await send(
                "POST", Self.tokenURL(emulators), headers: Self.authHeaders(emulators),
                body: bytes(#"{"username":"demo@example.com","password":"demo-password"}"#)
            )
            #expect(answer.status == 200)
            let json = try #require(answer.json)
            #expect(json["password"] == "")
            #expect(json["username"] == "demo@example.com")
            for field in ["endpointUrl", "clientId", "userPoolId"] {
                #expect(json[field]?.stringValue != nil)
            }
            let session = try #require(json["session"])
            let id = try await emulators.tenovos.verifiedClaims(of: try #require(session["authorization"]?.stringValue))
            let access = try await emulators.tenovos.verifiedClaims(of: try #require(session["accessToken"]?.stringValue))
            #expect(id.tokenUse == "id")
            #expect(access.tokenUse == "access")
            #expect(id.exp - id.iat == 3600)
            #expect(access.exp - access.iat == 3600)
            #expect(abs(id.iat - Int(Date().timeIntervalSince1970)) < 10)
            #expect(session["expireEpoch"]?.intValue == id.exp * 1000)
            #expect(session["refreshToken"]?.stringValue?.isEmpty == false)
            #expect(emulators.tenovos.loginCount == 1)
            #expect(emulators.tenovos.refreshCount == 0)
            let complete = try await ValidRequests.tenovosComplete(
                emulators, session: try await ValidRequests.tenovosLogin(emulators)
            ).send()
            #expect(complete.status == 200)
            let body = try #require(complete.json)
            #expect(body["status"] == "success")
            #expect(body["action"] == "Complete")
            #expect(body["fileId"] == "file-1")
            #expect(body["uploadId"] == "up-1")
            #expect(body["filename"] == "clip.mp4")
            #expect(body["originalFileId"]?.stringValue != nil)
            #expect(body["s3Key"]?.stringValue?.hasPrefix("masters/") == true)
            #expect(body["s3Key"]?.stringValue?.hasSuffix("/clip.mp4") == true)
            #expect(emulators.tenovos.loginCount == 2)
        }
    }

    @Test("login errors: bad credentials, missing password, wrong API key, required clientId")
    func loginErrors() async throws {
        var credentials = EmulatorCredentials.demo
        credentials.tenovosClientId = "client-v1"
        try await withProviderEmulators(credentials: credentials) { emulators in
            let bad = try await send(
                "POST", Self.tokenURL(emulators), headers: Self.authHeaders(emulators),
                body: bytes(#"{"username":"demo@example.com","password":"wrong","clientId":"client-v1"}"#)
            )
            #expect(bad.status == 401)
            #expect(bad.json == ["status": "error", "message": "Invalid Authentication Parameters"])
            let noPassword = try await send(
                "POST", Self.tokenURL(emulators), headers: Self.authHeaders(emulators),
                body: bytes(#"{"username":"demo@example.com","clientId":"client-v1"}"#)
            )
            #expect(noPassword.status == 401)
            #expect(noPassword.json == ["status": "error", "message": "Missing required parameter PASSWORD"])
            let noClient = try await send(
                "POST", Self.tokenURL(emulators), headers: Self.authHeaders(emulators),
                body: bytes(#"{"username":"demo@example.com","password":"demo-password"}"#)
            )
            #expect(noClient.status == 401)
            let wrongKey = try await send(
                "POST", Self.tokenURL(emulators), headers: [("X-API-Key", "nope"), ("Content-Type", "application/json")],
                body: bytes(#"{"username":"demo@example.com","password":"demo-password","clientId":"client-v1"}"#)
            )
            #expect(wrongKey.status == 403)
            #expect(emulators.tenovos.loginCount == 0)
            _ = try await ValidRequests.tenovosLogin(emulators)
            #expect(emulators.tenovos.loginCount == 1)
        }
    }

    @Test("refresh issues a new session; the whole previous auth response is accepted too")
    func refresh() async throws {
        try await withProviderEmulators { emulators in
            let session = try await ValidRequests.tenovosLogin(emulators)
            let refreshBody = #"{"session":{"accessToken":"\#(session.accessToken)","refreshToken":"\#(session.refreshToken)"}}"#
            let refreshed = try await send("POST", Self.tokenURL(emulators), headers: Self.authHeaders(emulators), body: bytes(refreshBody))
            #expect(refreshed.status == 200)
            let newSession = try #require(refreshed.json?["session"])
            let newID = try #require(newSession["authorization"]?.stringValue)
            let newAccess = try #require(newSession["accessToken"]?.stringValue)
            #expect(newID != session.idToken)
            // The whole previous auth response as the payload.
            let whole = try await send("POST", Self.tokenURL(emulators), headers: Self.authHeaders(emulators), body: refreshed.body)
            #expect(whole.status == 200)
            #expect(emulators.tenovos.refreshCount == 2)
            #expect(emulators.tenovos.loginCount == 1)
            let complete = try await ValidRequests.tenovosComplete(
                emulators,
                session: TenovosSession(idToken: newID, accessToken: newAccess, refreshToken: session.refreshToken, expireEpoch: 0)
            ).send()
            #expect(complete.status == 200)
            let bogus = try await send(
                "POST", Self.tokenURL(emulators), headers: Self.authHeaders(emulators),
                body: bytes(#"{"session":{"accessToken":"x","refreshToken":"not-a-refresh-token"}}"#)
            )
            #expect(bogus.status == 401)
            #expect(emulators.tenovos.refreshCount == 2)
        }
    }

    @Test("revokeSessions makes complete and refresh 401")
    func revoke() async throws {
        try await withProviderEmulators { emulators in
            let session = try await ValidRequests.tenovosLogin(emulators)
            let request = ValidRequests.tenovosComplete(emulators, session: session)
            #expect(try await request.send().status == 200)
            emulators.tenovos.revokeSessions()
            let complete = try await request.send()
            #expect(complete.status == 401)
            #expect(complete.json == ["message": "Unauthorized"])
            let refresh = try await send(
                "POST", Self.tokenURL(emulators), headers: Self.authHeaders(emulators),
                body: bytes(#"{"session":{"accessToken":"\#(session.accessToken)","refreshToken":"\#(session.refreshToken)"}}"#)
            )
            #expect(refresh.status == 401)
            #expect(emulators.tenovos.refreshCount == 0)
            let again = try await ValidRequests.tenovosLogin(emulators)
            #expect(try await ValidRequests.tenovosComplete(emulators, session: again).send().status == 200)
        }
    }

    @Test("tokens expire after their lifetime")
    func expiry() async throws {
        try await withProviderEmulators { emulators in
            emulators.tenovos.setTokenLifetime(1)
            let session = try await ValidRequests.tenovosLogin(emulators)
            let claims = try await emulators.tenovos.verifiedClaims(of: session.idToken)
            #expect(claims.exp - claims.iat == 1)
            try await Task.sleep(for: .milliseconds(2100))
            let complete = try await ValidRequests.tenovosComplete(emulators, session: session).send()
            #expect(complete.status == 401)
        }
    }

    @Test("complete auth: missing API key is 403; Bearer prefix, swapped or foreign tokens are 401")
    func completeAuth() async throws {
        try await withProviderEmulators { emulators in
            let session = try await ValidRequests.tenovosLogin(emulators)
            var request = ValidRequests.tenovosComplete(emulators, session: session)
            let valid = request.headers
            request.headers = valid.filter { $0.0 != "X-API-Key" }
            let noKey = try await request.send()
            #expect(noKey.status == 403)
            #expect(noKey.json == ["message": "Forbidden"])
            let variants: [[(String, String)]] = [
                valid.map { $0.0 == "Authorization" ? ($0.0, "Bearer " + $0.1) : $0 },
                valid.map { $0.0 == "Authorization" ? ($0.0, session.accessToken) : $0 },
                valid.map { $0.0 == "AccessToken" ? ($0.0, session.idToken) : $0 },
                valid.filter { $0.0 != "AccessToken" },
                valid.map { $0.0 == "Authorization" ? ($0.0, session.idToken + "x") : $0 },
            ]
            for headers in variants {
                request.headers = headers
                let answer = try await request.send()
                #expect(answer.status == 401)
                #expect(answer.json == ["message": "Unauthorized"])
            }
        }
    }

    @Test(
        "bad complete bodies are 400",
        arguments: [
            #"{"uploadId":"u","parts":[{"etag":"e","partNumber":1}],"action":"complete"}"#,
            #"{"fileId":"f","uploadId":"u","parts":[{"etag":"e","partNumber":1}],"action":"Complete"}"#,
            #"{"fileId":"f","uploadId":"u","parts":[{"etag":"e","partNumber":1}]}"#,
            #"{"fileId":"f","uploadId":"u","action":"complete"}"#,
            #"{"fileId":"f","uploadId":"u","parts":[{"eTag":"e","partNumber":1}],"action":"complete"}"#,
            #"{"fileId":"f","uploadId":"u","filesize":"12","parts":[{"etag":"e","partNumber":1}],"action":"complete"}"#,
            #"[{"fileId":"f"}]"#,
        ]
    )
    func badBody(body: String) async throws {
        try await withProviderEmulators { emulators in
            var request = ValidRequests.tenovosComplete(emulators, session: try await ValidRequests.tenovosLogin(emulators))
            request.body = bytes(body)
            let answer = try await request.send()
            #expect(answer.status == 400)
            #expect(answer.json?["status"] == "error")
            #expect(answer.json?["message"]?.stringValue?.hasPrefix("Failed to parse asset") == true)
        }
    }

    @Test("cancel, unknown upload, wrong method and path; providerError(401) makes every complete 401")
    func misc() async throws {
        try await withProviderEmulators { emulators in
            let session = try await ValidRequests.tenovosLogin(emulators)
            var request = ValidRequests.tenovosComplete(emulators, session: session)
            request.body = bytes(#"{"fileId":"f","uploadId":"u","action":"cancel"}"#)
            let cancel = try await request.send()
            #expect(cancel.status == 200)
            #expect(cancel.json?["action"] == "Cancel")
            request.body = bytes(#"{"fileId":"f","uploadId":"u-missing","parts":[{"etag":"e","partNumber":1}],"action":"complete"}"#)
            #expect(try await request.send().status == 404)
            var get = request
            get.method = "GET"
            get.body = nil
            #expect(try await get.send().status == 405)
            var wrongPath = ValidRequests.tenovosComplete(emulators, session: session)
            wrongPath.url = emulators.tenovos.baseURL + "/asset/finish"
            #expect(try await wrongPath.send().status == 404)

            emulators.tenovos.setFault(.providerError(status: 401))
            let fresh = try await ValidRequests.tenovosLogin(emulators)
            #expect(try await ValidRequests.tenovosComplete(emulators, session: fresh).send().status == 401)
            #expect(try await ValidRequests.tenovosComplete(emulators, session: session).send().status == 401)
            emulators.tenovos.setFault(.providerError(status: 504))
            let timeout = try await ValidRequests.tenovosComplete(emulators, session: fresh).send()
            #expect(timeout.json == ["message": "Endpoint request timed out"])
            emulators.tenovos.setFault(.providerError(status: 429))
            let throttled = try await ValidRequests.tenovosComplete(emulators, session: fresh).send()
            #expect(throttled.json == ["message": "Too Many Requests"])
            #expect(emulators.tenovos.authRequests.count == 2)
        }
    }
}
