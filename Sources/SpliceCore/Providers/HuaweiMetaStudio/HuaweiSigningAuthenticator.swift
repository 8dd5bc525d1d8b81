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
        request.headers[.huaweiSdkDate] = HuaweiSigner.sdkDate(clock.now())
        request.headers[.authorization] = nil
        let headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        // A streamed body (passthrough, over 12 MiB) is signed as UNSIGNED-PAYLOAD, which its client asked for.
        let payload: HuaweiPayload =
            request.stream == nil ? HuaweiPayload(body: request.body, headers: headers) : .unsigned
        let input = HuaweiSigningInput(
            method: request.method.rawValue, path: request.wirePath,
            query: request.query.map(HuaweiSigner.queryPairs) ?? [],
            headers: headers + [(name: "Host", value: request.upstream.hostHeader)], payload: payload)
        request.headers[.authorization] = signer.authorization(for: input)
    }

    /// A refused signature is not fixed by signing again with the same keys and clock.
    func renewAfterRejection(of request: UpstreamRequest) async -> Bool { false }

    func sensitiveValues() async -> [String] { secrets }
}
