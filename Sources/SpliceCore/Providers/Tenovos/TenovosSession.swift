import Foundation
import JWTKit

/// A Tenovos session: the Cognito ID token (sent raw in `Authorization`), the access token (sent in
/// `AccessToken`) and the refresh token, with when it expires.
struct TenovosSession: Sendable, Equatable {
    var idToken: String
    var accessToken: String
    var refreshToken: String?
    var obtainedAt: Date
    var expiresAt: Date

    /// Refresh ahead of expiry: 5 minutes before, or a tenth of the lifetime when that is shorter.
    var refreshAt: Date {
        let lifetime = max(0, expiresAt.timeIntervalSince(obtainedAt))
        return expiresAt.addingTimeInterval(-min(300, lifetime / 10))
    }

    /// Reads `/auth/token`'s answer: `session.{authorization, accessToken, refreshToken, expireEpoch}`.
    /// The expiry is `expireEpoch` (milliseconds), else the ID token's JWT `exp`, else one hour.
    static func parse(_ body: JSONValue, now: Date) -> TenovosSession? {
        guard let session = body["session"], let idToken = session["authorization"]?.stringValue,
            let accessToken = session["accessToken"]?.stringValue, !idToken.isEmpty, !accessToken.isEmpty
        else { return nil }
        let expiresAt =
            session["expireEpoch"]?.integralValue.map { Date(timeIntervalSince1970: Double($0) / 1000) }
            ?? jwtExpiry(idToken) ?? now.addingTimeInterval(3600)
        return TenovosSession(
            idToken: idToken, accessToken: accessToken, refreshToken: session["refreshToken"]?.stringValue,
            obtainedAt: now, expiresAt: expiresAt)
    }

    /// The `exp` claim of a JWT, read without verifying it (Splice is not the token's audience).
    static func jwtExpiry(_ token: String) -> Date? {
        guard let parsed = try? DefaultJWTParser().parse(Array(token.utf8), as: ExpiryClaims.self) else { return nil }
        return parsed.payload.exp?.value
    }

    var secrets: [String] { [idToken, accessToken] + (refreshToken.map { [$0] } ?? []) }
}

/// Only the claim Splice needs from a Tenovos token.
private struct ExpiryClaims: JWTPayload {
    var exp: ExpirationClaim?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
