import Foundation
import HTTPTypes

/// How a provider's own API passes through Splice: which headers carry its credentials, where a client
/// presents its Splice identity, what Splice must keep of a request body, and the calls Splice answers itself.
/// Each provider's folder defines its own; the passthrough pipeline is the same for all.
package struct PassthroughDialect: Sendable {
    /// The headers that carry this provider's credentials. Stripped from every client request (with
    /// ``alwaysStripped``) and from every answer, then the route's real ones are added by its authenticator.
    package var credentialHeaders: [HTTPField.Name]
    /// Where a client presents its Splice client key in the provider's own credential slot (AutoRender's
    /// `Bearer` or `x-api-key`, say); `nil` when the provider proves identity otherwise (a signature).
    package var clientKey: (@Sendable (HTTPFields) -> String?)?
    /// What Splice keeps of a request body before sending it.
    package var bodyHandling: BodyHandling
    /// Calls Splice answers itself, never forwarded (Tenovos' `/auth/token`).
    package var localAnswer: (@Sendable (LocalCall) -> LocalAnswer?)?
    /// Checks a request signed by the client itself (Huawei's SDK signs with AK = client name, SK = client key).
    package var clientSignature: (any ClientSignatureVerifier)?
    /// Which of the client's headers are forwarded (after the credential headers are stripped); all by default.
    package var forwardedHeaders: @Sendable (HTTPFields) -> HTTPFields

    package init(
        credentialHeaders: [HTTPField.Name],
        clientKey: (@Sendable (HTTPFields) -> String?)? = nil,
        bodyHandling: BodyHandling = .stream,
        localAnswer: (@Sendable (LocalCall) -> LocalAnswer?)? = nil,
        clientSignature: (any ClientSignatureVerifier)? = nil,
        forwardedHeaders: @escaping @Sendable (HTTPFields) -> HTTPFields = { $0 }
    ) {
        self.credentialHeaders = credentialHeaders
        self.clientKey = clientKey
        self.bodyHandling = bodyHandling
        self.localAnswer = localAnswer
        self.clientSignature = clientSignature
        self.forwardedHeaders = forwardedHeaders
    }

    /// Credential headers of every provider, stripped whatever the route's provider (a client may send another
    /// provider's header by mistake; none of them is ever forwarded).
    package static let alwaysStripped: [HTTPField.Name] = [
        .authorization, .proxyAuthorization, .cookie, .tenovosAPIKey, .tenovosAccessToken, .huaweiAuthToken,
        .huaweiSdkDate, .huaweiSecurityToken, .spatialgenAppKey,
    ]

    /// Hop-by-hop headers (RFC 9110 §7.6.1), never forwarded in either direction; `Host` is the upstream's.
    package static let hopByHop: Set<String> = [
        "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection",
        "proxy-authenticate", "proxy-authorization", "host", "content-length", "expect",
    ]

    /// What Splice keeps of a request body.
    package enum BodyHandling: Sendable, Equatable {
        /// Streamed through as it arrives; nothing is kept.
        case stream
        /// Kept (up to `limit` bytes) so it can be sent again after a 401; a larger one is streamed, without that retry.
        case keepForRetry(limit: Int)
        /// Needed whole (up to `limit` bytes) to sign it; a larger one is refused with 413, unless the client asked
        /// for an unsigned payload.
        case bufferToSign(limit: Int)
    }

    /// A client call that Splice may answer itself.
    package struct LocalCall: Sendable {
        package var method: HTTPRequest.Method
        /// The path below the route, as received.
        package var path: String
        package var headers: HTTPFields
        package var body: [UInt8]
        package var now: Date

        package init(method: HTTPRequest.Method, path: String, headers: HTTPFields, body: [UInt8], now: Date) {
            self.method = method
            self.path = path
            self.headers = headers
            self.body = body
            self.now = now
        }
    }

    /// Splice's own answer to a local call, in the provider's shape.
    package struct LocalAnswer: Sendable {
        package var response: UpstreamResponse
        /// A login call carries the client's credentials itself (Tenovos: username = client name, password =
        /// client key): Splice checks them before answering.
        package var presented: (name: String, key: String)?

        package init(response: UpstreamResponse, presented: (name: String, key: String)? = nil) {
            self.response = response
            self.presented = presented
        }
    }
}

/// Verifies a client's own request signature (made with its Splice name and client key), before Splice re-signs.
package protocol ClientSignatureVerifier: Sendable {
    /// The client name the request was signed as, or `nil` when it carries no signature of this kind.
    func signer(of request: ClientSignedRequest) -> String?
    /// Whether the request's signature is valid for `key`, and fresh at `now`.
    func verify(_ request: ClientSignedRequest, key: String, now: Date) -> Bool
}

/// A request as the client signed it: as received on Splice's listener.
package struct ClientSignedRequest: Sendable {
    package var method: String
    package var path: String
    package var query: String?
    /// The client's headers as received, `Host` included.
    package var headers: HTTPFields
    package var body: [UInt8]?

    package init(method: String, path: String, query: String?, headers: HTTPFields, body: [UInt8]?) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

extension PassthroughDialect {
    /// The token of `Authorization: Bearer <token>` (scheme in any case).
    package static func bearerToken(_ headers: HTTPFields) -> String? {
        guard let value = headers[.authorization], value.count > 7, value.prefix(7).lowercased() == "bearer " else {
            return nil
        }
        return String(value.dropFirst(7))
    }
}
