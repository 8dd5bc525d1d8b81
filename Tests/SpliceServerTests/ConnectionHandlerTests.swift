import HTTPTypes
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import SpliceServer

/// The timing rules of the connection handlers, on an embedded channel whose clock the test moves:
/// what the socket tests cannot show without racing the server.
@Suite(.timeLimit(.minutes(1))) struct ConnectionHandlerTests {
    static let logger = Logger(label: "splice-test")
    static let request = HTTPRequestPart.head(HTTPRequest(method: .get, scheme: nil, authority: "splice", path: "/livez"))

    /// Records what reaches the end of the pipeline.
    final class Recorder: ChannelInboundHandler {
        typealias InboundIn = HTTPRequestPart
        var events: [String] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head: events.append("head")
            case .body: events.append("body")
            case .end: events.append("end")
            }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelShouldQuiesceEvent { events.append("quiesce") }
        }
    }

    static func closeHandlerChannel() throws -> (EmbeddedChannel, Recorder) {
        let recorder = Recorder()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([ConnectionCloseHandler(logger: logger), recorder])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, recorder)
    }

    /// A connection between two requests when the drain begins: Hummingbird (which would close it at
    /// once) hears of the drain only after the next request arrived, and that request's answer says
    /// `Connection: close`.
    @Test func drainWaitsForTheNextRequestOfAnIdleConnection() throws {
        let (channel, recorder) = try Self.closeHandlerChannel()
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(recorder.events.isEmpty)
        try channel.writeInbound(Self.request)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(recorder.events == ["head", "quiesce", "end"])
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        guard case .head(let answer) = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no answer head")
            return
        }
        #expect(answer.headerFields[.connection] == "close")
        _ = try? channel.finish()
    }

    /// …but not for long: without a request within the window, the drain goes on.
    @Test func drainOfAnIdleConnectionIsHeldOnlyBriefly() throws {
        let (channel, recorder) = try Self.closeHandlerChannel()
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        channel.embeddedEventLoop.advanceTime(by: ConnectionCloseHandler.lastRequestWindow - .milliseconds(1))
        #expect(recorder.events.isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(recorder.events == ["quiesce"])
        _ = try? channel.finish()
    }

    /// A connection with a request in progress hears of the drain at once.
    @Test func drainOfABusyConnectionIsPassedOnAtOnce() throws {
        let (channel, recorder) = try Self.closeHandlerChannel()
        try channel.writeInbound(Self.request)
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(recorder.events == ["head", "quiesce"])
        _ = try? channel.finish()
    }

    /// A pipelined request waiting behind an unanswered one is not timed: the server is the slow one.
    /// Its clock starts when the answer before it has been sent.
    @Test func readTimeoutWaitsForEarlierAnswers() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RequestReadTimeoutHandler(timeout: .seconds(1), logger: Self.logger))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(Self.request)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        try channel.writeInbound(Self.request)  // the second request's head; its body never comes
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(channel.isActive, "the first request is still being answered")
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive, "the second request did not arrive within the timeout")
    }
}
