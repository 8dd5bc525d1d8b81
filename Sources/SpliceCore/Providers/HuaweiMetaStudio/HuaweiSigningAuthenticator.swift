import Foundation
import HuaweiSigner

/// Signs every attempt afresh with AK/SK: a new `X-Sdk-Date`, over the exact method, path, `Host`,
/// headers and body bytes that go on the wire.
struct HuaweiSigningAuthenticator: UpstreamAuthenticator {
    let signer: HuaweiSigner
    let secrets: [String]
    /// Injected so tests can sign at a fixed time.
    var now: @Sendable () -> Date = { Date() }

    func authorize(_ request: inout UpstreamRequest) async throws(GatewayError) {
        let added = signer.sign(
            method: request.method, host: request.upstream.hostHeader, path: request.wirePath,
            headers: request.headers, body: request.body, date: now())
        for header in added where header.name.lowercased() != "host" {
            request.setHeader(header.name, header.value)
        }
    }

    /// A refused signature is not fixed by signing again with the same keys and clock.
    func renewAfterRejection(of request: UpstreamRequest) async -> Bool { false }

    func sensitiveValues() async -> [String] { secrets }
}
