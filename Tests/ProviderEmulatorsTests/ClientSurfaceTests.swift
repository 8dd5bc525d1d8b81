import Foundation
import HuaweiSigner
import Testing

@testable import ProviderEmulators

/// What the providers' official clients send besides the call itself (their `User-Agent`, the Stainless SDKs'
/// `X-Stainless-*`, `Accept`, a query) is accepted, with the same strict auth checks as without it.
@Suite("Emulators accept what client SDKs send")
struct ClientSurfaceTests {
    /// Headers a generated SDK adds to every call.
    static let clientHeaders: [(String, String)] = [
        ("Accept", "application/json"), ("User-Agent", "Autorender/Python 0.2.4"), ("X-Stainless-Lang", "python"),
        ("X-Stainless-Package-Version", "0.2.4"), ("X-Stainless-OS", "Linux"), ("X-Stainless-Arch", "x64"),
        ("X-Stainless-Runtime", "CPython"), ("X-Stainless-Runtime-Version", "3.11.7"), ("X-Stainless-Async", "false"),
        ("x-stainless-retry-count", "0"), ("x-stainless-read-timeout", "60"), ("Accept-Encoding", "gzip, deflate"),
    ]

    @Test(
        "SDK headers and a query are accepted on the complete endpoints that are not signed",
        arguments: EmulatedProvider.allCases.filter { $0 != .huaweiMetaStudio })
    func headersAndQuery(provider: EmulatedProvider) async throws {
        try await withProviderEmulators { emulators in
            var request = try await ValidRequests.request(for: provider, emulators)
            request.url += "?trace=sdk-check&attempt=1"
            request.headers += Self.clientHeaders
            let answer = try await request.send()
            #expect((200..<300).contains(answer.status), "\(answer.status) \(answer.text)")
            let recorded = try #require(emulators[provider].receivedRequests.last)
            #expect(recorded.header("X-Stainless-Lang") == "python")
            #expect(recorded.uri.hasSuffix("?trace=sdk-check&attempt=1"))
        }
    }

    /// What `huaweicloudsdkmetastudio` 3.1.219's `confirm_file_upload` sends: it signs its `User-Agent`,
    /// `X-Project-Id` and `X-App-UserId` with the rest; a signed query is verified too.
    @Test("the Huawei SDK's signed User-Agent, X-Project-Id, X-App-UserId and a signed query are accepted")
    func huaweiSDKRequest() async throws {
        try await withProviderEmulators { emulators in
            let base = emulators.huaweiMetaStudio.baseURL
            let host = String(base.dropFirst("http://".count))
            let path = "/v1/\(ValidRequests.huaweiProject)/files/24bad716-87b1-45e5-8912-6102f7693265/complete"
            let query = [(name: "trace", value: "sdk check")]
            let headers = [
                (name: "Content-Type", value: "application/json"), (name: "X-Project-Id", value: ValidRequests.huaweiProject),
                (name: "User-Agent", value: "huaweicloud-usdk-python/3.0"), (name: "X-App-UserId", value: "user-42"),
            ]
            let body = bytes(#"{"state": "CREATED"}"#)
            func signed(secretKey: String) -> [(String, String)] {
                let signer = HuaweiSigner(
                    credentials: HuaweiCredentials(accessKey: emulators.credentials.huaweiAccessKey, secretKey: secretKey))
                let added = signer.sign(method: "POST", host: host, path: path, query: query, headers: headers, body: body, date: Date())
                return (headers + added).map { ($0.name, $0.value) } + [("Accept", "application/json")]
            }
            let url = base + path + "?trace=sdk%20check"
            let answer = try await send("POST", url, headers: signed(secretKey: emulators.credentials.huaweiSecretKey), body: body)
            #expect(answer.status == 200, "\(answer.text)")
            let refused = try await send("POST", url, headers: signed(secretKey: "not-the-secret"), body: body)
            #expect(refused.status == 401)
            #expect(refused.json?["error_code"] == "APIGW.0301")
            // The query is signed: another query is another request.
            let otherQuery = try await send(
                "POST", base + path + "?trace=other", headers: signed(secretKey: emulators.credentials.huaweiSecretKey), body: body)
            #expect(otherQuery.status == 401)
        }
    }

    @Test("Tenovos: a login, then complete, with a client's extra headers and a query")
    func tenovosFlow() async throws {
        try await withProviderEmulators { emulators in
            let credentials = emulators.credentials
            let login = try await send(
                "POST", emulators.tenovos.baseURL + "/auth/token?source=script",
                headers: [("X-API-Key", credentials.tenovosAPIKey), ("Content-Type", "application/json")] + Self.clientHeaders,
                body: bytes(#"{"username":"\#(credentials.tenovosUsername)","password":"\#(credentials.tenovosPassword)"}"#))
            #expect(login.status == 200, "\(login.text)")
            let session = try #require(login.json?["session"])
            var complete = ValidRequests.tenovosComplete(
                emulators,
                session: TenovosSession(
                    idToken: try #require(session["authorization"]?.stringValue),
                    accessToken: try #require(session["accessToken"]?.stringValue),
                    refreshToken: try #require(session["refreshToken"]?.stringValue),
                    expireEpoch: try #require(session["expireEpoch"]?.intValue)))
            complete.url += "?source=script"
            complete.headers += Self.clientHeaders
            #expect(try await complete.send().status == 200)
        }
    }
}
