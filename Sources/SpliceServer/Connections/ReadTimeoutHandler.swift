import Logging
import NIOCore
import NIOHTTPTypes

/// Closes a client connection whose request has not fully arrived (head and body) within `timeout` of
/// its first byte: headers sent a byte at a time, a body that trickles, or one that stops half-way.
///
/// It sits after HTTP decoding, where it sees a request's head and end; `RequestBytesProbe`, first in
/// the pipeline, tells it when bytes arrive before any head could be decoded. Waiting for a
/// keep-alive client's next request is the idle timeout's business (Hummingbird's
/// `HTTPConnectionStateHandler`), so the clock only runs from a request's first byte to its end.
///
/// A request that arrives behind earlier ones still waiting for their answers (pipelining) is not
/// timed until those answers are sent: the server, not the client, is the slow one then.
final class RequestReadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private let logger: Logger
    /// Bytes of a request have arrived and its end has not.
    private var receiving = false
    /// The request being received has its head decoded (and so is known to the application).
    private var headReceived = false
    /// The request being received was answered before it fully arrived.
    private var answeredEarly = false
    /// Requests that fully arrived and are still waiting for their answer.
    private var awaitingAnswers = 0
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            headReceived = true
            startReceiving(context: context)
        case .body:
            break
        case .end:
            if !answeredEarly { awaitingAnswers += 1 }
            receiving = false
            headReceived = false
            answeredEarly = false
            cancelDeadline()
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is RequestBytesProbe.BytesArrived else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        startReceiving(context: context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            // Answers go out in order: the oldest request waiting for one got it.
            if awaitingAnswers > 0 {
                awaitingAnswers -= 1
            } else if headReceived {
                answeredEarly = true
            }
            armDeadlineIfDue(context: context)
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    private func startReceiving(context: ChannelHandlerContext) {
        guard !receiving else { return }
        receiving = true
        armDeadlineIfDue(context: context)
    }

    private func armDeadlineIfDue(context: ChannelHandlerContext) {
        guard receiving, awaitingAnswers == 0, deadline == nil else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            deadline = nil
            guard receiving, awaitingAnswers == 0 else { return }
            logger.debug(
                "closing a client connection: its request did not arrive in time",
                metadata: ["request_read_timeout_ms": "\(timeout.nanoseconds / 1_000_000)"])
            context.close(promise: nil)
        }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }
}

/// First in a client connection's pipeline: tells `RequestReadTimeoutHandler` that bytes arrived,
/// before the HTTP decoder may hold them back waiting for the rest of a head.
final class RequestBytesProbe: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    struct BytesArrived: Sendable {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(BytesArrived())
        context.fireChannelRead(data)
    }
}
