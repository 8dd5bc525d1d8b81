/// A request as an emulator received it, for tests that check what went on the wire.
package struct ReceivedRequest: Sendable {
    /// The HTTP method, e.g. `POST`.
    package var method: String
    /// The raw request target as received: percent-encoding untouched, with the query.
    package var uri: String
    /// The header fields as received (`Host` first, rebuilt from the request's authority).
    package var headers: [(name: String, value: String)]
    /// The body bytes as received.
    package var body: [UInt8]

    /// Creates a received request.
    package init(method: String, uri: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name`, compared case-insensitively.
    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return self.headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The body decoded as UTF-8 (lossy), for test diagnostics.
    package var bodyText: String {
        String(decoding: self.body, as: UTF8.self)
    }
}
