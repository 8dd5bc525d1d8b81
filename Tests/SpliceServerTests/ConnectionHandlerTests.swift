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
