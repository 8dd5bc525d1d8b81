import Foundation
import Logging
import Synchronization

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `--log-format json`: one JSON object per line, `{"time":…,"level":…,"label":…,"message":…, fields…}`.
///
/// Every metadata value is a JSON string, as swift-log holds it (`"upstream_ms":"12.5"`, `"attempts":"1"`), so
/// that a field's type never depends on its value; a list or a nested set of metadata is a JSON array or object
/// of strings. A field named like one of the four fixed members is written with a `field.` prefix. Strings are
/// escaped so that no value (a client's request id, say) can end the object or the line: `"`, `\`, every control
/// character, U+2028/U+2029 and invisible format characters are `\uXXXX` escapes (or `\n`, `\r`, `\t`).
package enum JSONLogLine {
    /// The members every line has, in this order.
    static let fixedKeys: Set<String> = ["time", "level", "label", "message"]

    /// One line, without its `\n`.
    package static func render(
        time: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> String {
        var line = ""
        line.reserveCapacity(128 + 48 * metadata.count)
        line += "{\"time\":"
        appendString(time, to: &line)
        line += ",\"level\":"
        appendString(level.rawValue, to: &line)
        line += ",\"label\":"
        appendString(label, to: &line)
        line += ",\"message\":"
        appendString(message, to: &line)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += ","
            appendString(fixedKeys.contains(key) ? "field." + key : key, to: &line)
            line += ":"
            appendValue(value, to: &line)
        }
        line += "}"
        return line
    }

    private static func appendValue(_ value: Logger.MetadataValue, to line: inout String) {
        switch value {
        case .string(let text): appendString(text, to: &line)
        case .stringConvertible(let convertible): appendString(convertible.description, to: &line)
        case .array(let values):
            line += "["
            for (index, element) in values.enumerated() {
                if index > 0 { line += "," }
                appendValue(element, to: &line)
            }
            line += "]"
        case .dictionary(let members):
            line += "{"
            for (index, (key, element)) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { line += "," }
                appendString(key, to: &line)
                line += ":"
                appendValue(element, to: &line)
            }
            line += "}"
        }
    }

    /// `text` as a JSON string.
    static func appendString(_ text: String, to line: inout String) {
        line += "\""
        // Most values are plain ASCII: appended whole, without looking at each scalar's properties.
        if text.utf8.allSatisfy({ (0x20...0x7E).contains($0) && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            line += text
            line += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            default:
                if TextLogHandler.mustBeEscaped(scalar) {
                    appendEscape(scalar.value, to: &line)
                } else {
                    line.unicodeScalars.append(scalar)
                }
            }
        }
        line += "\""
    }

    /// `\uXXXX`, as a UTF-16 surrogate pair above U+FFFF.
    private static func appendEscape(_ value: UInt32, to line: inout String) {
        guard value > 0xFFFF else {
            line += "\\u"
            line += hex4(value)
            return
        }
        let offset = value - 0x10000
        line += "\\u" + hex4(0xD800 + (offset >> 10)) + "\\u" + hex4(0xDC00 + (offset & 0x3FF))
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    // MARK: Time

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-12-02T01:51:08.123Z`; the part up to the second is formatted
    /// once per second, not per line.
    static func timestamp() -> String {
        let milliseconds = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let second = time_t(milliseconds / 1000)
        let fractionDigits = Int(milliseconds % 1000)
        let prefix: String
        if let cached = lastSecond.withLock({ $0.second == second ? $0.text : nil }) {
            prefix = cached
        } else {
            prefix = formatSecond(second)
            lastSecond.withLock { $0 = (second, prefix) }
        }
        let fraction = String(fractionDigits)
        return prefix + "." + String(repeating: "0", count: 3 - fraction.count) + fraction + "Z"
    }

    private static let lastSecond = Mutex((second: time_t(-1), text: ""))

    private static func formatSecond(_ second: time_t) -> String {
        var time = second
        var utc = tm()
        guard gmtime_r(&time, &utc) != nil else { return "1970-01-01T00:00:00" }
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &utc)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
