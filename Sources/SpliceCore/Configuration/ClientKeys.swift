import Crypto

/// One client allowed to call Splice, from the config file's `clients` list.
package struct ClientKeyConfiguration: Sendable {
    package var name: String
    package var key: SecretReference
    /// `nil`: every route.
    package var routes: Set<String>?

    package init(name: String, key: SecretReference, routes: Set<String>? = nil) {
        self.name = name
        self.key = key
        self.routes = routes
    }
}

/// The resolved client keys, compared by SHA-256 digest in constant time.
package struct ClientKeys: Sendable {
    struct Entry: Sendable {
        var name: String
        /// Kept for the one check that needs the key itself: a Huawei passthrough client signs with it.
        var key: String
        var digest: SHA256.Digest
        var access: ClientAccess
    }

    let entries: [Entry]
    /// Clients identified by a verified TLS client certificate instead of a key (`access(forCertificate:)`).
    let certificateClients: [ClientCertificateConfiguration]
    /// Whether clients must authenticate (any client is configured, resolved or not).
    package let required: Bool
    /// Clients whose key reference did not resolve (they cannot authenticate), with the reason.
    package let unresolved: [(name: String, reason: String)]

    package static let none = ClientKeys(entries: [], required: false, unresolved: [])

    init(
        entries: [Entry], required: Bool, unresolved: [(name: String, reason: String)],
        certificateClients: [ClientCertificateConfiguration] = []
    ) {
        self.entries = entries
        self.certificateClients = certificateClients
        self.required = required
        self.unresolved = unresolved
    }

    /// Resolves every client's key. A key that does not resolve, or holds a control character (it could not be
    /// sent in a header), leaves its client unable to authenticate, with the reason (never the key).
    /// `certificates`: the clients identified by certificate instead (they, too, make authentication required).
    package init(
        _ configurations: [ClientKeyConfiguration], certificates: [ClientCertificateConfiguration] = [],
        environment: [String: String], directory: String
    ) {
        var entries: [Entry] = []
        var unresolved: [(name: String, reason: String)] = []
        for client in configurations {
            switch client.key.resolve(environment: environment, relativeTo: directory, allowEmpty: false) {
            case .success(let key):
                entries.append(
                    Entry(
                        name: client.name, key: key, digest: SHA256.hash(data: Array(key.utf8)),
                        access: client.routes.map(ClientAccess.routes) ?? .allRoutes))
            case .failure(let failure):
                unresolved.append((name: client.name, reason: failure.reason))
            }
        }
        self.init(
            entries: entries, required: !configurations.isEmpty || !certificates.isEmpty, unresolved: unresolved,
            certificateClients: certificates)
    }

    /// The client of that name (whose key a signature is checked against), or `nil`.
    package func client(named name: String) -> (key: String, access: ClientAccess)? {
        entries.first { $0.name == name }.map { ($0.key, $0.access) }
    }

    /// The access granted to a presented key, or `nil` when it matches no client.
    package func access(forKey key: String) -> (name: String, access: ClientAccess)? {
        let digest = SHA256.hash(data: Array(key.utf8))
        var found: (name: String, access: ClientAccess)?
        // Compare against every entry, without early exit, so timing does not reveal which key matched;
        // `SHA256.Digest`'s `==` is swift-crypto's constant-time comparison.
        for entry in entries {
            let matches = entry.digest == digest
            if matches && found == nil { found = (entry.name, entry.access) }
        }
        return found
    }
}
