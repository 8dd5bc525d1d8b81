import Foundation
import Hummingbird
import JWTKit
import Logging
import Synchronization
import SpliceEncoding

/// Emulates Tenovos' REST API v1 token and complete operations under the path prefix `/content-store-v1`.
///
/// * `POST {prefix}/auth/token` with `X-API-Key`: a login `{username, password}` (plus `clientId` when
///   configured, as v1 hosts require) or a refresh `{"session":{"accessToken","refreshToken"}}` (the whole
///   previous auth response is accepted too) answers `{endpointUrl, clientId, userPoolId, username,
///   password:"", session:{authorization, accessToken, refreshToken, expireEpoch}}`. `authorization` is a
///   signed Cognito-style ID token, `accessToken` a signed access token; `expireEpoch` is in milliseconds.
/// * `POST {prefix}/asset/complete` needs `X-API-Key` (else 403 `{"message":"Forbidden"}`), the ID token raw
///   in `Authorization` (no `Bearer`) and the access token in `AccessToken` (else 401
///   `{"message":"Unauthorized"}`), and the body `{fileId, uploadId, filename?, filesize?, originalFileId?,
///   parts:[{etag, partNumber}], action:"complete"|"cancel"}`.
///
/// Other failures use AWS API Gateway's default bodies (`{"message":"Too Many Requests"}`, …).
package final class TenovosEmulator: ProviderEmulator, EmulatorEndpoint {
    static let pathPrefix = "/content-store-v1"
    static let issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EmuLaT0r1"
    static let userPoolID = "us-east-1_EmuLaT0r1"
    /// The app client id reported when none is configured.
    static let defaultClientID = "3emulat0rc1ient1d0000000000"

    private struct TokenState {
        var lifetime = 3600
        var loginCount = 0
        var refreshCount = 0
        /// Refresh token → user name, for tokens not revoked.
        var refreshTokens: [String: String] = [:]
        /// `jti` of every token issued so far.
        var issued: Set<String> = []
        /// `jti` of revoked tokens.
        var revoked: Set<String> = []
        var authRequests: RecentRequests
    }

    let core: EmulatorCore
    private let credentials: EmulatorCredentials
    private let signingKey: [UInt8]
    private let tokens: Mutex<TokenState>

    init(credentials: EmulatorCredentials, host: String, recordLimit: Int, logger: Logger) {
        self.core = EmulatorCore(provider: .tenovos, host: host, pathPrefix: Self.pathPrefix, recordLimit: recordLimit, logger: logger)
        self.credentials = credentials
        self.tokens = Mutex(TokenState(authRequests: RecentRequests(limit: recordLimit)))
        var generator = SystemRandomNumberGenerator()
        self.signingKey = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    package var provider: EmulatedProvider { self.core.provider }
    package var baseURL: String { self.core.baseURL }
    package func setFault(_ fault: EmulatorFault?) { self.core.setFault(fault) }
    package var receivedRequests: [ReceivedRequest] { self.core.receivedRequests }

    /// Successful logins (username/password) on `/auth/token`.
    package var loginCount: Int { self.tokens.withLock { $0.loginCount } }
    /// Successful refreshes on `/auth/token`.
    package var refreshCount: Int { self.tokens.withLock { $0.refreshCount } }
    /// The latest requests received on `/auth/token` (as many as `receivedRequests` keeps), oldest first.
    package var authRequests: [ReceivedRequest] { self.tokens.withLock { $0.authRequests.requests } }

    /// Lifetime in seconds of tokens issued from now on (default 3600).
    package func setTokenLifetime(_ seconds: Int) {
        self.tokens.withLock { $0.lifetime = seconds }
    }

    /// Every token and refresh token issued so far becomes invalid.
    package func revokeSessions() {
        self.tokens.withLock { state in
            state.revoked.formUnion(state.issued)
            state.refreshTokens.removeAll()
        }
    }

    /// The key collection that signs and verifies this emulator's tokens (HS256, per-emulator random key).
    private func jwtKeys() async -> JWTKeyCollection {
        await JWTKeyCollection().add(hmac: HMACKey(from: self.signingKey), digestAlgorithm: .sha256)
    }

    /// The claims of `token` when this emulator signed it (expiry and revocation not checked).
    func verifiedClaims(of token: String) async throws -> CognitoClaims {
        try await self.jwtKeys().verify(token, as: CognitoClaims.self)
    }

    func respond(to request: Request, context: EmulatorRequestContext) async throws -> Response {
        let target = RequestTarget(request.head.path ?? "")
        switch target.path {
        case Self.pathPrefix + "/auth/token":
            let received: ReceivedRequest
            do {
                received = try await self.core.receive(request, context: context)
            } catch {
                return EmulatorReply.empty(413)
            }
            self.tokens.withLock { $0.authRequests.append(received) }
            return try await self.authToken(received)
        case Self.pathPrefix + "/asset/complete":
            return try await self.core.handleComplete(request, context: context, dialect: Dialect()) { received in
                try await self.complete(received)
            }
        default:
            return EmulatorReply.json(404, ["message": "Not Found"])
        }
    }

    // MARK: /auth/token

    private func authToken(_ received: ReceivedRequest) async throws -> Response {
        guard received.method == "POST" else {
            return EmulatorReply.json(405, ["message": "Method Not Allowed"])
        }
        guard received.header("X-API-Key") == self.credentials.tenovosAPIKey else {
            return Dialect.forbidden()
        }
        guard received.hasJSONContentType, let body = JSONValue.parse(received.body), body.isObject else {
            return Dialect.statusError(400, "Invalid Authentication Parameters")
        }
        if let session = body["session"] {
            return try await self.refresh(session)
        }
        return try await self.login(body)
    }

    private func login(_ body: JSONValue) async throws -> Response {
        for field in ["username", "password", "clientId"] {
            if let value = body[field], value.stringValue == nil {
                return Dialect.statusError(400, "Invalid Authentication Parameters")
            }
        }
        guard let username = body["username"]?.stringValue, !username.isEmpty else {
            return Dialect.statusError(401, "Missing required parameter USERNAME")
        }
        guard let password = body["password"]?.stringValue, !password.isEmpty else {
            return Dialect.statusError(401, "Missing required parameter PASSWORD")
        }
        if let requiredClientID = self.credentials.tenovosClientId {
            guard let clientID = body["clientId"]?.stringValue else {
                return Dialect.statusError(
                    401,
                    "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: "
                        + "Member must not be null"
                )
            }
            guard clientID == requiredClientID else {
                return Dialect.statusError(401, "Invalid Authentication Parameters")
            }
        }
        guard username == self.credentials.tenovosUsername, password == self.credentials.tenovosPassword else {
            return Dialect.statusError(401, "Invalid Authentication Parameters")
        }
        let refreshToken = Self.opaqueToken()
        let session = try await self.issueSession(username: username, refreshToken: refreshToken)
        self.tokens.withLock {
            $0.refreshTokens[refreshToken] = username
            $0.loginCount += 1
        }
        self.core.logger.debug("tenovos emulator: login")
        return EmulatorReply.json(200, self.authResponse(username: username, session: session))
    }

    private func refresh(_ session: JSONValue) async throws -> Response {
        guard let refreshToken = session["refreshToken"]?.stringValue, !refreshToken.isEmpty,
            session["accessToken"]?.stringValue != nil
        else {
            return Dialect.statusError(400, "Invalid Authentication Parameters")
        }
        guard let username = self.tokens.withLock({ $0.refreshTokens[refreshToken] }) else {
            return Dialect.statusError(401, "Invalid Refresh Token")
        }
        let newSession = try await self.issueSession(username: username, refreshToken: refreshToken)
        // A revocation may have happened while signing: only count (and answer) a still-valid refresh.
        let stillValid = self.tokens.withLock { state in
            guard state.refreshTokens[refreshToken] != nil else { return false }
            state.refreshCount += 1
            return true
        }
        guard stillValid else {
            return Dialect.statusError(401, "Invalid Refresh Token")
        }
        self.core.logger.debug("tenovos emulator: refresh")
        return EmulatorReply.json(200, self.authResponse(username: username, session: newSession))
    }

    private func authResponse(username: String, session: JSONValue) -> JSONValue {
        [
            "endpointUrl": .string(self.core.baseURL),
            "clientId": .string(self.credentials.tenovosClientId ?? Self.defaultClientID),
            "userPoolId": .string(Self.userPoolID),
            "username": .string(username),
            "password": "",
            "session": session,
        ]
    }

    /// Signs a new ID token and access token for `username`.
    private func issueSession(username: String, refreshToken: String) async throws -> JSONValue {
        let lifetime = self.tokens.withLock { $0.lifetime }
        let now = Int(Date().timeIntervalSince1970)
        let clientID = self.credentials.tenovosClientId ?? Self.defaultClientID
        let subject = Self.subject(for: username)
        let originJTI = UUID().uuidString.lowercased()
        let eventID = UUID().uuidString.lowercased()
        let idClaims = CognitoClaims(
            sub: subject, iss: Self.issuer, tokenUse: "id", authTime: now, iat: now, exp: now + lifetime,
            jti: UUID().uuidString.lowercased(), originJTI: originJTI, eventID: eventID,
            aud: clientID, cognitoUsername: username, email: username.contains("@") ? username : nil
        )
        let accessClaims = CognitoClaims(
            sub: subject, iss: Self.issuer, tokenUse: "access", authTime: now, iat: now, exp: now + lifetime,
            jti: UUID().uuidString.lowercased(), originJTI: originJTI, eventID: eventID,
            clientID: clientID, username: username, scope: "aws.cognito.signin.user.admin"
        )
        let keys = await self.jwtKeys()
        let idToken = try await keys.sign(idClaims)
        let accessToken = try await keys.sign(accessClaims)
        self.tokens.withLock {
            $0.issued.insert(idClaims.jti)
            $0.issued.insert(accessClaims.jti)
        }
        return [
            "authorization": .string(idToken),
            "accessToken": .string(accessToken),
            "refreshToken": .string(refreshToken),
            "expireEpoch": .int((now + lifetime) * 1000),
        ]
    }

    /// A token's claims when it is validly signed, unexpired, unrevoked and of the given `token_use`.
    private func validClaims(_ token: String, use: String) async -> CognitoClaims? {
        guard let claims = try? await self.jwtKeys().verify(token, as: CognitoClaims.self) else { return nil }
        guard claims.tokenUse == use, claims.iss == Self.issuer else { return nil }
        guard Int(Date().timeIntervalSince1970) < claims.exp else { return nil }
        let revoked = self.tokens.withLock { $0.revoked.contains(claims.jti) }
        return revoked ? nil : claims
    }

    // MARK: /asset/complete

    private func complete(_ received: ReceivedRequest) async throws -> Response {
        guard received.method == "POST" else {
            return EmulatorReply.json(405, ["message": "Method Not Allowed"])
        }
        guard received.header("X-API-Key") == self.credentials.tenovosAPIKey else {
            return Dialect.forbidden()
        }
        // Tenovos sends the ID token raw in Authorization, without "Bearer ".
        guard let idToken = received.header("Authorization"), let accessToken = received.header("AccessToken"),
            let idClaims = await self.validClaims(idToken, use: "id"),
            let accessClaims = await self.validClaims(accessToken, use: "access"),
            idClaims.sub == accessClaims.sub
        else {
            return Dialect.unauthorized()
        }
        guard received.hasJSONContentType else {
            return Dialect.statusError(400, "Failed to parse asset: Content-Type must be application/json")
        }
        guard let body = JSONValue.parse(received.body), body.isObject else {
            return Dialect.statusError(400, "Failed to parse asset: Unexpected end of JSON input")
        }
        if let problem = Self.bodyProblem(body) {
            return Dialect.statusError(400, problem)
        }
        let fileID = body["fileId"]?.stringValue ?? ""
        let uploadID = body["uploadId"]?.stringValue ?? ""
        if fileID.contains("missing") || uploadID.contains("missing") {
            return Dialect.statusError(
                404,
                "The specified upload does not exist. The upload ID may be invalid, "
                    + "or the upload may have been aborted or completed."
            )
        }
        let filename = body["filename"]?.stringValue ?? "asset.bin"
        let action = body["action"]?.stringValue == "cancel" ? "Cancel" : "Complete"
        return EmulatorReply.json(
            200,
            [
                "fileId": .string(fileID),
                "filename": .string(filename),
                "action": .string(action),
                "originalFileId": .string(body["originalFileId"]?.stringValue ?? fileID),
                "uploadId": .string(uploadID),
                "s3Key": .string("masters/\(UUID().uuidString.lowercased())/\(filename)"),
                "status": "success",
            ]
        )
    }

    /// The first thing wrong with a complete body, in Tenovos' words; `nil` when it is valid.
    static func bodyProblem(_ body: JSONValue) -> String? {
        let missing = "Failed to parse asset: Missing fields"
        let known: Set = ["fileId", "uploadId", "filename", "filesize", "originalFileId", "parts", "action"]
        if let unknown = body.keys.first(where: { !known.contains($0) }) {
            return "Failed to parse asset: Unknown field \(unknown)"
        }
        for field in ["fileId", "uploadId", "action"] {
            guard let value = body[field]?.stringValue, !value.isEmpty else { return missing }
        }
        for field in ["filename", "originalFileId"] {
            if let value = body[field], value.stringValue?.isEmpty ?? true {
                return "Failed to parse asset: Invalid field \(field)"
            }
        }
        if let size = body["filesize"], (size.intValue ?? -1) < 0 {
            return "Failed to parse asset: Invalid field filesize"
        }
        let action = body["action"]?.stringValue
        guard action == "complete" || action == "cancel" else {
            return "Failed to parse asset: Invalid action"
        }
        guard let partsValue = body["parts"] else {
            // Cancelling aborts the upload: no parts needed.
            return action == "cancel" ? nil : missing
        }
        guard let parts = partsValue.arrayValue else {
            return "Failed to parse asset: Invalid field parts"
        }
        if parts.isEmpty && action == "complete" {
            return missing
        }
        for part in parts {
            guard part.isObject, part.keys.allSatisfy({ $0 == "etag" || $0 == "partNumber" }),
                let etag = part["etag"]?.stringValue, !etag.isEmpty,
                let number = part["partNumber"]?.intValue, number >= 1
            else {
                return "Failed to parse asset: Invalid field parts"
            }
        }
        return nil
    }

    /// A stable Cognito `sub` for a user name.
    static func subject(for username: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in username.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        let padded = Hex.lowercase(hash)
        return "5f0c9a2e-1b7d-4c3a-\(padded.prefix(4))-\(padded.suffix(12))"
    }

    /// An opaque refresh token (Cognito's are encrypted JWE strings).
    static func opaqueToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<48).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ."
            + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Tenovos' (API Gateway's) wording of errors and faults.
    struct Dialect: EmulatorDialect {
        static func forbidden() -> Response { EmulatorReply.json(403, ["message": "Forbidden"]) }
        static func unauthorized() -> Response { EmulatorReply.json(401, ["message": "Unauthorized"]) }
        static func statusError(_ status: Int, _ message: String) -> Response {
            EmulatorReply.json(status, ["status": "error", "message": .string(message)])
        }

        func providerErrorResponse(status: Int) -> Response {
            switch status {
            case 400: Self.statusError(400, "Failed to parse asset: Missing fields")
            case 401: Self.unauthorized()
            case 403: Self.forbidden()
            case 404: Self.statusError(404, "The specified upload does not exist.")
            case 409: Self.statusError(409, "Upload is already being completed")
            case 410: Self.statusError(410, "Upload has expired")
            case 422: Self.statusError(422, "Parts do not match the upload")
            case 429: EmulatorReply.json(429, ["message": "Too Many Requests"])
            case 503: EmulatorReply.json(503, ["message": "Service Unavailable"])
            case 504: EmulatorReply.json(504, ["message": "Endpoint request timed out"])
            case 500...: EmulatorReply.json(status, ["message": "Internal server error"])
            default: Self.statusError(status, "Request failed")
            }
        }

        func failureIn2xxResponse() -> Response {
            Self.statusError(200, "Failed to complete multipart upload")
        }

        var truncatedJSONBody: String { #"{"fileId":"5d1f0a7c","filename":"ca"# }
    }
}
