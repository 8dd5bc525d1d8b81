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

/// When a streamed request's body started to be read (a connection was ready) and when it was read to its end, and
/// the two deadlines that follow: no connection within the wait limit, no answer within `timeout` of the body's end.
///
/// The deadlines are NIO timers, cancelled (and so removed) as soon as the answer's head arrives. `Task.sleep` was
/// used before, and a cancelled sleep keeps its timer until it would have fired: every answered request left two
/// timers of half a minute behind.
final class BodyProgress: Sendable {
    enum Expiry: Sendable {
        /// No connection began to read the body within the wait limit.
        case noConnection
        /// The provider did not answer in time.
        case deadline
    }

    private struct State {
        var firstRead: ContinuousClock.Instant?
        var ended = false
        var expired: Expiry?
        var waiter: CheckedContinuation<Expiry?, Never>?
        var timers: [Scheduled<Void>] = []
        var stopped = false
    }

    private let created = ContinuousClock.now
    private let state = Mutex(State())
    private let eventLoop: any EventLoop
    private let timeout: TimeAmount

    /// Starts the clock: with a body, the wait for a connection; without one, the deadline at once, allowing for
    /// the connection too, since there is no telling when the request went out.
    init(eventLoop: any EventLoop, hasBody: Bool, timeout: TimeAmount, connectionWaitLimit: TimeAmount) {
        self.eventLoop = eventLoop
        self.timeout = timeout
        if hasBody {
            schedule(in: connectionWaitLimit) { $0.firstRead == nil ? .noConnection : nil }
        } else {
            state.withLock { $0.ended = true }
            schedule(in: timeout + connectionWaitLimit) { _ in .deadline }
        }
    }

    func started() {
        state.withLock { $0.firstRead = $0.firstRead ?? .now }
    }

    /// The body has been read to its end: the provider has `timeout` to answer from now.
    func ended() {
        let first = state.withLock { state in
            defer { state.ended = true }
            return !state.ended
        }
        if first { schedule(in: timeout) { _ in .deadline } }
    }

    /// Returns the first deadline that passes, or `nil` once `stop()` was called (or the task cancelled).
    func expiry() async -> Expiry? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready: Expiry?? = state.withLock { state in
                    if state.stopped { return .some(nil) }
                    if let expired = state.expired { return .some(expired) }
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            stop()
        }
    }

    /// Cancels the timers; a waiting `expiry()` returns `nil`.
    func stop() {
        let (timers, waiter) = state.withLock { state in
            state.stopped = true
            defer {
                state.timers = []
                state.waiter = nil
            }
            return (state.timers, state.waiter)
        }
        for timer in timers { timer.cancel() }
        waiter?.resume(returning: nil)
    }

    private func schedule(in delay: TimeAmount, expiry: @escaping @Sendable (State) -> Expiry?) {
        let timer = eventLoop.scheduleTask(in: delay) { [self] in
            let waiter: CheckedContinuation<Expiry?, Never>?
            let expired: Expiry?
            (waiter, expired) = state.withLock { state in
                guard !state.stopped, state.expired == nil, let expired = expiry(state) else { return (nil, nil) }
                state.expired = expired
                defer { state.waiter = nil }
                return (state.waiter, expired)
            }
            waiter?.resume(returning: expired)
        }
        let stopped = state.withLock { state in
            if !state.stopped { state.timers.append(timer) }
            return state.stopped
        }
        if stopped { timer.cancel() }
    }

    /// Whether a connection has started reading the body.
    var hasStarted: Bool { state.withLock { $0.firstRead != nil } }

    /// From the request's start until its body was first read: the wait for a connection.
    var connectionWait: Duration {
        state.withLock { $0.firstRead.map { created.duration(to: $0) } ?? .zero }
    }
}
