import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` with `100 Continue`, so that a client such as curl sends its body at
/// once instead of waiting (a second, for curl) for a server that never says it may.
///
/// No `100 Continue` is sent for a head that `RequestHeadChecks` refuses (a declared body over the
/// limit, an unsupported `Expect`): the final answer comes instead, before the client sends the body.
/// When earlier requests of a pipelining client are still waiting for their answers, the `100
/// Continue` waits for them, since answers go out in order; it is not sent at all once the body has
/// arrived anyway.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let checks: RequestHeadChecks
    /// Request heads passed on whose final answer has not been sent.
    private var unanswered = 0
    /// The newest request wants `100 Continue`, to be sent when the answers before it are out.
    private var continueOwed = false

    init(checks: RequestHeadChecks) {
        self.checks = checks
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            unanswered += 1
            if RequestHeadChecks.expectsContinue(head.headerFields),
                checks.refusal(path: head.path ?? "/", headers: head.headerFields) == nil
            {
                if unanswered == 1 {
                    sendContinue(context: context)
                } else {
                    continueOwed = true
                }
            }
        case .body:
            break
        case .end:
            continueOwed = false
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            // The final answer to the request that wanted `100 Continue`: it is no longer owed.
            if response.status.kind != .informational, unanswered == 1 { continueOwed = false }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            unanswered = max(0, unanswered - 1)
            context.write(data, promise: promise)
            if continueOwed, unanswered == 1 {
                continueOwed = false
                sendContinue(context: context)
            }
        }
    }

    private func sendContinue(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
    }
}
