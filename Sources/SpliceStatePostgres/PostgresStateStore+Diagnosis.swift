import Foundation
import Logging
import PostgresNIO
import SpliceCore
import Synchronization

extension PostgresStateStore {
    /// Why no connection could be had in time. The pool keeps its connect errors to itself (it only logs them), so
    /// one direct connection is tried and its failure named ("password authentication failed", "cannot connect").
    /// The probe answers within `probeTimeout` whatever the server does, and its finding is reused for a few
    /// seconds so that an outage costs one probe per interval, not one per request.
    func diagnoseNoConnection() async -> String {
        let now = ContinuousClock.now
        if let cached = lastDiagnosis.withLock({ $0 }), cached.at.duration(to: now) < Self.diagnosisReuse {
            return cached.reason
        }
        let configuration = self.configuration
        let logger = self.logger
        let silent =
            "no connection within \(configuration.connectTimeout) and no answer to a direct attempt "
            + "(is the server running and reachable?)"
        let reason = await firstAnswer(within: Self.probeTimeout, otherwise: silent) {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try Self.probeConfiguration(configuration), id: 0, logger: logger
                )
                try? await connection.close()
                return "all \(configuration.maximumConnections) connections stayed busy for \(configuration.connectTimeout)"
            } catch {
                return Self.cause(of: error, configuration)
            }
        }
        lastDiagnosis.withLock { $0 = Diagnosis(at: now, reason: reason) }
        return reason
    }

    static let probeTimeout = Duration.seconds(2)
    static let diagnosisReuse = Duration.seconds(5)

    private static func probeConfiguration(_ configuration: Configuration) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch configuration.tls {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        var probe = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user, password: configuration.password,
            database: configuration.database, tls: tls
        )
        probe.options.connectTimeout = .seconds(1)
        return probe
    }

    /// `operation`'s answer, or `fallback` if it takes longer than `timeout` (the operation is then cancelled and
    /// left to finish on its own: a connect or a login need not honour cancellation).
    private func firstAnswer(
        within timeout: Duration, otherwise fallback: String, _ operation: @escaping @Sendable () async -> String
    ) async -> String {
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

/// A probe's finding and when it was made.
struct Diagnosis: Sendable {
    var at: ContinuousClock.Instant
    var reason: String
}

/// Resumes a continuation with the first answer given; later ones are dropped.
private final class OneAnswer: Sendable {
    private let continuation = Mutex<CheckedContinuation<String, Never>?>(nil)

    func wait(_ continuation: CheckedContinuation<String, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func give(_ answer: String) {
        continuation.withLock { $0.take() }?.resume(returning: answer)
    }
}
