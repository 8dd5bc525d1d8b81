@testable import HuaweiSigner
import Testing

@Suite("HuaweiAuthorization")
struct HuaweiAuthorizationTests {
    static let sdkValue =
        "SDK-HMAC-SHA256 Access=HPUABCDEFGHIJKLMNOPQ, SignedHeaders=content-type;host;x-sdk-date, "
        + "Signature=f32c2b5a30cfcf62c154b51c9701c57609dd760cbfae4453a2f46dbc0b941d24"
    static let v11Value =
        "V11-HMAC-SHA256 Credential=HPUABCDEFGHIJKLMNOPQ/20240704/cn-north-4/metastudio, "
        + "SignedHeaders=content-type;host;x-sdk-date, "
        + "Signature=719a8559ac756d75ba2416f1cb4d7c676b52fd2a7288ec0b20ccd62e6d577355"

    @Test("parses SDK-HMAC-SHA256 and round-trips")
    func parseSDK() throws {
        let parsed = try #require(HuaweiAuthorization(parsing: Self.sdkValue))
        #expect(parsed.algorithm == "SDK-HMAC-SHA256")
        #expect(parsed.accessKey == "HPUABCDEFGHIJKLMNOPQ")
        #expect(parsed.signedHeaders == ["content-type", "host", "x-sdk-date"])
        #expect(parsed.signature == "f32c2b5a30cfcf62c154b51c9701c57609dd760cbfae4453a2f46dbc0b941d24")
        #expect(parsed.scope == nil)
        #expect(parsed.headerValue == Self.sdkValue)
        #expect(HuaweiAuthorization(parsing: parsed.headerValue) == parsed)
    }

    @Test("parses V11-HMAC-SHA256 (Credential=AK/scope) and round-trips")
    func parseV11() throws {
        let parsed = try #require(HuaweiAuthorization(parsing: Self.v11Value))
        #expect(parsed.algorithm == "V11-HMAC-SHA256")
        #expect(parsed.accessKey == "HPUABCDEFGHIJKLMNOPQ")
        #expect(parsed.scope == "20240704/cn-north-4/metastudio")
        #expect(parsed.signedHeaders == ["content-type", "host", "x-sdk-date"])
        #expect(parsed.headerValue == Self.v11Value)
    }

    @Test("tolerates missing spaces and upper-case header names, lower-casing them")
    func lenientSpacing() throws {
        let value = " SDK-HMAC-SHA256 Access=AK,SignedHeaders=Host;X-Sdk-Date,Signature=\(String(repeating: "0", count: 64)) "
        let parsed = try #require(HuaweiAuthorization(parsing: value))
        #expect(parsed.signedHeaders == ["host", "x-sdk-date"])
        #expect(parsed.accessKey == "AK")
    }

    @Test(
        "rejects garbage",
        arguments: [
            "",
            "garbage",
            "SDK-HMAC-SHA256",
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc",
            "SDK-HMAC-SM3 Access=AK, SignedHeaders=host, Signature=\(String(repeating: "a", count: 64))",
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host",
            "SDK-HMAC-SHA256 Access=AK, Signature=\(String(repeating: "a", count: 64))",
            "SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature=\(String(repeating: "a", count: 64))",
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=, Signature=\(String(repeating: "a", count: 64))",
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x-sdk-date, Signature=\(String(repeating: "a", count: 64))",
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=abc",
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=\(String(repeating: "A", count: 64))",
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=\(String(repeating: "g", count: 64))",
            "SDK-HMAC-SHA256 Access=AK, Access=AK, SignedHeaders=host, Signature=\(String(repeating: "a", count: 64))",
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=\(String(repeating: "a", count: 64)), Extra=1",
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=\(String(repeating: "a", count: 64)),",
            "SDK-HMAC-SHA256 Credential=AK/20240704/r/s, SignedHeaders=host, Signature=\(String(repeating: "a", count: 64))",
            "V11-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=\(String(repeating: "a", count: 64))",
            "V11-HMAC-SHA256 Credential=AK/20240704/r, SignedHeaders=host, Signature=\(String(repeating: "a", count: 64))",
            "V11-HMAC-SHA256 Credential=/20240704/r/s, SignedHeaders=host, Signature=\(String(repeating: "a", count: 64))",
        ])
    func rejectsGarbage(value: String) {
        #expect(HuaweiAuthorization(parsing: value) == nil)
    }
}
