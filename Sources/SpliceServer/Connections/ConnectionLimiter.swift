import HummingbirdCore
import Logging
import Synchronization

/// Bounds the number of open client connections, with Hummingbird's own mechanism: at the bound the
/// server stops accepting, so further clients wait in the listen backlog until a connection closes,
/// instead of taking file descriptors the process may not have. Reaching the bound is logged as a
/// warning, at most once per `warningInterval`.
///
/// NIO accepts up to four connections per wake-up, so a burst may open up to three more than the bound.
package struct ConnectionLimiter: AvailableConnectionsDelegate {
    package let maximum: Int
    private var open = 0
    private let warning: RateLimitedWarning

    package init(maximum: Int, logger: Logger, warningInterval: Duration = .seconds(60)) {
        self.maximum = max(1, maximum)
        self.warning = RateLimitedWarning(logger: logger, interval: warningInterval)
    }

    package mutating func connectionOpened() { open += 1 }

    package mutating func connectionClosed() { open -= 1 }

    package func isAcceptingNewConnections() -> Bool {
        guard open < maximum else {
            warning.log(open: open, maximum: maximum)
            return false
        }
        return true
    }
}

/// The "connection limit reached" line, at most once per interval.
private final class RateLimitedWarning: Sendable {
    let logger: Logger
    let interval: Duration
    private let lastLogged = Mutex<ContinuousClock.Instant?>(nil)

    init(logger: Logger, interval: Duration) {
        self.logger = logger
        self.interval = interval
    }

    func log(open: Int, maximum: Int) {
        let now = ContinuousClock.now
        let due = lastLogged.withLock { last in
            guard last.map({ $0.duration(to: now) >= interval }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        logger.warning(
            "connection limit reached: new connections wait until one closes",
            metadata: ["open": "\(open)", "maximum_connections": "\(maximum)"])
    }
}
