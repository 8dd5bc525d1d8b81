import Logging
import Synchronization
import Testing

@testable import SpliceCore

@Suite struct TextLogHandlerTests {
    static func line(_ metadata: Logger.Metadata, message: String = "complete") -> String {
        TextLogHandler.render(
            format: .text, timestamp: "2025-11-21T06:30:12+0000", level: .info, label: "splice", message: message,
            metadata: metadata)
    }

    /// The fields of a rendered line, read the way a log reader splits `key=value` pairs outside quotes.
    static func fields(of line: String) -> [(key: String, value: String)] {
        var fields: [(key: String, value: String)] = []
        var token = ""
        var inQuotes = false
        var escaping = false
        func flush() {
            if let equals = token.firstIndex(of: "="), !token.hasPrefix("\"") {
                fields.append((String(token[..<equals]), String(token[token.index(after: equals)...])))
            }
            token = ""
        }
        for character in line {
            if escaping {
                escaping = false
            } else if character == "\\" && inQuotes {
                escaping = true
            } else if character == "\"" {
                inQuotes.toggle()
            } else if character == " " && !inQuotes {
                flush()
                continue
            }
            token.append(character)
        }
        flush()
        return fields
    }

    @Test func writesTimestampLevelLabelMessageThenSortedFields() {
        #expect(
            Self.line(["status": "200", "route": "spatialgen", "total_ms": "14.268"])
                == "2025-11-21T06:30:12+0000 info splice: complete route=spatialgen status=200 total_ms=14.268")
        #expect(Self.line([:], message: "listening") == "2025-11-21T06:30:12+0000 info splice: listening")
    }

    /// `X-Request-Id: x"status=500` used to print as `request_id=x"status=500`, a second `status` field.
    @Test func aForgedRequestIdCannotAddAField() {
        let line = Self.line(["request_id": #"x"status=500"#, "status": "200"])
        #expect(line.hasSuffix(#" request_id="x\"status=500" status=200"#), "\(line)")
        let fields = Self.fields(of: line)
        #expect(fields.map(\.key) == ["request_id", "status"], "\(line)")
        #expect(fields.filter { $0.key == "status" }.map(\.value) == ["200"])

        let spaced = Self.line(["request_id": "a status=500", "status": "200"])
        #expect(spaced.hasSuffix(#" request_id="a status=500" status=200"#), "\(spaced)")
        #expect(Self.fields(of: spaced).map(\.key) == ["request_id", "status"])
    }

    @Test func controlCharactersAreEscapedSoALineStaysOneLine() {
        let line = Self.line(["request_id": "a\nfake 2025 error splice: x\r\t\u{1B}[31m\u{0}\u{7F}\u{85}\u{2028}\u{202E}\\"])
        #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{1B}") && !line.contains("\u{2028}"))
        #expect(
            line.hasSuffix(#" request_id="a\nfake 2025 error splice: x\r\t\u{1b}[31m\u{0}\u{7f}\u{85}\u{2028}\u{202e}\\""#),
            "\(line)")
        // In the message too.
        #expect(Self.line([:], message: "two\nlines") == #"2025-11-21T06:30:12+0000 info splice: "two\nlines""#)
    }

    @Test func onlyUnsafeValuesAreQuoted() {
        #expect(Self.line(["a": "plain-Value_1.2:3/4"]).hasSuffix(" a=plain-Value_1.2:3/4"))
        #expect(Self.line(["a": ""]).hasSuffix(#" a="""#))
        #expect(Self.line(["a": "é.mov"]).hasSuffix(#" a="é.mov""#))
        #expect(Self.line(["a": #"back\slash"#]).hasSuffix(#" a="back\\slash""#))
        #expect(Self.fields(of: Self.line(["a": .array(["x y", "status=1"]), "b": "1"])).map(\.key) == ["a", "b"])
        // A message with `=` is quoted, so it cannot pose as a field either.
        #expect(Self.line([:], message: "x status=500").hasSuffix(#"splice: "x status=500""#))
    }

    @Test func theHandlerMergesMetadataAndFiltersNothingItself() {
        let lines = Mutex<[String]>([])
        var handler = TextLogHandler(label: "splice", logLevel: .debug) { line in lines.withLock { $0.append(line) } }
        handler[metadataKey: "route"] = "tenovos"
        var logger = Logger(label: "splice") { _ in handler }
        logger.logLevel = .debug
        logger.debug("upstream answered", metadata: ["status": "401", "route": "tenovos-eu"])
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = written.first ?? ""
        #expect(line.hasSuffix(" debug splice: upstream answered route=tenovos-eu status=401\n"), "\(line)")
        #expect(line.filter { $0 == "\n" }.count == 1)
        // `TIMESTAMP` is local time with its offset: 2025-11-21T06:30:12+0000.
        let timestamp = String(line.prefix { $0 != " " })
        #expect(timestamp.count == 24 && timestamp.dropFirst(10).first == "T", "\(timestamp)")
    }
}
