import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /metrics`: the gateway's series in the Prometheus text exposition format. No client key: a scraper has
/// none, and no series carries a client, an id or a secret.
struct MetricsController: Sendable {
    let metrics: GatewayMetrics

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func addRoutes(to group: RouterGroup<SpliceRequestContext>) {
        group.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: Self.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
    }
}
