/// Settings of `splice serve`: from the `--config` file, overridden by command-line flags.
package struct ServerConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = 8080
    package var routesDirectory = "routes"
    /// How long in-flight requests may take to finish after SIGTERM/SIGINT.
    package var shutdownGrace: Duration = .seconds(10)
    /// Client keys; when any are configured, every `/complete` and `/routes` request must present one.
    package var clients: [ClientKeyConfiguration] = []
    /// Clients identified by a verified TLS client certificate (`clients` entries with `certificate:`).
    package var certificateClients: [ClientCertificateConfiguration] = []
    /// HTTPS for every listener (`tls:`); `nil`: plain HTTP. Needs a restart to change.
    package var tls: ListenerTLSConfiguration?
    /// Client connections: idle and read timeouts, and how many may be open at once.
    package var connections = ConnectionLimits()
    /// The state store (`state:`): idempotency keys and the ledger. Without a config file, in the current directory.
    package var state = StateLocation.defaultLocation()
    /// The config file's folder (`.` without one): relative secret files are read from there.
    package var configDirectory = "."
    /// How long an `Idempotency-Key`'s final answer is replayed (`idempotency.ttlSeconds`).
    package var idempotencyTTL: Duration = .seconds(86_400)
    /// How log lines are written (`logFormat`); `--log-format` overrides it.
    package var logFormat: LogFormat = .text

    package static let maximumRequestBytes = 2 * 1024 * 1024

    package init() {}

    static let keys =
        ["host", "port", "routes", "shutdownGraceSeconds", "clients", "state", "idempotency", "tls", "logFormat"] + ConnectionLimits.keys
    static let idempotencyKeys = ["ttlSeconds"]
    /// At most a year: a longer-lived key is a store that only grows.
    static let maximumIdempotencyTTLSeconds = 31_536_000
    static let clientKeys = ["name", "key", "certificate", "routes"]
    static let clientCertificateKeys = ["subject", "san"]
}
