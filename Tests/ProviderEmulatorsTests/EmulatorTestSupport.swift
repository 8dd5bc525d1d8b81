import AsyncHTTPClient
import Foundation
import HuaweiSigner
import NIOCore
import NIOHTTP1
import Testing

@testable import ProviderEmulators

/// An answer as the test client saw it.
struct HTTPAnswer {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: self.body, as: UTF8.self) }
    var json: JSONValue? { JSONValue.parse(self.body) }
    func header(_ name: String) -> String? { self.headers.first(name: name) }
}

/// Sends one request with AsyncHTTPClient and collects the whole answer.
func send(
    _ method: String,
    _ url: String,
    headers: [(String, String)] = [],
    body: [UInt8]? = nil,
    timeout: TimeAmount = .seconds(20)
) async throws -> HTTPAnswer {
    var request = HTTPClientRequest(url: url)
    request.method = HTTPMethod(rawValue: method)
    for (name, value) in headers {
        request.headers.add(name: name, value: value)
    }
    if let body {
        request.body = .bytes(ByteBuffer(bytes: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: timeout)
    let buffer = try await response.body.collect(upTo: 4 * 1024 * 1024)
    return HTTPAnswer(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
}

/// JSON text → bytes.
func bytes(_ json: String) -> [UInt8] { Array(json.utf8) }

/// A request the test sends to an emulator.
struct PreparedRequest {
    var method: String
    var url: String
    var headers: [(String, String)]
    var body: [UInt8]?

    func send() async throws -> HTTPAnswer {
        try await ProviderEmulatorsTests.send(self.method, self.url, headers: self.headers, body: self.body)
    }
}

/// Tenovos session tokens from a login.
struct TenovosSession {
    var idToken: String
    var accessToken: String
    var refreshToken: String
    var expireEpoch: Int
}

enum ValidRequests {
    /// Logs in to the Tenovos emulator and returns the session.
    static func tenovosLogin(_ emulators: RunningEmulators) async throws -> TenovosSession {
        let credentials = emulators.credentials
        var login: JSONValue = [
            "username": .string(credentials.tenovosUsername), "password": .string(credentials.tenovosPassword),
        ]
        if let clientID = credentials.tenovosClientId, case .object(var members) = login {
            members.append(JSONMember(key: "clientId", value: .string(clientID)))
            login = .object(members)
        }
        let answer = try await send(
            "POST",
            emulators.tenovos.baseURL + "/auth/token",
            headers: [("X-API-Key", credentials.tenovosAPIKey), ("Content-Type", "application/json")],
            body: login.bytes
        )
        try #require(answer.status == 200, "login failed: \(answer.text)")
        let session = try #require(answer.json?["session"])
        return TenovosSession(
            idToken: try #require(session["authorization"]?.stringValue),
            accessToken: try #require(session["accessToken"]?.stringValue),
            refreshToken: try #require(session["refreshToken"]?.stringValue),
            expireEpoch: try #require(session["expireEpoch"]?.intValue)
        )
    }

    static func tenovosComplete(_ emulators: RunningEmulators, session: TenovosSession) -> PreparedRequest {
        PreparedRequest(
            method: "POST",
            url: emulators.tenovos.baseURL + "/asset/complete",
            headers: [
                ("X-API-Key", emulators.credentials.tenovosAPIKey), ("Authorization", session.idToken),
                ("AccessToken", session.accessToken), ("Content-Type", "application/json"),
            ],
            body: bytes(
                #"{"fileId":"file-1","uploadId":"up-1","filename":"clip.mp4","filesize":209715200,"#
                    + #""parts":[{"etag":"\"e1\"","partNumber":1},{"etag":"\"e2\"","partNumber":2}],"action":"complete"}"#
            )
        )
    }

    static let huaweiProject = "6a6a1f8354f64dd9b9a614def7b59d83"

    /// A MetaStudio complete signed with AK/SK as the SDK would.
    static func huaweiSigned(
        _ emulators: RunningEmulators,
        fileID: String = "24bad716-87b1-45e5-8912-6102f7693265",
        body: String = #"{"state": "CREATED"}"#,
        date: Date = Date(),
        secretKey: String? = nil
    ) -> PreparedRequest {
        let base = emulators.huaweiMetaStudio.baseURL
        let host = String(base.dropFirst("http://".count))
        let path = "/v1/\(huaweiProject)/files/\(fileID)/complete"
        let headers = [(name: "Content-Type", value: "application/json"), (name: "X-Project-Id", value: huaweiProject)]
        let signer = HuaweiSigner(
            credentials: HuaweiCredentials(
                accessKey: emulators.credentials.huaweiAccessKey,
                secretKey: secretKey ?? emulators.credentials.huaweiSecretKey
            )
        )
        let added = signer.sign(method: "POST", host: host, path: path, headers: headers, body: bytes(body), date: date)
        return PreparedRequest(
            method: "POST",
            url: base + path,
            headers: (headers + added).map { ($0.name, $0.value) },
            body: bytes(body)
        )
    }

    /// A request that the emulator of `provider` accepts.
    static func request(for provider: EmulatedProvider, _ emulators: RunningEmulators) async throws -> PreparedRequest {
        let credentials = emulators.credentials
        switch provider {
        case .spatialgen:
            return PreparedRequest(
                method: "POST",
                url: emulators.spatialgen.baseURL + "/api/videos/uploads/sess-1/files/up-1/complete",
                headers: [("X-SPATIALGEN-APPKEY", credentials.spatialgenAppKey), ("Content-Type", "application/json")],
                body: bytes(#"{"parts":[{"partNumber":1,"etag":"\"a1\""},{"partNumber":2,"etag":"\"b2\""}]}"#)
            )
        case .autorender:
            return PreparedRequest(
                method: "POST",
                url: emulators.autorender.baseURL + "/api/v1/multipart/complete",
                headers: [("Authorization", "Bearer \(credentials.autorenderAPIKey)"), ("Content-Type", "application/json")],
                body: bytes(#"{"session_id":"sess_123"}"#)
            )
        case .gjirafaVP:
            return PreparedRequest(
                method: "PUT",
                url: emulators.gjirafaVP.baseURL + "/api/projects/p1234567/uploads/multipart-complete",
                headers: [("Authorization", "Bearer \(credentials.gjirafaAPIKey)"), ("Content-Type", "application/json")],
                body: bytes(#"{"requestKey":"rk-1","parts":[{"partNumber":1,"eTag":"\"a\""}]}"#)
            )
        case .tenovos:
            return tenovosComplete(emulators, session: try await tenovosLogin(emulators))
        case .huaweiMetaStudio:
            return huaweiSigned(emulators)
        }
    }
}
