import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import SpliceCore

/// Decides when a client connection ends, and says so in the answer that ends it.
///
/// - While the server drains (Hummingbird's quiescing, at graceful shutdown) every answer carries
///   `Connection: close` (with pipelining: the answer to the last request received). Hummingbird
///   closes the connection after it; a keep-alive client told so
///   does not send its next request into a closing connection. A connection that is between two
///   requests when the drain begins is given `lastRequestWindow` to send one more (answered with
///   `Connection: close`) before Hummingbird closes it: a busy keep-alive client has usually sent
///   its next request already, and would otherwise lose it.
/// - An answer sent before its request fully arrived (an early 413, a 401 or 404 that did not need
///   the body) carries `Connection: close`, and the connection ends after it instead of reading a
///   body nobody wants. While the client may still be sending, only the sending side is closed
///   (a lingering close, so that the answer is not lost to a reset); what arrives is dropped until
///   the client closes too, or the request read timeout passes.
/// - An answer whose head says `Connection: close` is followed by closing the connection.
/// - A request that HTTP/1.1 cannot parse (a malformed request line or header, broken chunked
///   encoding) is the client's fault. When no part of it reached the application, it is answered
///   here with the contract's 400 `invalid_request` envelope and a fresh `X-Request-Id` (after the
///   answers still owed to earlier requests), instead of Hummingbird's bare 400. When its head did
///   reach the application, the error is passed on to it: the handler reading the body gets it, and
///   `ErrorEnvelopeMiddleware` answers 400. Either way the connection ends after that answer.
final class ConnectionCloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// How long a connection between two requests may still send one when the drain begins.
    static let lastRequestWindow: TimeAmount = .milliseconds(500)

    private let logger: Logger
    /// The drain's quiesce event, held back from Hummingbird (which would close the connection at
    /// once) while the connection may still send a last request.
    private var heldQuiesce: (event: Any, release: Scheduled<Void>)?
    /// Request heads passed on whose final answer has not been fully sent.
    private var unanswered = 0
    /// A request head was passed on and its end has not arrived.
    private var receiving = false
    /// The server is draining.
    private var draining = false
    /// The answer being sent ends the connection.
    private var closeAfterAnswer = false
    /// The request stream could not be parsed: nothing after the error is passed on.
    private var unparsable = false
    /// A 400 envelope is to be sent once the earlier answers are out.
    private var envelopeOwed: (any Error)?
    /// The connection is ending: further input is dropped.
    private var ending = false

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !unparsable, !ending else { return }
        switch unwrapInboundIn(data) {
        case .head:
            unanswered += 1
            receiving = true
            context.fireChannelRead(data)
            // Hummingbird now counts this request in progress: it closes after answering it.
            releaseQuiesce(context: context)
            return
        case .body:
            break
        case .end:
            receiving = false
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response) where response.status.kind != .informational:
            // The answer to the last request known (pipelined ones before it are answered first).
            let answersLastRequest = unanswered == 1
            let answersUnfinishedRequest = receiving && answersLastRequest
            if (draining && answersLastRequest) || answersUnfinishedRequest || Self.saysClose(response.headerFields) {
                closeAfterAnswer = true
                response.headerFields[.connection] = "close"
                context.write(wrapOutboundOut(.head(response)), promise: promise)
            } else {
                context.write(data, promise: promise)
            }
        case .head, .body:
            context.write(data, promise: promise)
        case .end:
            unanswered = max(0, unanswered - 1)
            if closeAfterAnswer {
                context.writeAndFlush(data, promise: promise)
                endConnection(context: context)
            } else if let error = envelopeOwed, unanswered == 0 {
                context.write(data, promise: promise)
                answerUnparsable(error, context: context)
            } else {
                context.write(data, promise: promise)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent, !draining else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        draining = true
        guard unanswered == 0, !receiving, !ending else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let release = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lastRequestWindow) { [self] in
            releaseQuiesce(context: context)
        }
        heldQuiesce = (event, release)
    }

    func channelInactive(context: ChannelHandlerContext) {
        heldQuiesce?.release.cancel()
        heldQuiesce = nil
        context.fireChannelInactive()
    }

    private func releaseQuiesce(context: ChannelHandlerContext) {
        guard let held = heldQuiesce else { return }
        heldQuiesce = nil
        held.release.cancel()
        context.fireUserInboundEventTriggered(held.event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard Self.isUnparsableRequest(error) else {
            context.fireErrorCaught(error)
            return
        }
        // Later errors (bytes that arrive after the decoder failed) repeat the first one.
        guard !unparsable, !ending else { return }
        unparsable = true
        if receiving {
            // The application has the head and reads (or will read) the body: it gets the error, and
            // its answer ends the connection (`receiving` stays set).
            context.fireErrorCaught(error)
        } else if unanswered == 0 {
            answerUnparsable(error, context: context)
        } else {
            envelopeOwed = error
        }
    }

    /// Errors of the HTTP/1.1 decoder and of the conversion to HTTP types: the client sent something
    /// that is not a valid request. Anything else (a reset connection…) is not answered.
    static func isUnparsableRequest(_ error: any Error) -> Bool {
        error is HTTPParserError || error is HTTP1TypeConversionError || error is ByteToMessageDecoderError
    }

    private static func saysClose(_ fields: HTTPFields) -> Bool {
        fields[values: .connection].contains { value in
            value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "close" }
        }
    }

    private func answerUnparsable(_ error: any Error, context: ChannelHandlerContext) {
        envelopeOwed = nil
        // A decoder error raised because the connection closed has no one to answer.
        guard context.channel.isActive else {
            ending = true
            return
        }
        let requestId = RequestIdMiddleware.makeId()
        let refusal = GatewayError.invalidRequest("the request is not valid HTTP/1.1")
        logger.info(
            "refused",
            metadata: [
                "request_id": "\(requestId)", "status": "\(refusal.status)", "code": "\(refusal.code)",
                "reason": "\(Self.describe(error))",
            ])
        let body = ByteBuffer(bytes: refusal.envelope(requestId: requestId).serialized())
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = "\(body.readableBytes)"
        fields[.connection] = "close"
        fields[.requestId] = requestId
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .badRequest, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        endConnection(context: context)
    }

    /// The parser's own name for what is wrong; never the bytes themselves.
    private static func describe(_ error: any Error) -> String {
        if let parserError = error as? HTTPParserError { return "\(parserError)" }
        return "\(type(of: error))"
    }

    private func endConnection(context: ChannelHandlerContext) {
        ending = true
        guard receiving else {
            context.close(promise: nil)
            return
        }
        // The client may still be sending the body: stop sending, keep reading (and dropping) until
        // it closes too, so that it reads the answer rather than a reset.
        let channel = context.channel
        context.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
    }
}
