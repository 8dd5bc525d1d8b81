import AsyncHTTPClient
import Hummingbird
import NIOCore
import SpliceCore
import Synchronization

/// A client's request body on its way to the provider, read as the provider's connection takes it, so that a
/// large upload never sits in Splice's memory.
struct InboundBodyStream: StreamedBody {
    let body: RequestBody
    let length: Int?
}

/// A provider's answer body on its way to the client.
struct ProviderBodyStream: StreamedBody {
    let body: HTTPClientResponse.Body
    let length: Int?
}

/// Wraps the body AsyncHTTPClient sends, to learn when it starts reading it (a connection was ready) and when
/// it has read it all (the request is sent): the provider's deadline runs from then.
struct ObservedBody<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let progress: BodyProgress

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let progress: BodyProgress

        mutating func next() async throws -> ByteBuffer? {
            progress.started()
            guard let chunk = try await base.next() else {
                progress.ended()
                return nil
            }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), progress: progress)
    }
}

/// One buffer as an AsyncSequence (a body in memory, observed like a streamed one).
struct SingleBuffer: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffer: ByteBuffer

    struct AsyncIterator: AsyncIteratorProtocol {
        var buffer: ByteBuffer?
        mutating func next() async -> ByteBuffer? {
            defer { buffer = nil }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }
}

/// When a request body started to be read, and a signal, once, when it has been read to its end.
final class BodyProgress: Sendable {
    private let created = ContinuousClock.now
    private let firstRead = Mutex<ContinuousClock.Instant?>(nil)
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self)
    }

    func started() {
        firstRead.withLock { $0 = $0 ?? .now }
    }

    func ended() { continuation.finish() }

    /// Returns once the body has been read to its end.
    func sent() async {
        for await _ in stream {}
    }

    /// Whether a connection has started reading the body.
    var hasStarted: Bool { firstRead.withLock { $0 != nil } }

    /// From the request's start until its body was first read: the wait for a connection.
    var connectionWait: Duration {
        firstRead.withLock { $0.map { created.duration(to: $0) } ?? .zero }
    }
}
