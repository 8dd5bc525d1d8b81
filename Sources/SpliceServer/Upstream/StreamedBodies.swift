import AsyncHTTPClient
import Hummingbird
import NIOCore
import SpliceCore
import Synchronization

/// A client's request body on its way to the provider, read as the provider's connection takes it (so a large
/// upload never sits in Splice's memory), with a signal when it has been read to the end.
struct InboundBodyStream: StreamedBody, AsyncSequence {
    typealias Element = ByteBuffer
    let body: RequestBody
    let length: Int?
    let sent = SentSignal()

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let sent: SentSignal

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else {
                sent.fire()
                return nil
            }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: body.makeAsyncIterator(), sent: sent)
    }
}

/// Fires once, when a streamed request body has been read to its end; waiters resume then.
final class SentSignal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self)
    }

    func fire() { continuation.finish() }

    func wait() async {
        for await _ in stream {}
    }
}

/// A provider's answer body on its way to the client.
struct ProviderBodyStream: StreamedBody {
    let body: HTTPClientResponse.Body
    let length: Int?
}
