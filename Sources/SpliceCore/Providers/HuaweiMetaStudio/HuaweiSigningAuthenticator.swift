import Foundation
import HTTPTypes
import HuaweiSigner

/// Signs every attempt afresh with AK/SK: a new `X-Sdk-Date`, over the exact method, path, query, `Host`,
/// headers and body bytes that go on the wire.
struct HuaweiSigningAuthenticator: UpstreamAuthenticator {
    let signer: HuaweiSigner
    let secrets: [String]
    /// Injected so tests can sign at a fixed time.
    let clock: WallClock

    func authorize(_ request: inout UpstreamRequest) async throws(GatewayError) {
        let added = signer.sign(
            method: request.method.rawValue, host: request.upstream.hostHeader, path: request.wirePath,
            query: request.query.map(HuaweiSigner.queryPairs) ?? [],
            headers: request.headers.map { (name: $0.name.rawName, value: $0.value) }, body: request.body,
            date: clock.now())
        for header in added {
            // The signer adds only `X-Sdk-Date` and `Authorization`; `Host` is the transport's.
            guard let name = HTTPField.Name(header.name), name.canonicalName != "host" else { continue }
            request.headers[name] = header.value
        }
    }

    /// A refused signature is not fixed by signing again with the same keys and clock.
    func renewAfterRejection(of request: UpstreamRequest) async -> Bool { false }

    func sensitiveValues() async -> [String] { secrets }
}
