import Testing

@testable import SpliceCore

@Suite struct CompleteRequestTests {
    @Test func parsesEveryField() throws {
        let body = #"""
            {"route":"r","action":"cancel","uploadId":"u","sessionId":"s","fileId":"f","projectId":"p",
             "fileName":"a.mov","fileSize":1287340032,"originalFileId":"o",
             "parts":[{"partNumber":2,"etag":"\"b\""},{"partNumber":1,"etag":"\"a\""}],
             "options":{"autoMetaAnalysis":true,"appUserId":"user-42","allowPartialComplete":false}}
            """#
        let request = try CompleteRequest(json: Array(body.utf8))
        #expect(request.route == "r")
        #expect(request.action == .cancel)
        #expect(request.uploadId == "u")
        #expect(request.sessionId == "s")
        #expect(request.fileId == "f")
        #expect(request.projectId == "p")
        #expect(request.fileName == "a.mov")
        #expect(request.fileSize == 1_287_340_032)
        #expect(request.originalFileId == "o")
        // Sent in ascending order, ETags kept as given (quotes included).
        #expect(request.parts == [UploadPart(partNumber: 1, etag: "\"a\""), UploadPart(partNumber: 2, etag: "\"b\"")])
        #expect(request.options == .init(autoMetaAnalysis: true, appUserId: "user-42", allowPartialComplete: false))
    }

    @Test func actionDefaultsToComplete() throws {
        let request = try CompleteRequest(json: Array(#"{"route":"r"}"#.utf8))
        #expect(request.action == .complete)
        #expect(request.parts == nil)
    }

    /// Each invalid body, and a fragment the 400's message must contain.
    static let invalidBodies: [(body: String, message: String)] = [
        ("", "not valid JSON"),
        ("{", "not valid JSON"),
        ("[]", "must be a JSON object"),
        (#"{"route":"r",}"#, "not valid JSON"),
        (#"{}"#, "missing field 'route'"),
        (#"{"route":7}"#, "'route' must be a string"),
        (#"{"route":"r","uploadID":"x"}"#, "unknown field 'uploadID'"),
        (#"{"route":"r","route":"s"}"#, "duplicate key 'route' in the body"),
        (#"{"route":"r","action":"abort"}"#, "must be one of complete, cancel, fail"),
        (#"{"route":"r","action":true}"#, "'action' must be a string"),
        (#"{"route":"r","uploadId":5}"#, "'uploadId' must be a string"),
        (#"{"route":"r","uploadId":""}"#, "'uploadId' must be 1 to 512 characters"),
        (#"{"route":"r","fileId":"a\nb"}"#, "'fileId' must not contain control characters"),
        (#"{"route":"r","fileSize":-1}"#, "'fileSize' must be an integer ≥ 0"),
        (#"{"route":"r","fileSize":1.5}"#, "'fileSize' must be an integer ≥ 0"),
        (#"{"route":"r","fileSize":"12"}"#, "'fileSize' must be an integer ≥ 0"),
        (#"{"route":"r","parts":{}}"#, "'parts' must be an array"),
        (#"{"route":"r","parts":[]}"#, "'parts' must list at least one part"),
        (#"{"route":"r","parts":[1]}"#, "parts[0] must be an object"),
        (#"{"route":"r","parts":[{"partNumber":0,"etag":"a"}]}"#, "parts[0].partNumber must be an integer from 1 to 10000"),
        (#"{"route":"r","parts":[{"partNumber":10001,"etag":"a"}]}"#, "parts[0].partNumber"),
        (#"{"route":"r","parts":[{"partNumber":"1","etag":"a"}]}"#, "parts[0].partNumber"),
        (#"{"route":"r","parts":[{"partNumber":1,"etag":""}]}"#, "parts[0].etag must be a non-empty string"),
        (#"{"route":"r","parts":[{"partNumber":1,"etag":"a","size":3}]}"#, "unknown field 'parts[0].size'"),
        (#"{"route":"r","parts":[{"partNumber":1,"etag":"a"},{"partNumber":1,"etag":"b"}]}"#, "part number 1 appears more than once"),
        (#"{"route":"r","parts":[{"partNumber":1,"etag":"a","etag":"b"}]}"#, "duplicate key 'etag' in parts[0]"),
        (
            #"{"route":"r","parts":[{"partNumber":1,"etag":"a"},{"partNumber":2,"partNumber":3,"etag":"b"}]}"#,
            "duplicate key 'partNumber' in parts[1]"
        ),
        (#"{"route":"r","options":{"appUserId":"a","appUserId":"b"}}"#, "duplicate key 'appUserId' in options"),
        (#"{"route":"r","options":{"autoMetaAnalysis":true,"autoMetaAnalysis":false}}"#, "duplicate key 'autoMetaAnalysis' in options"),
        (#"{"route":"r","options":[]}"#, "'options' must be an object"),
        (#"{"route":"r","options":{"autoMeta":true}}"#, "unknown field 'options.autoMeta'"),
        (#"{"route":"r","options":{"autoMetaAnalysis":"yes"}}"#, "'options.autoMetaAnalysis' must be a boolean"),
        (#"{"route":"r","options":{"allowPartialComplete":1}}"#, "'options.allowPartialComplete' must be a boolean"),
        (#"{"route":"r","options":{"appUserId":42}}"#, "'options.appUserId' must be a string"),
    ]

    @Test(arguments: invalidBodies)
    func rejectsInvalidBody(_ body: String, _ message: String) {
        #expect {
            _ = try CompleteRequest(json: Array(body.utf8))
        } throws: { error in
            guard let error = error as? GatewayError else { return false }
            return error.code == .invalidRequest && error.status == 400 && error.message.contains(message)
        }
    }

    @Test func idsAreBoundedAt512Characters() throws {
        let ok = String(repeating: "x", count: 512)
        #expect(try CompleteRequest(json: Array(#"{"route":"r","uploadId":"\#(ok)"}"#.utf8)).uploadId == ok)
        #expect(throws: GatewayError.self) {
            try CompleteRequest(json: Array(#"{"route":"r","uploadId":"\#(ok)x"}"#.utf8))
        }
    }

    /// Printable ASCII is measured from its bytes and anything else in characters: both give the same limits.
    @Test func idsAndEtagsAreMeasuredInCharactersAndRefuseEveryControl() throws {
        func parsed(uploadId: String, etag: String = "e") throws -> CompleteRequest {
            let part = JSONValue.object(["partNumber": JSONValue(1), "etag": JSONValue(etag)])
            return try CompleteRequest(
                json: JSONValue.object(["route": "r", "uploadId": JSONValue(uploadId), "parts": .array([part])]).serialized())
        }
        let accented = String(repeating: "é", count: 512)  // 1024 bytes
        let combining = String(repeating: "e\u{301}", count: 512)  // 1536 bytes, one character per pair
        #expect(try parsed(uploadId: accented).uploadId == accented)
        #expect(try parsed(uploadId: combining).uploadId == combining)
        #expect(try parsed(uploadId: "u", etag: combining).parts?.first?.etag == combining)
        #expect(throws: GatewayError.self) { try parsed(uploadId: accented + "x") }
        #expect(throws: GatewayError.self) { try parsed(uploadId: "u", etag: accented + "x") }
        for text in ["a\u{7F}b", "a\u{85}b", "a\u{0}b", "a\r\nb", "\u{1F}"] {
            #expect {
                _ = try parsed(uploadId: text)
            } throws: { ($0 as? GatewayError)?.message == "field 'uploadId' must not contain control characters" }
            #expect {
                _ = try parsed(uploadId: "u", etag: text)
            } throws: { ($0 as? GatewayError)?.message.contains("without control characters") == true }
        }
        #expect(try parsed(uploadId: " ~\u{A0}é").uploadId == " ~\u{A0}é")
    }

    @Test func atMost10000Parts() throws {
        func body(_ count: Int) -> [UInt8] {
            let parts = (1...count).map { #"{"partNumber":\#(min($0, 10000)),"etag":"e\#($0)"}"# }
            return Array(#"{"route":"r","parts":[\#(parts.joined(separator: ","))]}"#.utf8)
        }
        #expect(try CompleteRequest(json: body(10_000)).parts?.count == 10_000)
        #expect {
            _ = try CompleteRequest(json: body(10_001))
        } throws: { ($0 as? GatewayError)?.message.contains("at most 10000") == true }
    }

    @Test func unknownFieldNamesAreSanitizedInMessages() {
        #expect {
            _ = try CompleteRequest(json: Array(#"{"route":"r","a\u0007b":1}"#.utf8))
        } throws: { ($0 as? GatewayError)?.message == "unknown field 'ab'" }
    }
}
