import Foundation
import NIOCore
import NIOPosix
import SpliceCore
import Synchronization

/// A TCP connection to the gateway that sends bytes exactly as written and collects every byte that
/// comes back: for what HTTP clients will not send (broken framing, slow headers, huge declared
/// lengths) and for seeing the answers as they are on the wire.
///
/// Every wait is bounded (10 s by default), so a gateway that never answers fails the test instead of
/// hanging it.
final class RawConnection: Sendable {
    let channel: any Channel
    private let state: Received
    /// Bytes already returned by `readResponse`.
    private let consumed = Mutex(0)

    private init(channel: any Channel, state: Received) {
        self.channel = channel
        self.state = state
    }

    static func open(port: Int) async throws -> RawConnection {
        let state = Received()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(state: state))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, state: state)
    }

    /// Opens a connection, runs `body`, and closes the connection whatever happens.
    static func with<T: Sendable>(port: Int, _ body: (RawConnection) async throws -> T) async throws -> T {
        let connection = try await open(port: port)
        do {
            let result = try await body(connection)
            connection.close()
            return result
        } catch {
            connection.close()
            throw error
        }
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    func close() {
        channel.close(promise: nil)
    }

    /// Whether the server closed the connection (or it was closed here).
    var isClosed: Bool { state.value.withLock { $0.closed } }

    /// Everything received so far.
    var received: [UInt8] { state.value.withLock { $0.bytes } }

    /// Waits until the server closes the connection; `false` if it is still open after `timeout`.
    func waitUntilClosed(timeout: Duration = .seconds(10)) async -> Bool {
        await poll(timeout: timeout) { $0.closed }
    }

    /// The next answer on the connection (a `100 Continue` counts as one), or `nil` when the connection
    /// closed, or `timeout` passed, before a whole answer arrived.
    func readResponse(timeout: Duration = .seconds(10)) async -> RawResponse? {
        var response: RawResponse?
        _ = await poll(timeout: timeout) { received in
            let start = self.consumed.withLock { $0 }
            guard let (parsed, length) = RawResponse.parse(received.bytes[start...], untilClose: received.closed) else {
                return received.closed
            }
            self.consumed.withLock { $0 = start + length }
            response = parsed
            return true
        }
        return response
    }

    /// Whether some bytes of an answer arrived within `timeout` (beyond those already read).
    func receivesBytes(within timeout: Duration) async -> Bool {
        let start = consumed.withLock { $0 }
        return await poll(timeout: timeout) { $0.bytes.count > start }
    }

    private func poll(timeout: Duration, until condition: (Received.State) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            let snapshot = state.value.withLock { $0 }
            if condition(snapshot) { return true }
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    private final class Received: Sendable {
        struct State: Sendable {
            var bytes: [UInt8] = []
            var closed = false
        }
        let value = Mutex(State())
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let state: Received

        init(state: Received) {
            self.state = state
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            state.value.withLock { $0.bytes += buffer.readableBytesView }
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.value.withLock { $0.closed = true }
            context.fireChannelInactive()
        }
    }
}

/// One HTTP/1.1 answer as it arrived.
struct RawResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    var bodyText: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue? { try? JSONValue.parse(body) }
    var errorCode: String? { json?["error"]?["code"]?.stringValue }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// A whole answer at the start of `bytes` and its length, or `nil` if more bytes are needed.
    /// Without `Content-Length` or chunked framing, the body runs to the end of the connection.
    static func parse(_ bytes: ArraySlice<UInt8>, untilClose closed: Bool) -> (RawResponse, Int)? {
        let bytes = Array(bytes)
        guard let headEnd = find([13, 10, 13, 10], in: bytes, from: 0) else { return nil }
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = RawResponse(status: status, headers: headers, body: [])
        let bodyStart = headEnd + 4
        if (100..<200).contains(status) || status == 204 || status == 304 {
            return (response, bodyStart)
        }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            guard bytes.count >= bodyStart + length else { return nil }
            response.body = Array(bytes[bodyStart..<(bodyStart + length)])
            return (response, bodyStart + length)
        }
        if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            var position = bodyStart
            while true {
                guard let lineEnd = find([13, 10], in: bytes, from: position),
                    let size = Int(String(decoding: bytes[position..<lineEnd], as: UTF8.self), radix: 16)
                else { return nil }
                let chunkStart = lineEnd + 2
                guard bytes.count >= chunkStart + size + 2 else { return nil }
                if size == 0 { return (response, chunkStart + 2) }
                response.body += bytes[chunkStart..<(chunkStart + size)]
                position = chunkStart + size + 2
            }
        }
        guard closed else { return nil }
        response.body = Array(bytes[bodyStart...])
        return (response, bytes.count)
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        for index in start...(bytes.count - needle.count) where Array(bytes[index..<(index + needle.count)]) == needle {
            return index
        }
        return nil
    }
}
