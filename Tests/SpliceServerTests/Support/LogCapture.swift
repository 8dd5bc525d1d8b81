import Foundation
import Logging
import SpliceCore
import Synchronization

/// Collects every line the gateway logs (message and metadata, as a stream handler would print them),
/// so that tests can search everything the process printed.
///
/// With a `format`, the lines are Splice's own (`TextLogHandler` in that format), so that a test can run in both
/// formats; in `json`, `text` also holds every line's decoded values, so that a search for a secret finds it even
/// where JSON escaping changed its spelling.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    let format: LogFormat?

    init(format: LogFormat? = nil) {
        self.format = format
    }

    var all: [String] { lines.withLock { $0 } }
    var text: String {
        let lines = all
        guard format == .json else { return lines.joined(separator: "\n") }
        return (lines + lines.flatMap(Self.decodedValues)).joined(separator: "\n")
    }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    func logger(label: String = "splice-test", level: Logger.Level = .trace) -> Logger {
        let format = self.format
        var logger = Logger(label: label) { label in
            guard let format else { return Handler(label: label, capture: self) }
            return TextLogHandler(label: label, logLevel: level, format: format) { line in
                // One call per line, `\n` included, as standard error gets it.
                self.append(String(line.dropLast()))
            }
        }
        logger.logLevel = level
        return logger
    }

    /// Every string in a JSON line, decoded (nothing when the line is not JSON).
    static func decodedValues(_ line: String) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else { return [] }
        func strings(_ value: Any) -> [String] {
            switch value {
            case let text as String: [text]
            case let array as [Any]: array.flatMap(strings)
            case let object as [String: Any]: object.keys.map { $0 } + object.values.flatMap(strings)
            default: []
            }
        }
        return strings(object)
    }

    struct Handler: LogHandler {
        let label: String
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) \(label): \(rendered) \(event.message)")
        }
    }
}
