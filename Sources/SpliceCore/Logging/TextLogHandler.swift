import Logging
import Synchronization

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How a log line is written (`--log-format`, the config file's `logFormat`).
package enum LogFormat: String, Sendable, CaseIterable {
    /// `TIMESTAMP LEVEL label: message key=value …`, keys sorted; a value that is not plainly safe is quoted
    /// and escaped, so that no value (a client's request id, say) can forge a field or a line.
    case text
    /// One JSON object per line (`JSONLogLine`): `time` (UTC, milliseconds), `level`, `label`, `message`, then
    /// every metadata field as a string.
    case json
}

/// Splice's log handler: one line per event, written to standard error unbuffered (one `write` per line).
///
/// swift-log's `StreamLogHandler` prints `key=value` with the value as it is, so a client's
/// `X-Request-Id: x"status=500` would read as a second `status` field. Here every metadata value that holds
/// anything but safe characters is quoted (`key="x\"status=500"`), with `"` and `\` escaped and control
/// characters written as `\n`, `\r`, `\t` or `\u{1b}`.
package struct TextLogHandler: LogHandler {
    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    package let label: String
    package let format: LogFormat
    private let sink: @Sendable (String) -> Void

    /// - Parameter write: Receives each finished line, `\n` included (standard error by default).
    package init(
        label: String, logLevel: Logger.Level = .info, format: LogFormat = .text,
        metadataProvider: Logger.MetadataProvider? = nil,
        write: @escaping @Sendable (String) -> Void = TextLogHandler.writeToStandardError
    ) {
        self.label = label
        self.logLevel = logLevel
        self.format = format
        self.metadataProvider = metadataProvider
        self.sink = write
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { $1 }
        }
        if let explicit = event.metadata {
            merged.merge(explicit) { $1 }
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let timestamp = format == .json ? JSONLogLine.timestamp() : Self.timestamp()
        sink(
            Self.render(
                format: format, timestamp: timestamp, level: event.level, label: label, message: "\(event.message)",
                metadata: merged) + "\n")
    }

    // MARK: Rendering

    /// One line, without its `\n`.
    package static func render(
        format: LogFormat, timestamp: String, level: Logger.Level, label: String, message: String,
        metadata: Logger.Metadata
    ) -> String {
        switch format {
        case .text:
            var line = ""
            line.reserveCapacity(160 + 48 * metadata.count)
            line += timestamp
            line += " "
            line += level.rawValue
            line += " "
            line += escaped(label, spaceIsSafe: true)
            line += ": "
            line += escaped(message, spaceIsSafe: true)
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
                line += " "
                line += escaped(key, spaceIsSafe: false)
                line += "="
                line += escaped(value.description, spaceIsSafe: false)
            }
            return line
        case .json:
            return JSONLogLine.render(time: timestamp, level: level, label: label, message: message, metadata: metadata)
        }
    }

    /// `text` as it is when every character is safe, else quoted and escaped. Safe: printable ASCII other than
    /// `"`, `=` and `\` (and, in a label or message, the space). An empty value is written `""`.
    static func escaped(_ text: String, spaceIsSafe: Bool) -> String {
        // Bytes, not scalars: every safe character is ASCII, so any other byte sends the text to `quoted`.
        let plain =
            (spaceIsSafe || !text.isEmpty)
            && text.utf8.allSatisfy { byte in
                (byte == UInt8(ascii: " ") && spaceIsSafe)
                    || ((0x21...0x7E).contains(byte) && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "=")
                        && byte != UInt8(ascii: "\\"))
            }
        return plain ? text : quoted(text)
    }

    /// Whether a character could break or disguise a log line (C0 and C1 controls, DEL, line and paragraph
    /// separators, invisible format characters, unassigned ones): both formats write it as an escape.
    static func mustBeEscaped(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse: true
        default: false
        }
    }

    /// `"…"` with `"` and `\` escaped, and every character that could break or disguise a line (C0 and C1
    /// controls, DEL, line and paragraph separators, invisible format characters) written as an escape.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if Self.mustBeEscaped(scalar) {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// Local time with its UTC offset, e.g. `2025-11-21T06:30:12+0000`; formatted once per second, not per line.
    static func timestamp() -> String {
        let now = time(nil)
        if let cached = lastTimestamp.withLock({ $0.second == now ? $0.text : nil }) { return cached }
        let text = formatTimestamp(now)
        lastTimestamp.withLock { $0 = (now, text) }
        return text
    }

    private static let lastTimestamp = Mutex((second: time_t(-1), text: ""))

    private static func formatTimestamp(_ second: time_t) -> String {
        var now = second
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "-" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Writing

    private static let standardErrorLock = Mutex(())

    /// Writes `line` to standard error at once (no buffering), one line at a time across threads.
    package static func writeToStandardError(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            standardErrorLock.withLock { _ in
                var offset = 0
                while offset < bytes.count {
                    let written = write(STDERR_FILENO, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else {
                        return  // standard error is gone: nothing more can be said
                    }
                }
            }
        }
    }
}
