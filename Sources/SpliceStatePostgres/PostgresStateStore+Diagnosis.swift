import Foundation
import Logging
import PostgresNIO
import SpliceCore
import Synchronization

extension PostgresStateStore {
    /// What one direct connection, tried while a lease is late, found. The pool keeps its connect errors to itself
    /// (it only logs them and retries), so this is how a down server or a wrong password fails a call at once
    /// instead of at `connectTimeout`. A failure is reused for a few seconds, so that an outage costs one probe per
    /// interval, not one per request; the probe answers within `timeout` whatever the server does.
    func probe(within timeout: Duration) async -> ProbeFinding {
        let now = ContinuousClock.now
        if let cached = lastDiagnosis.withLock({ $0 }), cached.at.duration(to: now) < Self.diagnosisReuse {
            return .failed(cached.reason)
        }
        let configuration = self.configuration
        let logger = self.logger
        let finding = await firstAnswer(within: timeout, otherwise: .silent) {
            do {
                var probe = try Self.probeConfiguration(configuration)
                probe.options.connectTimeout = .milliseconds(max(1, wholeMilliseconds(timeout)))
                let connection = try await PostgresConnection.connect(configuration: probe, id: 0, logger: logger)
                try? await connection.close()
                return .connected
            } catch {
                return .failed(Self.cause(of: error, configuration))
            }
        }
        if case .failed(let reason) = finding {
            lastDiagnosis.withLock { $0 = Diagnosis(at: now, reason: reason) }
        }
        return finding
    }

    /// How long a lease may be late before the probe runs: connections to a healthy server open in milliseconds.
    static let probeAfter = Duration.seconds(1)
    static let diagnosisReuse = Duration.seconds(5)

    private static func probeConfiguration(_ configuration: Configuration) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch configuration.tls {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        return PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user, password: configuration.password,
            database: configuration.database, tls: tls
        )
    }

    /// `operation`'s answer, or `fallback` if it takes longer than `timeout` (the operation is then cancelled and
    /// left to finish on its own: a connect or a login need not honour cancellation).
    private func firstAnswer(
        within timeout: Duration, otherwise fallback: ProbeFinding, _ operation: @escaping @Sendable () async -> ProbeFinding
    ) async -> ProbeFinding {
        let answer = OneAnswer()
        return await withCheckedContinuation { continuation in
            answer.wait(continuation)
            let work = Task { answer.give(await operation()) }
            Task {
                try? await Task.sleep(for: timeout)
                answer.give(fallback)
                work.cancel()
            }
        }
    }
}

enum ProbeFinding: Sendable, Equatable {
    /// The server refused (the reason says how): the call fails now.
    case failed(String)
    /// The server took a connection: the pool is slow or busy, so the call waits on.
    case connected
    /// No answer within the probe's time.
    case silent
}

/// A probe's failure and when it was found.
struct Diagnosis: Sendable {
    var at: ContinuousClock.Instant
    var reason: String
}

/// Resumes a continuation with the first answer given; later ones are dropped.
private final class OneAnswer: Sendable {
    private let continuation = Mutex<CheckedContinuation<ProbeFinding, Never>?>(nil)

    func wait(_ continuation: CheckedContinuation<ProbeFinding, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func give(_ answer: ProbeFinding) {
        continuation.withLock { $0.take() }?.resume(returning: answer)
    }
}
