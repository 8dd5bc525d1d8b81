import Foundation
@testable import HuaweiSigner
import Testing

/// Every vector of the official SDK, stage by stage (PROVIDERS §4.4). Each stage starts from the expected output of
/// the previous one, so a failure points at one stage.
@Suite("Huawei SDK vectors")
struct HuaweiSignerVectorTests {
    @Test("the fixture loads, with all 11 vectors")
    func fixtureLoads() throws {
        let vectors = try HuaweiVector.load()
        #expect(vectors.count == 11)
        #expect(Set(vectors.map(\.name)).count == vectors.count)
        #expect(HuaweiVector.all.count == vectors.count)
    }

    @Test("stage 1: canonical request", arguments: HuaweiVector.all)
    func canonicalRequest(vector: HuaweiVector) {
        #expect(HuaweiSigner.canonicalRequest(vector.input) == vector.expectedCanonicalRequest)
        #expect(vector.signer.canonicalRequest(vector.input) == vector.expectedCanonicalRequest)
    }

    @Test("stage 2: string to sign", arguments: HuaweiVector.all)
    func stringToSign(vector: HuaweiVector) {
        let stringToSign = vector.signer.stringToSign(
            canonicalRequest: vector.expectedCanonicalRequest, sdkDate: vector.sdkDate)
        #expect(stringToSign == vector.expectedStringToSign)
    }

    @Test("stages 3 and 4: signature and Authorization", arguments: HuaweiVector.all)
    func authorization(vector: HuaweiVector) throws {
        let signer = vector.signer
        let signature = signer.signature(stringToSign: vector.expectedStringToSign, sdkDate: vector.sdkDate)
        let expected = try #require(HuaweiAuthorization(parsing: vector.expectedAuthorization))
        #expect(signature == expected.signature)
        let signedHeaders = HuaweiSigner.signedHeaders(vector.input.headers)
        #expect(signedHeaders == expected.signedHeaders.joined(separator: ";"))
        let value = signer.authorization(signedHeaders: signedHeaders, signature: signature, sdkDate: vector.sdkDate)
        #expect(value == vector.expectedAuthorization)
    }

    @Test("all stages: authorization(for:)", arguments: HuaweiVector.all)
    func authorizationForInput(vector: HuaweiVector) {
        #expect(vector.signer.authorization(for: vector.input) == vector.expectedAuthorization)
    }

    @Test("client convenience: sign(...) adds X-Sdk-Date and Authorization", arguments: HuaweiVector.all)
    func signConvenience(vector: HuaweiVector) throws {
        let date = try #require(HuaweiSigner.date(fromSDKDate: vector.sdkDate))
        let added = vector.signer.sign(
            method: vector.method, host: vector.host, path: vector.path, query: vector.query,
            headers: vector.headersWithoutDate, body: vector.body, date: date)
        #expect(added.map(\.name) == ["X-Sdk-Date", "Authorization"])
        #expect(added.map(\.value) == [vector.sdkDate, vector.expectedAuthorization])
    }
}
