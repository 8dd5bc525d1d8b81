import AsyncHTTPClient
import Hummingbird
import NIOCore
import SpliceCore
import Synchronization

/// A client's request body on its way to the provider, read as the provider's connection takes it, so that a
/// large upload never sits in Splice's memory.
struct InboundBodyStream: StreamedBody {
    let body: InboundBody
    let length: Int?
}

/// A client's request body, read by one reader at a time: AsyncHTTPClient while it sends the body upstream, then
/// Splice itself (`finish`), which reads whatever is left before the answer is complete.
///
/// The server reads the connection's next request from the same NIO stream once the answer is written, and NIO's
/// stream traps when two reads are pending at once. AsyncHTTPClient's body task outlives the exchange when the
/// provider answers before the body's end (it then waits for the client's next bytes), so the handler must not
/// return before that read is over and the body is read to its end: `finish` does both.
final class InboundBody: AsyncSequence, @unchecked Sendable {
    typealias Element = ByteBuffer

    private enum Phase {
        /// Nobody is reading.
        case idle
        /// A read is in flight; only its reader touches `iterator`.
        case reading
        /// The end was read, or reading failed.
        case done
    }

    private struct State {
        var phase = Phase.idle
        /// `finish` was called: AsyncHTTPClient gets no more chunks.
        var closed = false
        /// `finish`, waiting for AsyncHTTPClient's read in flight.
        var closer: CheckedContinuation<Void, Never>?
    }

    /// Touched only by the reader that moved `phase` to `.reading` (`state` orders every hand-over), which is why
    /// the class is `@unchecked Sendable`.
    private var iterator: RequestBody.AsyncIterator
    private let state = Mutex(State())

    init(_ body: RequestBody) {
        self.iterator = body.makeAsyncIterator()
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: InboundBody
        mutating func next() async throws -> ByteBuffer? { try await body.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }

    /// AsyncHTTPClient's read: the next chunk, or `nil` at the end, after `finish`, or while another read is in
    /// flight (a second sender of the same body, which never happens: the exchange sends a streamed body once).
    func next() async throws -> ByteBuffer? {
        let mayRead = state.withLock { state in
            guard state.phase == .idle, !state.closed else { return false }
            state.phase = .reading
            return true
        }
        guard mayRead else { return nil }
        do {
            let chunk = try await iterator.next()
            handBack(ended: chunk == nil)
            return chunk
        } catch {
            handBack(ended: true)
            throw error
        }
    }

    private func handBack(ended: Bool) {
        let closer = state.withLock { state in
            state.phase = ended ? .done : .idle
            defer { state.closer = nil }
            return state.closer
        }
        closer?.resume()
    }

    /// Stops AsyncHTTPClient's reads, waits for one in flight, then reads the rest of the body (discarded), so
    /// that the server finds the connection's next request and nobody else reads. Call it once, before the
    /// handler's answer is complete.
    func finish() async {
        enum Step {
            case done, own, wait
        }
        while true {
            let step: Step = state.withLock { state in
                state.closed = true
                switch state.phase {
                case .done: return .done
                case .reading: return .wait
                case .idle:
                    state.phase = .reading
                    return .own
                }
            }
            switch step {
            case .done:
                return
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let endedMeanwhile = state.withLock { state in
                        guard state.phase == .reading else { return true }
                        state.closer = continuation
                        return false
                    }
                    if endedMeanwhile { continuation.resume() }
                }
            case .own:
                do {
                    while try await iterator.next() != nil {}
                } catch {
                    // The client went away: nothing is left to read.
                }
                state.withLock { $0.phase = .done }
                return
            }
        }
    }
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
