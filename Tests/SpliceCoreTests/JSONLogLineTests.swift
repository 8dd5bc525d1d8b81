import Foundation
import Logging
import SpliceCore
import Synchronization
import Testing

/// `--log-format json`: every line is one JSON object that gives back exactly the values logged, whatever they hold.
@Suite struct JSONLogLineTests {
    static func object(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(parsed as? [String: Any], sourceLocation: sourceLocation)
    }

    static func line(_ metadata: Logger.Metadata, message: String = "complete") -> String {
        TextLogHandler.render(
            format: .json, timestamp: "2026-12-02T01:51:08.123Z", level: .info, label: "splice", message: message,
            metadata: metadata)
    }

    @Test func fixedMembersThenEveryFieldAsAString() throws {
        let line = Self.line(["route": "tenovos", "upstream_ms": "12.5", "attempts": "1", "request_id": "r-1"])
        #expect(
            line
                == #"{"time":"2026-12-02T01:51:08.123Z","level":"info","label":"splice","message":"complete","attempts":"1","request_id":"r-1","route":"tenovos","upstream_ms":"12.5"}"#
        )
        let object = try Self.object(line)
        #expect(object["upstream_ms"] as? String == "12.5")
    }

    /// Values a client chooses (a request id, a path) come back exactly, and cannot end the object or the line.
    @Test(arguments: [
        #"x","status":"500"#, "a\nb", "a\r\nlevel=error", "tab\there", "quote\"and\\backslash", "\u{1b}[31mred",
        "line\u{2028}sep\u{2029}para", "nul\u{0}byte", "del\u{7f}", "c1\u{85}next", "bidi\u{202e}txt", "émoji 🎬",
        "\u{10FFFF}\u{E000}",
    ])
    func hostileValuesComeBackExactly(_ value: String) throws {
        let line = Self.line(["request_id": .string(value), "path": .string(value)], message: value)
        #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{2028}") && !line.contains("\u{2029}"))
        #expect(line.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) })
        let object = try Self.object(line)
        #expect(object["request_id"] as? String == value)
        #expect(object["path"] as? String == value)
        #expect(object["message"] as? String == value)
        #expect(object.count == 6, "no field was forged: \(object.keys)")
    }

    @Test func aFieldNamedLikeAFixedMemberIsPrefixed() throws {
        let object = try Self.object(Self.line(["time": "forged", "level": "critical", "message": "m", "label": "l"]))
        #expect(object["time"] as? String == "2026-12-02T01:51:08.123Z")
        #expect(object["level"] as? String == "info")
        #expect(object["field.time"] as? String == "forged")
        #expect(object["field.level"] as? String == "critical")
    }

    @Test func listsAndNestedMetadataAreArraysAndObjects() throws {
        let object = try Self.object(Self.line(["a": .array(["x", .dictionary(["k": "v"])]), "d": .dictionary(["z": "1"])]))
        let list = try #require(object["a"] as? [Any])
        #expect(list.first as? String == "x")
        #expect((list.last as? [String: Any])?["k"] as? String == "v")
        #expect((object["d"] as? [String: Any])?["z"] as? String == "1")
    }

    /// The handler in `json`: one write per line, the time in UTC to the millisecond, the error as fields.
    @Test func theHandlerWritesOneObjectPerLine() throws {
        let lines = Mutex<[String]>([])
        let handler = TextLogHandler(label: "splice", logLevel: .debug, format: .json) { line in
            lines.withLock { $0.append(line) }
        }
        var logger = Logger(label: "splice") { _ in handler }
        logger.logLevel = .debug
        logger[metadataKey: "route"] = "tenovos"
        logger.debug("upstream answered", metadata: ["status": "401"])
        logger.info("second")
        let written = lines.withLock { $0 }
        #expect(written.count == 2)
        for line in written {
            #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1, "\(line)")
        }
        let object = try Self.object(String(try #require(written.first).dropLast()))
        #expect(object["message"] as? String == "upstream answered")
        #expect(object["level"] as? String == "debug")
        #expect(object["label"] as? String == "splice")
        #expect(object["route"] as? String == "tenovos")
        #expect(object["status"] as? String == "401")
        let time = try #require(object["time"] as? String)
        #expect(time.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "\(time)")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = try #require(formatter.date(from: time), "\(time)")
        #expect(abs(date.timeIntervalSinceNow) < 3600, "UTC, not local time read as UTC")
    }
}
