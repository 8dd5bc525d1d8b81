import Crypto
import HTTPTypes
import SpliceCore
import SpliceEncoding

/// The operator's page's login cookie. It holds the client's name and an HMAC of that name and its key under a
/// secret made at start-up, never the key: a stolen cookie does not reveal the key, stops working when the key
/// changes or Splice restarts, and is accepted only by this process.
struct ConsoleSessions: Sendable {
    static let cookieName = "splice_console"
    private static let version = "v1"

    private let secret: SymmetricKey

    /// The cookie's attributes: `Secure` as well on a TLS listener, so that it never travels in clear text.
    let attributes: String

    init(secret: SymmetricKey = SymmetricKey(size: .bits256), secure: Bool = false) {
        self.secret = secret
        self.attributes = secure ? Self.baseAttributes + "; Secure" : Self.baseAttributes
    }

    /// The `Set-Cookie` value that logs `client` (whose key is `key`) in.
    func loginCookie(client: String, key: String) -> String {
        let value = [Self.version, Hex.lowercase(Array(client.utf8)), Hex.lowercase(mac(client: client, key: key))]
            .joined(separator: ".")
        return "\(Self.cookieName)=\(value); \(attributes)"
    }

    /// The `Set-Cookie` value that clears the cookie.
    var logoutCookie: String { "\(Self.cookieName)=; Max-Age=0; \(attributes)" }

    /// Sent back to `/console` only, never readable by a script, never sent along from another site's page.
    static let baseAttributes = "Path=/console; HttpOnly; SameSite=Strict"

    /// The client a request's cookie names, when its HMAC matches that client's current key.
    func client(from headers: HTTPFields, keys: ClientKeys) -> ClientIdentity? {
        guard let value = Self.cookie(in: headers) else { return nil }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.version, let nameBytes = Self.bytes(hex: parts[1]),
            let presented = Self.bytes(hex: parts[2]), let name = String(validating: nameBytes, as: UTF8.self),
            let client = keys.client(named: name)
        else { return nil }
        // swift-crypto compares the codes in constant time.
        guard HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: Self.message(client: name, key: client.key), using: secret)
        else { return nil }
        return ClientIdentity(name: name, access: client.access)
    }

    private func mac(client: String, key: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Self.message(client: client, key: key), using: secret))
    }

    /// The name and the key, separated by a byte neither can hold.
    private static func message(client: String, key: String) -> [UInt8] {
        Array("splice-console\u{0}\(client)\u{0}\(key)".utf8)
    }

    /// This cookie's value among the request's `Cookie` headers.
    static func cookie(in headers: HTTPFields) -> Substring? {
        for header in headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == cookieName else { continue }
                return trimmed[trimmed.index(after: equals)...]
            }
        }
        return nil
    }

    private static func bytes(hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard !digits.isEmpty, digits.count % 2 == 0, digits.count <= 1024 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Hex.value(ofDigit: digits[index]), let low = Hex.value(ofDigit: digits[index + 1]) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
