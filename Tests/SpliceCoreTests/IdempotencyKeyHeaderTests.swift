@testable import SpliceCore
import Testing

@Suite struct IdempotencyKeyHeaderTests {
    @Test(arguments: [
        ("abc-123", "abc-123"),
        ("\"abc-123\"", "abc-123"),
        (#""a\"b\\c""#, #"a"b\c"#),
        (String(repeating: "k", count: 255), String(repeating: "k", count: 255)),
        ("8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324"),
    ])
    func acceptsBareAndQuotedKeys(header: String, key: String) throws {
        #expect(try IdempotencyKeyHeader.parse(header).get() == key)
    }

    @Test(arguments: [
        "",  // empty
        "\"\"",  // empty quoted
        String(repeating: "k", count: 256),  // too long
        "has space",  // not visible ASCII
        "\"has space\"",
        "caf\u{e9}",  // not ASCII
        "\"open",  // unterminated
        "\"a\"b",  // text after the closing quote
        #""a\nb""#,  // an escape other than \" and \\
        "tab\tkey",
    ])
    func refusesMalformedKeys(header: String) {
        guard case .failure(let error) = IdempotencyKeyHeader.parse(header) else {
            Issue.record("accepted \(header.debugDescription)")
            return
        }
        #expect(error.code == .invalidRequest)
        #expect(error.status == 400)
        #expect(error.message.hasPrefix("malformed Idempotency-Key"))
    }

    @Test func theFingerprintCoversEveryFieldButNotTheSpelling() throws {
        let first = try CompleteRequest(
            json: Array(#"{"route":"sg","uploadId":"u","parts":[{"partNumber":2,"etag":"b"},{"partNumber":1,"etag":"a"}]}"#.utf8))
        let respaced = try CompleteRequest(
            json: Array(#"{ "parts": [{"etag":"a","partNumber":1},{"etag":"b","partNumber":2}], "uploadId":"u", "route":"sg" }"#.utf8))
        #expect(first.fingerprint == respaced.fingerprint)
        #expect(first.fingerprint.utf8.count == 64)

        var otherEtag = first
        otherEtag.parts?[0].etag = "c"
        var otherRoute = first
        otherRoute.route = "other"
        var otherAction = first
        otherAction.action = .cancel
        var withOption = first
        withOption.options.allowPartialComplete = true
        var withSize = first
        withSize.fileSize = 10
        let fingerprints = [first, otherEtag, otherRoute, otherAction, withOption, withSize].map(\.fingerprint)
        #expect(Set(fingerprints).count == fingerprints.count)
    }
}
