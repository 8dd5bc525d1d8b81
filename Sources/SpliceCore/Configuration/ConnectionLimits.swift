import Yams

/// Limits on client connections (config file keys `idleTimeoutSeconds`, `requestReadTimeoutSeconds`,
/// `maximumConnections`).
package struct ConnectionLimits: Sendable, Equatable {
    /// A connection with no request in progress is closed after this long.
    package var idleTimeout: Duration = .seconds(60)
    /// A request's head and body must arrive within this long of its first byte.
    package var requestReadTimeout: Duration = .seconds(30)
    /// At most this many client connections are open at once (further ones wait to be accepted).
    package var maximumConnections = 10_000

    package init() {}

    static let keys = ["idleTimeoutSeconds", "requestReadTimeoutSeconds", "maximumConnections"]

    mutating func parse(_ key: String, _ node: Node, reader: inout YAMLReader) {
        switch key {
        case "maximumConnections":
            guard let value = reader.integer(node, key: key) else { return }
            guard (1...1_000_000).contains(value) else {
                reader.report(node, "'maximumConnections' must be between 1 and 1000000")
                return
            }
            maximumConnections = value
        default:
            let range: ClosedRange<Double> = key == "idleTimeoutSeconds" ? 0.1...3600 : 0.1...600
            guard let seconds = reader.number(node, key: key) else { return }
            guard range.contains(seconds) else {
                reader.report(node, "'\(key)' must be between \(range.lowerBound) and \(Int(range.upperBound))")
                return
            }
            let duration = Duration.milliseconds(Int(seconds * 1000))
            if key == "idleTimeoutSeconds" { idleTimeout = duration } else { requestReadTimeout = duration }
        }
    }
}
