import Testing

@testable import SpliceCore

/// `JSONValue(yaml:)`, which turns the embedded OpenAPI document into the JSON `GET /openapi.json` serves.
@Suite struct JSONValueYAMLTests {
    @Test func keepsOrderAndReadsPlainScalarsAsYAMLDoes() throws {
        let yaml = """
            z: 1
            a: [true, no, ~, 2.5, -7, 0x1F]
            quoted: ["1", 'true', "null"]
            "200":
              text: |
                two
                lines
            when: 2026-12-01T09:00:00Z
            pattern: ^[^\\u0000-\\u001F]*$
            """
        let value = try JSONValue(yaml: yaml)
        #expect(value.objectValue?.keys == ["z", "a", "quoted", "200", "when", "pattern"])
        #expect(
            value["a"]
                == .array([.bool(true), .bool(false), .null, .number("2.5"), .number("-7"), .number("31")]))
        #expect(value["quoted"] == .array(["1", "true", "null"]))
        #expect(value["200"]?["text"] == "two\nlines\n")
        #expect(value["when"] == "2026-12-01T09:00:00Z")
        #expect(value["pattern"] == #"^[^\u0000-\u001F]*$"#)
        #expect(value.jsonString.hasPrefix(#"{"z":1,"a":[true,false,null,2.5,-7,31],"quoted":["1","true","null"]"#))
    }

    static let refused: [(yaml: String, reason: String)] = [
        ("200: ok", "key '200' is not read as a string: quote it"),
        ("a: 1\na: 2", "duplicated key"),
        ("<<: {a: 1}", "merge keys (<<) are not supported"),
        ("? [1]\n: v", "a mapping key must be a string"),
        ("a: .inf", "'.inf' is not a finite number"),
        ("a: [", ""),
        ("", "the document is empty"),
    ]

    @Test(arguments: refused)
    func refuses(_ example: (yaml: String, reason: String)) {
        #expect {
            _ = try JSONValue(yaml: example.yaml)
        } throws: { error in
            guard let error = error as? YAMLToJSONError else { return false }
            return error.reason.contains(example.reason)
        }
    }
}
