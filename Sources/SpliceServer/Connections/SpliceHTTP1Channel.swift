import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import SpliceCore

/// Hummingbird's HTTP/1.1 child channel with Splice's handling of client connections.
///
/// The pipeline of each client connection, from the socket in:
///
/// | handler | from | does |
/// |---|---|---|
/// | `NIOSSLServerHandler` | Hummingbird's `TLSChannel` (with `tls:` only) | TLS |
/// | `PeerCertificateHandler` | Splice (with `tls.clientCA` only) | records the verified client certificate |
/// | `RequestBytesProbe` | Splice | tells the read timeout that bytes arrived |
/// | HTTP/1.1 encoder and decoder, `HTTP1ToHTTPServerCodec` | NIO (set up by Hummingbird) | |
/// | `ConnectionCloseHandler` | Splice | `Connection: close` while draining or after early answers; envelope for unparsable requests |
/// | `ExpectContinueHandler` | Splice | `100 Continue` |
/// | `RequestReadTimeoutHandler` | Splice | closes a connection whose request does not arrive in time |
/// | `HTTPConnectionStateHandler` | Hummingbird | idle timeout; closes connections when the server quiesces |
///
/// Only `RequestBytesProbe` needs a place of its own (before the decoder); everything else goes
/// through `HTTP1Channel.Configuration.additionalChannelHandlers`.
struct SpliceHTTP1Channel: ServerChildChannel {
    /// Hummingbird's value, with the connection's client certificate box when client certificates are asked for.
    struct Value: ServerChildChannelValue {
        var http1: HTTP1Channel.Value
        var peer: PeerCertificateBox?
        var channel: any Channel { http1.channel }
    }

    let http1: HTTP1Channel
    /// Whether to record the verified client certificate (when the TLS handler asks clients for one).
    var recordsPeerCertificates = false

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let peer = recordsPeerCertificates ? PeerCertificateBox() : nil
        return channel.eventLoop.makeCompletedFuture {
            if let peer { try channel.pipeline.syncOperations.addHandler(PeerCertificateHandler(box: peer)) }
            try channel.pipeline.syncOperations.addHandler(RequestBytesProbe())
        }.flatMap {
            http1.setup(channel: channel, logger: logger)
        }.map { Value(http1: $0, peer: peer) }
    }

    /// Every request of the connection runs in this task: its context reads the box from the task-local.
    func handle(value: Value, logger: Logger) async {
        await PeerCertificateBox.$current.withValue(value.peer) {
            await http1.handle(value: value.http1, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// The gateway's HTTP/1.1 server; with `tls`, HTTPS only (the same handlers, behind Hummingbird's TLS channel).
    static func splice(
        connections: ConnectionLimits, checks: RequestHeadChecks, tls: ListenerTLS? = nil, logger: Logger
    ) -> HTTPServerBuilder {
        let readTimeout = TimeAmount(connections.requestReadTimeout)
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                ConnectionCloseHandler(logger: logger), ExpectContinueHandler(checks: checks),
                RequestReadTimeoutHandler(timeout: readTimeout, logger: logger),
            ],
            idleTimeout: TimeAmount(connections.idleTimeout))
        return HTTPServerBuilder { responder in
            let channel = SpliceHTTP1Channel(
                http1: HTTP1Channel(responder: responder, configuration: configuration),
                recordsPeerCertificates: tls?.asksForClientCertificates ?? false)
            guard let tls else { return channel }
            return try TLSChannel(channel, tlsConfiguration: tls.configuration)
        }
    }
}
