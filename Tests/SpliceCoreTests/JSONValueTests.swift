import Testing

@testable import SpliceCore

@Suite struct JSONValueTests {
    @Test func keepsMemberOrderAndNumberText() throws {
        let text = #"{"z":1,"a":1287340032123,"m":-1.50e3,"s":"é\"\n","n":null,"b":[true,false]}"#
        let value = try JSONValue.parse(text)
        #expect(value.objectValue?.keys == ["z", "a", "m", "s", "n", "b"])
        #expect(value["m"] == .number("-1.50e3"))
        #expect(value.jsonString == text)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONValue.parse(#""\u00e9\ud83c\udfac\/\t""#)
        #expect(value == .string("é🎬/\t"))
        #expect(JSONValue.string("a\u{01}\"").jsonString == #""a\u0001\"""#)
    }

    static let invalid = [
        "", "{", #"{"a":}"#, "[1,]", #"{"a" 1}"#, "01", "1.", "-", "tru", #""\x""#, #""\ud800""#,
        "\"a\u{01}\"", "NaN", "1 2", #"{"a":1}x"#,
    ]

    @Test(arguments: invalid)
    func rejects(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func cutShortInputIsReportedAtTheEnd() {
        let text = #"{"success":true,"data":{"id":"f"#
        #expect {
            _ = try JSONValue.parse(text)
        } throws: { ($0 as? JSONParseError)?.offset == text.utf8.count }
    }

    @Test func refusesDeepNesting() {
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }

    /// The parser keeps every member, repeated keys included; `firstDuplicateKey` finds the first one repeated.
    @Test func firstDuplicateKey() throws {
        let repeated = try #require(try JSONValue.parse(#"{"a":1,"b":2,"b":3,"a":4}"#).objectValue)
        #expect(repeated.keys == ["a", "b", "b", "a"])
        #expect(repeated.firstDuplicateKey == "b")
        #expect(try JSONValue.parse(#"{"a":1,"b":{"a":2}}"#).objectValue?.firstDuplicateKey == nil)
        #expect(JSONObject().firstDuplicateKey == nil)
    }

    @Test func integralValues() throws {
        #expect(try JSONValue.parse("42").intValue == 42)
        #expect(try JSONValue.parse("4.0").integralValue == 4)
        #expect(try JSONValue.parse("1e3").integralValue == 1000)
        #expect(try JSONValue.parse("4.5").integralValue == nil)
    }
}
