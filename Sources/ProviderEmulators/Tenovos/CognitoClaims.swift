import JWTKit

/// The claims of the Cognito-style tokens the Tenovos emulator issues.
///
/// Tenovos' `session.authorization` is a Cognito ID token (`token_use: "id"`) and `session.accessToken`
/// a Cognito access token (`token_use: "access"`); both carry integer `iat`/`exp` seconds.
struct CognitoClaims: JWTPayload, Equatable {
    var sub: String
    var iss: String
    var tokenUse: String
    var authTime: Int
    var iat: Int
    var exp: Int
    var jti: String
    var originJTI: String
    var eventID: String
    /// ID tokens: the app client id.
    var aud: String?
    /// ID tokens: the user name.
    var cognitoUsername: String?
    /// ID tokens.
    var email: String?
    /// Access tokens: the app client id.
    var clientID: String?
    /// Access tokens: the user name.
    var username: String?
    /// Access tokens.
    var scope: String?

    enum CodingKeys: String, CodingKey {
        case sub, iss, iat, exp, jti, aud, email, username, scope
        case tokenUse = "token_use"
        case authTime = "auth_time"
        case originJTI = "origin_jti"
        case eventID = "event_id"
        case cognitoUsername = "cognito:username"
        case clientID = "client_id"
    }

    /// Signature checks are jwt-kit's; expiry, revocation and `token_use` are checked by the emulator.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
