import Foundation
@testable import HuaweiSigner
import Testing

private let ak = "HPUABCDEFGHIJKLMNOPQ"
private let sk = "abcdefghijklmnopqrstuvwxyz0123456789ABCD"
private let host = "metastudio.cn-north-4.myhuaweicloud.com"
private let completePath =
    "/v1/6a6a1f8354f64dd9b9a614def7b59d83/files/24bad716-87b1-45e5-8912-6102f7693265/complete"
private let body = Array(#"{"state": "CREATED"}"#.utf8)
/// 2024-07-04T08:00:00Z
private let vectorDate = Date(timeIntervalSince1970: 1_720_080_000)

@Suite("HuaweiSigner")
struct HuaweiSignerTests {
    let signer = HuaweiSigner(credentials: HuaweiCredentials(accessKey: ak, secretKey: sk))

    // MARK: sign(...) convenience, against vectors 1 and 10 written out by hand

    @Test("sign(...) reproduces vector 1 (complete_basic)")
    func signVector1() {
        let added = signer.sign(
            method: "POST", host: host, path: completePath,
            headers: [(name: "Content-Type", value: "application/json")], body: body, date: vectorDate)
        #expect(added.map(\.name) == ["X-Sdk-Date", "Authorization"])
        #expect(added.first?.value == "20240704T080000Z")
        #expect(
            added.last?.value
                == "SDK-HMAC-SHA256 Access=HPUABCDEFGHIJKLMNOPQ, SignedHeaders=content-type;host;x-sdk-date, "
                + "Signature=f32c2b5a30cfcf62c154b51c9701c57609dd760cbfae4453a2f46dbc0b941d24")
    }

    @Test("sign(...) reproduces vector 10 (the SDK's own confirm_file_upload request)")
    func signVector10() {
        let added = signer.sign(
            method: "POST", host: host, path: completePath,
            headers: [
                (name: "Content-Type", value: "application/json"),
                (name: "X-Project-Id", value: "6a6a1f8354f64dd9b9a614def7b59d83"),
                (name: "X-App-UserId", value: "user-42"),
                (name: "User-Agent", value: "huaweicloud-usdk-python/3.0; gateway-vector-test"),
            ],
            body: body, date: vectorDate.addingTimeInterval(0.999))  // fractions of a second are dropped
        #expect(added.first?.value == "20240704T080000Z")
        #expect(
            added.last?.value
                == "SDK-HMAC-SHA256 Access=HPUABCDEFGHIJKLMNOPQ, "
                + "SignedHeaders=content-type;host;user-agent;x-app-userid;x-project-id;x-sdk-date, "
                + "Signature=5d40373e08d3787b0982939cb33e07d6a46855e5e6433369eeafd0274cc62fb0")
    }

    @Test("sign(...) reuses an X-Sdk-Date and a Host already in the headers, as the SDK does")
    func signReusesGivenDateAndHost() {
        let added = signer.sign(
            method: "post", host: "ignored.example.com", path: completePath,
            headers: [
                (name: "content-type", value: "application/json"),
                (name: "x-sdk-date", value: "20240704T080000Z"),
                (name: "HOST", value: host),
            ],
            body: body, date: Date(timeIntervalSince1970: 0))
        #expect(added.map(\.name) == ["Authorization"])
        #expect(added.first?.value.hasSuffix("f32c2b5a30cfcf62c154b51c9701c57609dd760cbfae4453a2f46dbc0b941d24") == true)
    }

    @Test("sign(...) with an absent body and with an empty body agree (empty-body hash)")
    func signEmptyBody() {
        let headers = [(name: "Content-Type", value: "application/json")]
        let absent = signer.sign(method: "POST", host: host, path: completePath, headers: headers, body: nil, date: vectorDate)
        let empty = signer.sign(method: "POST", host: host, path: completePath, headers: headers, body: [], date: vectorDate)
        #expect(absent.map(\.value) == empty.map(\.value))
        #expect(absent.last?.value.hasSuffix("01d5db66698f0f29572811d4e8902e8e949558a321963e62a6f5bfb66079b749") == true)
    }

    // MARK: Sensitivity

    private func input(body: [UInt8]) -> HuaweiSigningInput {
        HuaweiSigningInput(
            method: "POST", path: completePath,
            headers: [
                (name: "Content-Type", value: "application/json"), (name: "Host", value: host),
                (name: "X-Sdk-Date", value: "20240704T080000Z"),
            ],
            payload: .bytes(body))
    }

    @Test("a different secret changes the signature")
    func differentSecret() {
        let other = HuaweiSigner(credentials: HuaweiCredentials(accessKey: ak, secretKey: sk + "x"))
        let mine = HuaweiAuthorization(parsing: signer.authorization(for: input(body: body)))
        let theirs = HuaweiAuthorization(parsing: other.authorization(for: input(body: body)))
        #expect(mine != nil && theirs != nil)
        #expect(mine?.signature != theirs?.signature)
        #expect(mine?.accessKey == theirs?.accessKey)
    }

    @Test("a one-byte body change changes the signature")
    func oneByteBodyChange() {
        var changed = body
        changed[changed.count - 2] ^= 0x01  // "CREATED" -> "CREATEE"
        #expect(signer.authorization(for: input(body: body)) != signer.authorization(for: input(body: changed)))
    }

    @Test("the V11 key is derived per day: a different date changes the signature and the scope")
    func derivedKeyDependsOnDay() throws {
        let v11 = HuaweiSigner(
            credentials: HuaweiCredentials(accessKey: ak, secretKey: sk),
            algorithm: .derivedV11(region: "cn-north-4", service: "metastudio"))
        #expect(v11.scope(sdkDate: "20240704T080000Z") == "20240704/cn-north-4/metastudio")
        #expect(signer.scope(sdkDate: "20240704T080000Z") == nil)
        let first = try #require(HuaweiAuthorization(parsing: v11.authorization(for: input(body: body))))
        var nextDay = input(body: body)
        nextDay.headers[2].value = "20240705T080000Z"
        let second = try #require(HuaweiAuthorization(parsing: v11.authorization(for: nextDay)))
        #expect(first.scope == "20240704/cn-north-4/metastudio")
        #expect(second.scope == "20240705/cn-north-4/metastudio")
        #expect(first.signature != second.signature)
    }

    // MARK: Canonical URI (pitfalls 1 and 2)

    @Test(
        "canonicalURI",
        arguments: [
            // %2F in a path parameter becomes a literal "/" (vector 4).
            ("/v1/p/files/a%2Fb/complete", "/v1/p/files/a/b/complete/"),
            ("/a%2f%2F/", "/a///"),
            // Non-ASCII, literal or encoded: UTF-8, upper-case %XX; "~" kept, ":" and "+" encoded (vector 3).
            ("/files/caf\u{E9}/x", "/files/caf%C3%A9/x/"),
            ("/files/file%20id%2B%c3%a9~%3A1/complete", "/files/file%20id%2B%C3%A9~%3A1/complete/"),
            ("/\u{65E5}\u{672C}/%E6%97%A5", "/%E6%97%A5%E6%9C%AC/%E6%97%A5/"),
            ("/a b+c", "/a%20b%2Bc/"),
            // Trailing slash: added once, never doubled.
            ("/v1", "/v1/"),
            ("/v1/", "/v1/"),
            ("/", "/"),
            ("", "/"),
            // Escapes that are not escapes stay literal and are then encoded (Python's unquote, then quote).
            ("/a/%zz/%4", "/a/%25zz/%254/"),
            ("/x%25y", "/x%25y/"),
            // Ill-formed UTF-8 after decoding becomes U+FFFD per maximal subpart, as CPython's decoder does.
            ("/%F0%80%80A%E2%82", "/%EF%BF%BD%EF%BF%BD%EF%BF%BDA%EF%BF%BD/"),
        ])
    func canonicalURI(path: String, expected: String) {
        #expect(HuaweiSigner.canonicalURI(path) == expected)
    }

    // MARK: Canonical query

    @Test("canonicalQuery sorts by name then value and RFC 3986-encodes both (vector 2)")
    func canonicalQueryVector2() {
        let pairs = [
            (name: "z", value: "last"), (name: "a", value: "x y/z+1~"), (name: "a", value: "0"),
            (name: "empty", value: ""), (name: "flag", value: "true"),
        ]
        #expect(HuaweiSigner.canonicalQuery(pairs) == "a=0&a=x%20y%2Fz%2B1~&empty=&flag=true&z=last")
        #expect(HuaweiSigner.canonicalQuery([]) == "")
    }

    @Test("canonicalQuery orders by code point, like Python, and encodes names too")
    func canonicalQueryOrder() {
        let pairs = [
            (name: "\u{E9}", value: "1"), (name: "b", value: "1"), (name: "B", value: "1"),
            (name: "a b", value: "\u{1F600}"), (name: "e\u{301}", value: "1"),
        ]
        // "B" (0x42) < "a b" < "b" < "e\u{301}" (0x65 ...) < "\u{E9}"; Swift's `<` would equate the last two.
        #expect(
            HuaweiSigner.canonicalQuery(pairs)
                == "B=1&a%20b=%F0%9F%98%80&b=1&e%CC%81=1&%C3%A9=1")
    }

    // MARK: Canonical headers

    @Test("headers: names lower-cased and sorted, values trimmed like str.strip(), '_' names skipped")
    func canonicalHeaders() {
        let headers = [
            (name: "X-Sdk-Date", value: "20240704T080000Z"),
            (name: "X-App-UserId", value: "  user-42  "),
            (name: "X_Custom_Header", value: "not-signed"),
            (name: "Host", value: "\(host):8443"),
            (name: "X-Note", value: "\u{3000}\t inner  space \u{1C}\r\n"),
            (name: "x-dup", value: "first"),
            (name: "X-Dup", value: "second"),
        ]
        #expect(HuaweiSigner.signedHeaders(headers) == "host;x-app-userid;x-dup;x-note;x-sdk-date")
        #expect(
            HuaweiSigner.canonicalHeaders(headers)
                == "host:\(host):8443\nx-app-userid:user-42\nx-dup:second\nx-note:inner  space\nx-sdk-date:20240704T080000Z\n")
    }

    // MARK: Byte-level fast paths, at their boundaries

    @Test("header names: upper case, non-ASCII, '_' after other bytes, prefixes of each other, empty value")
    func headerNameBoundaries() {
        let headers = [
            (name: "X-AB", value: "1"),
            (name: "x-a", value: ""),
            (name: "X-\u{DC}ber", value: " \u{E9} "),
            (name: "\u{DC}_Skipped", value: "no"),
            (name: "X-A-", value: "2"),
            (name: "Ab_C", value: "no"),
        ]
        // "x-a" < "x-a-" < "x-ab" < "x-\u{FC}ber" in code point order; non-ASCII lower-cased as lowercased().
        #expect(HuaweiSigner.signedHeaders(headers) == "x-a;x-a-;x-ab;x-\u{FC}ber")
        #expect(HuaweiSigner.canonicalHeaders(headers) == "x-a:\nx-a-:2\nx-ab:1\nx-\u{FC}ber:\u{E9}\n")
    }

    @Test("the method is upper-cased: ASCII byte by byte, non-ASCII as uppercased()")
    func methodCase() {
        func firstLine(_ method: String) -> String? {
            let input = HuaweiSigningInput(method: method, path: "/", headers: [], payload: .bytes([]))
            return HuaweiSigner.canonicalRequest(input).split(separator: "\n").first.map(String.init)
        }
        #expect(firstLine("post") == "POST")
        #expect(firstLine("PoSt") == "POST")
        #expect(firstLine("DELETE") == "DELETE")
        #expect(firstLine("p\u{F6}st") == "P\u{D6}ST")
    }

    @Test("sign(...) over the slow paths: non-ASCII and escaped path, unicode query, odd headers, padded host")
    func signSlowPaths() {
        let added = signer.sign(
            method: "get", host: " \(host) ", path: "/v1/caf\u{E9}/a%2Fb/%zz",
            query: [(name: "q", value: "\u{65E5} x"), (name: "a", value: "1")],
            headers: [
                (name: "X-\u{DC}ber", value: "\tv "), (name: "x_skip", value: "1"),
                (name: "X-Dup", value: "1"), (name: "x-dup", value: "2"),
            ],
            body: body, date: vectorDate)
        // Signature from an independent Python (hashlib/hmac) computation over the canonical request
        // GET /v1/caf%C3%A9/a/b/%25zz/ ? a=1&q=%E6%97%A5%20x, headers host;x-dup;x-sdk-date;x-\u{FC}ber.
        #expect(
            added.last?.value
                == "SDK-HMAC-SHA256 Access=HPUABCDEFGHIJKLMNOPQ, SignedHeaders=host;x-dup;x-sdk-date;x-\u{FC}ber, "
                + "Signature=6a041b25fca3369cf35f0783e175eb82be2ed31714acefc43ddc7cffe521f7cd")
    }

    // MARK: Payload

    @Test("payload hashes: empty body, UNSIGNED-PAYLOAD, body bytes")
    func payloadHash() {
        #expect(HuaweiSigner.payloadHash(.bytes([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(HuaweiSigner.payloadHash(.unsigned) == "UNSIGNED-PAYLOAD")
        #expect(HuaweiSigner.payloadHash(.bytes(body)) == "7d4facbe24c052639cd92a72bc928c1d6587584f3c6c4fafd2fbc7aa92575a48")
    }

    @Test("HuaweiPayload(body:headers:) decides as the SDK does")
    func payloadFromRequest() {
        let unsigned = [(name: "x-sdk-content-sha256", value: " UNSIGNED-PAYLOAD ")]
        #expect(HuaweiPayload(body: nil, headers: unsigned) == .bytes([]))
        #expect(HuaweiPayload(body: [], headers: unsigned) == .bytes([]))
        #expect(HuaweiPayload(body: body, headers: unsigned) == .unsigned)
        #expect(HuaweiPayload(body: body, headers: []) == .bytes(body))
    }

    // MARK: Percent-encoding

    @Test("percentEncode keeps RFC 3986 unreserved only, upper-case %XX over UTF-8")
    func percentEncode() {
        #expect(HuaweiSigner.percentEncode("AZaz09-_.~") == "AZaz09-_.~")
        #expect(HuaweiSigner.percentEncode("x y/z+1~") == "x%20y%2Fz%2B1~")
        #expect(HuaweiSigner.percentEncode("!*'();:@&=$,?#[]%") == "%21%2A%27%28%29%3B%3A%40%26%3D%24%2C%3F%23%5B%5D%25")
        #expect(HuaweiSigner.percentEncode("\u{E9}\u{1F600}") == "%C3%A9%F0%9F%98%80")
        #expect(HuaweiSigner.percentDecode("a%2fb%zz%4") == Array("a/b%zz%4".utf8))
    }

    // MARK: X-Sdk-Date

    @Test("sdkDate formats UTC %Y%m%dT%H%M%SZ and date(fromSDKDate:) reads it back")
    func sdkDate() throws {
        #expect(HuaweiSigner.sdkDate(vectorDate) == "20240704T080000Z")
        #expect(HuaweiSigner.sdkDate(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
        #expect(HuaweiSigner.sdkDate(Date(timeIntervalSince1970: -0.5)) == "19691231T235959Z")
        #expect(HuaweiSigner.sdkDate(Date(timeIntervalSince1970: 951_825_599)) == "20000229T115959Z")
        #expect(HuaweiSigner.sdkDate(Date(timeIntervalSince1970: 1_573_789_015)) == "20191115T033655Z")
        #expect(HuaweiSigner.date(fromSDKDate: "20240704T080000Z") == vectorDate)
        #expect(HuaweiSigner.date(fromSDKDate: "20000229T115959Z") == Date(timeIntervalSince1970: 951_825_599))
        for value in [
            "", "20240704T080000", "2024-07-04T08:00:00Z", "20230229T000000Z", "20241304T080000Z",
            "20240704T240000Z", "20240704t080000z", "2024070AT080000Z",
        ] {
            #expect(HuaweiSigner.date(fromSDKDate: value) == nil, "\(value)")
        }
        // Round trip over a spread of instants.
        for seconds in stride(from: -2_208_988_800, through: 4_102_444_800, by: 86_399 * 97) {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            #expect(HuaweiSigner.date(fromSDKDate: HuaweiSigner.sdkDate(date)) == date)
        }
    }
}
