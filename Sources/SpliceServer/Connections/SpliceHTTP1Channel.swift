import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SpliceCore

/// Hummingbird's HTTP/1.1 child channel with Splice's handling of client connections.
///
/// The pipeline of each client connection, from the socket in:
///
/// | handler | from | does |
/// |---|---|---|
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
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RequestBytesProbe())
        }.flatMap {
            http1.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// The gateway's HTTP/1.1 server.
    static func splice(connections: ConnectionLimits, checks: RequestHeadChecks, logger: Logger) -> HTTPServerBuilder {
        let readTimeout = TimeAmount(connections.requestReadTimeout)
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                ConnectionCloseHandler(logger: logger), ExpectContinueHandler(checks: checks),
                RequestReadTimeoutHandler(timeout: readTimeout, logger: logger),
            ],
            idleTimeout: TimeAmount(connections.idleTimeout))
        return HTTPServerBuilder { responder in
            SpliceHTTP1Channel(http1: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}
