import Foundation
import HTTPTypes
import SpliceEncoding

/// A passthrough client's `/auth/token` calls, answered by Splice itself: the client never gets the route's
/// real tokens, only placeholders in Tenovos' own response shape, and Splice sends its shared session instead.
enum TenovosLocalAuth {
    /// How long the placeholders say they last; a client refreshes them as it would real ones.
    static let placeholderLifetime: TimeInterval = 3600

    @Sendable static func answer(_ call: PassthroughDialect.LocalCall) -> PassthroughDialect.LocalAnswer? {
        guard call.path == "/auth/token" else { return nil }
        switch call.method {
        case .post:
            guard let body = try? JSONValue.parse(call.body) else { return refusal() }
            if let username = body["username"]?.stringValue, let password = body["password"]?.stringValue {
                return PassthroughDialect.LocalAnswer(
                    response: session(username: username, now: call.now), presented: (username, password))
            }
            guard body["session"]?["refreshToken"]?.stringValue != nil else { return refusal() }
            return PassthroughDialect.LocalAnswer(response: session(username: nil, now: call.now))
        case .delete:
            // Revoking the client's placeholders: the route's shared session stays.
            return PassthroughDialect.LocalAnswer(response: json(200, ["status": "success"]))
        default:
            return nil
        }
    }

    /// Tenovos' `AuthResponse`, with opaque placeholder tokens.
    static func session(username: String?, now: Date) -> UpstreamResponse {
        let expireEpoch = Int((now.timeIntervalSince1970 + placeholderLifetime) * 1000)
        return json(
            200,
            [
                "username": JSONValue(username), "password": "",
                "session": .object([
                    "authorization": JSONValue(placeholder("id")), "accessToken": JSONValue(placeholder("access")),
                    "refreshToken": JSONValue(placeholder("refresh")), "expireEpoch": JSONValue(expireEpoch),
                ]),
            ])
    }

    /// Tenovos' 400 for a body it cannot use.
    static func refusal() -> PassthroughDialect.LocalAnswer {
        PassthroughDialect.LocalAnswer(
            response: json(400, ["status": "error", "message": "Invalid Authentication Parameters"]))
    }

    /// `splice-<kind>-<128 random bits>`: says what it is, and is worth nothing at Tenovos.
    static func placeholder(_ kind: String) -> String { "splice-\(kind)-" + Hex.randomId() }

    static func json(_ status: Int, _ object: JSONObject) -> UpstreamResponse {
        UpstreamResponse(
            status: status, headers: [.contentType: "application/json"], body: ProviderResponse.jsonBody(object))
    }
}
