/// One client identified by its verified TLS client certificate instead of a key (`clients[].certificate`).
package struct ClientCertificateConfiguration: Sendable, Equatable {
    package var name: String
    package var match: CertificateMatch
    /// `nil`: every route.
    package var routes: Set<String>?

    package init(name: String, match: CertificateMatch, routes: Set<String>? = nil) {
        self.name = name
        self.match = match
        self.routes = routes
    }
}

/// Which verified client certificate is a client: by its subject or by one of its subject alternative names.
package enum CertificateMatch: Sendable, Equatable {
    /// The subject distinguished name in RFC 4514 form, e.g. `CN=edit-bay-3,O=Studio`.
    case subject(String)
    /// A DNS name, e-mail address or URI among the certificate's subject alternative names.
    case san(String)

    package func matches(_ peer: PeerCertificate) -> Bool {
        switch self {
        case .subject(let subject):
            return Self.normalizedName(subject) == Self.normalizedName(peer.subject)
        case .san(let name):
            return peer.alternativeNames.contains { $0.lowercased() == name.lowercased() }
        }
    }

    /// A distinguished name without the spaces that may surround `,`, `+` and `=`, and with attribute types in
    /// upper case, so that `cn=edit-bay-3, O=Studio` and `CN=edit-bay-3,O=Studio` are the same name.
    static func normalizedName(_ name: String) -> String {
        let pieces = name.split(separator: ",", omittingEmptySubsequences: false).map { rdn in
            rdn.split(separator: "+", omittingEmptySubsequences: false).map { attribute in
                let parts = attribute.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let type = parts[0].trimmingSpaces.uppercased()
                let value = parts.count > 1 ? parts[1].trimmingSpaces : ""
                return type + "=" + value
            }.joined(separator: "+")
        }
        return pieces.joined(separator: ",")
    }
}

/// What Splice knows of a connection's verified client certificate (read once, after the TLS handshake).
package struct PeerCertificate: Sendable, Equatable {
    /// The subject in RFC 4514 form (most specific first), e.g. `CN=edit-bay-3,O=Studio`.
    package var subject: String
    /// Its subject alternative names: DNS names, e-mail addresses and URIs.
    package var alternativeNames: [String]

    package init(subject: String, alternativeNames: [String]) {
        self.subject = subject
        self.alternativeNames = alternativeNames
    }
}

extension ClientKeys {
    /// The client a verified client certificate belongs to (the first matching entry), or `nil`.
    package func access(forCertificate peer: PeerCertificate) -> (name: String, access: ClientAccess)? {
        certificateClients.first { $0.match.matches(peer) }.map { ($0.name, $0.routes.map(ClientAccess.routes) ?? .allRoutes) }
    }

    /// Whether any client is identified by certificate (the listener then asks for client certificates).
    package var identifiesByCertificate: Bool { !certificateClients.isEmpty }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
