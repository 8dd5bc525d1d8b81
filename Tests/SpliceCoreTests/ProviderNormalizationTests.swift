import HTTPTypes
import Testing

@testable import SpliceCore

/// Each provider's answers normalized, table-driven: successes into the six `file` fields, failures into
/// the contract's error table.
@Suite struct ProviderNormalizationTests {
    struct SuccessCase: Sendable, CustomTestStringConvertible {
        var name: String
        var provider: String
        var request = #"{"route":"x","uploadId":"u","sessionId":"s","fileId":"f","projectId":"p","parts":[{"partNumber":1,"etag":"e"}]}"#
        var status = 200
        var headers: [String: String] = [:]
        var body: String
        var file: FileInfo
        var requestId: String?
        var testDescription: String { name }
    }

    static let successes: [SuccessCase] = [
        SuccessCase(
            name: "spatialgen", provider: "spatialgen",
            body: #"{"uploadId":"402f","fileRole":"video","fileName":"left-eye.mov","totalBytes":1287340032,"status":"completed","libraryId":null}"#,
            file: FileInfo(id: "402f", name: "left-eye.mov", size: 1_287_340_032)),
        SuccessCase(
            name: "autorender wrapped", provider: "autorender",
            body:
                #"{"success":true,"data":{"id":"fid","name":"big.mp4","url":"https://cdn/x","path":"uploads/videos","format":"mp4","file_size":73400320}}"#,
            file: FileInfo(id: "fid", name: "big.mp4", size: 73_400_320, url: "https://cdn/x", key: "uploads/videos", format: "mp4")),
        SuccessCase(
            name: "autorender flat with size", provider: "autorender",
            body: #"{"id":"fid","name":"big.mp4","url":"https://cdn/x","path":"p","format":"mp4","size":5}"#,
            file: FileInfo(id: "fid", name: "big.mp4", size: 5, url: "https://cdn/x", key: "p", format: "mp4")),
        SuccessCase(
            name: "vp", provider: "gjirafa-vp",
            body: #"{"success":true,"errors":[],"messages":["done"],"result":true,"resultInfo":null,"statusCode":200}"#,
            file: FileInfo()),
        SuccessCase(
            name: "metastudio empty body", provider: "huawei-metastudio", headers: ["X-Request-Id": "abc123"], body: "",
            file: FileInfo(id: "f"), requestId: "abc123"),
        SuccessCase(
            name: "tenovos", provider: "tenovos",
            body: #"{"fileId":"f","filename":"a.mov","action":"Complete","uploadId":"u","s3Key":"masters/x/a.mov","status":"success"}"#,
            file: FileInfo(id: "f", name: "a.mov", key: "masters/x/a.mov")),
    ]

    static func interpret(_ provider: String, request: String, status: Int, headers: [String: String], body: String)
        throws -> CompleteSuccess
    {
        let provider = try #require(ProviderRegistry.standard.provider(named: provider))
        let route = try ProviderDialectTests.route(provider: provider.name, upstream: "https://api.example.com")
        let response = UpstreamResponse(
            status: status, headers: HTTPFields(headers.map { HTTPField(name: HTTPField.Name($0.key)!, value: $0.value) }),
            body: Array(body.utf8))
        return try provider.interpret(response, to: try CompleteRequest(json: Array(request.utf8)), route: route)
    }

    @Test(arguments: successes)
    func normalizesSuccess(_ testCase: SuccessCase) throws {
        let success = try Self.interpret(
            testCase.provider, request: testCase.request, status: testCase.status, headers: testCase.headers,
            body: testCase.body)
        #expect(success.file == testCase.file)
        #expect(success.upstreamRequestId == testCase.requestId)
        #expect(success.upstreamBody == (testCase.body.isEmpty ? nil : try JSONValue.parse(testCase.body)))
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var provider: String
        var status: Int
        var headers: [String: String] = [:]
        var body: String
        var code: GatewayError.Code
        var httpStatus: Int
        var upstreamCode: String? = nil
        var upstreamMessage: String?
        var retryable = false
        var testDescription: String { name }
    }

    static let errors: [ErrorCase] = [
        ErrorCase(
            name: "spatialgen 400", provider: "spatialgen", status: 400, body: #"{"error":"part 3 is missing"}"#,
            code: .upstreamRejected, httpStatus: 400, upstreamMessage: "part 3 is missing"),
        ErrorCase(
            name: "spatialgen 409", provider: "spatialgen", status: 409, body: #"{"message":"expired"}"#,
            code: .upstreamRejected, httpStatus: 409, upstreamMessage: "expired"),
        ErrorCase(
            name: "spatialgen 410", provider: "spatialgen", status: 410, body: #"{"error":"gone"}"#,
            code: .upstreamRejected, httpStatus: 410, upstreamMessage: "gone"),
        ErrorCase(
            name: "spatialgen 422", provider: "spatialgen", status: 422, body: #"{"error":"bad"}"#,
            code: .upstreamRejected, httpStatus: 422, upstreamMessage: "bad"),
        ErrorCase(
            name: "autorender 401", provider: "autorender", status: 401,
            body: #"{"success":false,"error":"Unauthorized","message":"Invalid or missing API key"}"#,
            code: .upstreamAuthFailed, httpStatus: 502, upstreamMessage: "Invalid or missing API key"),
        ErrorCase(
            name: "autorender 404 with code", provider: "autorender", status: 404,
            body: #"{"error":"File not found","code":"FILE_NOT_FOUND"}"#,
            code: .upstreamNotFound, httpStatus: 404, upstreamCode: "FILE_NOT_FOUND", upstreamMessage: "File not found"),
        ErrorCase(
            name: "autorender 429 keeps Retry-After", provider: "autorender", status: 429, headers: ["Retry-After": "7"],
            body: #"{"success":false,"error":"Too many requests"}"#,
            code: .upstreamRateLimited, httpStatus: 429, upstreamMessage: "Too many requests", retryable: true),
        ErrorCase(
            name: "autorender 2xx success:false", provider: "autorender", status: 200,
            body: #"{"success":false,"error":"Upload failed","message":"parts missing"}"#,
            code: .badUpstreamResponse, httpStatus: 502, upstreamMessage: "parts missing"),
        ErrorCase(
            name: "autorender 2xx cut short", provider: "autorender", status: 200, body: #"{"success":true,"data":{"id":"f"#,
            code: .badUpstreamResponse, httpStatus: 502, upstreamMessage: nil),
        ErrorCase(
            name: "autorender 2xx not JSON", provider: "autorender", status: 200, body: "<html><title>OK</title></html>",
            code: .badUpstreamResponse, httpStatus: 502, upstreamMessage: "OK"),
        ErrorCase(
            name: "vp 503 Backend Fetch Failed (HTML)", provider: "gjirafa-vp", status: 503,
            body:
                "<!DOCTYPE html>\n<html><head><title>503 Backend fetch failed</title></head><body><h1>Error 503 Backend fetch failed</h1><p>Guru Meditation:</p></body></html>",
            code: .upstreamError, httpStatus: 502, upstreamMessage: "503 Backend fetch failed", retryable: true),
        ErrorCase(
            name: "vp 2xx result:false", provider: "gjirafa-vp", status: 200,
            body: #"{"success":true,"errors":["not all parts uploaded"],"messages":[],"result":false,"statusCode":200}"#,
            code: .badUpstreamResponse, httpStatus: 502, upstreamMessage: "not all parts uploaded"),
        ErrorCase(
            name: "vp 403", provider: "gjirafa-vp", status: 403,
            body: #"{"success":false,"errors":["Forbidden"],"messages":[],"result":null,"statusCode":403}"#,
            code: .upstreamAuthFailed, httpStatus: 502, upstreamMessage: "Forbidden"),
        ErrorCase(
            name: "metastudio APIGW.0301", provider: "huawei-metastudio", status: 401,
            body: #"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"r1"}"#,
            code: .upstreamAuthFailed, httpStatus: 502, upstreamCode: "APIGW.0301",
            upstreamMessage: "Incorrect IAM authentication information"),
        ErrorCase(
            name: "metastudio APIGW.0308", provider: "huawei-metastudio", status: 429,
            body: #"{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached","request_id":"r2"}"#,
            code: .upstreamRateLimited, httpStatus: 429, upstreamCode: "APIGW.0308",
            upstreamMessage: "The throttling threshold has been reached", retryable: true),
        ErrorCase(
            name: "metastudio MSS.00000004", provider: "huawei-metastudio", status: 500,
            body: #"{"error_code":"MSS.00000004","error_msg":"Internal Error"}"#,
            code: .upstreamError, httpStatus: 502, upstreamCode: "MSS.00000004", upstreamMessage: "Internal Error",
            retryable: true),
        ErrorCase(
            name: "metastudio MSS.00000003", provider: "huawei-metastudio", status: 400,
            body: #"{"error_code":"MSS.00000003","error_msg":"Invalid parameter"}"#,
            code: .upstreamRejected, httpStatus: 400, upstreamCode: "MSS.00000003", upstreamMessage: "Invalid parameter"),
        ErrorCase(
            name: "metastudio file not found sent as 400", provider: "huawei-metastudio", status: 400,
            body: #"{"error_code":"MSS.10001004","error_msg":"The file not found"}"#,
            code: .upstreamNotFound, httpStatus: 404, upstreamCode: "MSS.10001004", upstreamMessage: "The file not found"),
        ErrorCase(
            name: "tenovos 400", provider: "tenovos", status: 400,
            body: #"{"status":"error","message":"Failed to parse asset: Missing fields"}"#,
            code: .upstreamRejected, httpStatus: 400, upstreamMessage: "Failed to parse asset: Missing fields"),
        ErrorCase(
            name: "tenovos 403 gateway default", provider: "tenovos", status: 403, body: #"{"message":"Forbidden"}"#,
            code: .upstreamAuthFailed, httpStatus: 502, upstreamMessage: "Forbidden"),
        ErrorCase(
            name: "tenovos 401 with detail", provider: "tenovos", status: 401,
            body: #"{"message":"Unauthorized","detail":"expired token"}"#,
            code: .upstreamAuthFailed, httpStatus: 502, upstreamMessage: "Unauthorized (expired token)"),
        ErrorCase(
            name: "tenovos 429 gateway default", provider: "tenovos", status: 429, body: #"{"message":"Too Many Requests"}"#,
            code: .upstreamRateLimited, httpStatus: 429, upstreamMessage: "Too Many Requests", retryable: true),
        ErrorCase(
            name: "tenovos 504 gateway default", provider: "tenovos", status: 504,
            body: #"{"message":"Endpoint request timed out"}"#,
            code: .upstreamError, httpStatus: 502, upstreamMessage: "Endpoint request timed out", retryable: true),
        ErrorCase(
            name: "tenovos 2xx status:error", provider: "tenovos", status: 200, body: #"{"status":"error","message":"nope"}"#,
            code: .badUpstreamResponse, httpStatus: 502, upstreamMessage: "nope"),
    ]

    @Test(arguments: errors)
    func normalizesError(_ testCase: ErrorCase) throws {
        #expect {
            _ = try Self.interpret(
                testCase.provider, request: SuccessCase(name: "", provider: "", body: "", file: .init()).request,
                status: testCase.status, headers: testCase.headers, body: testCase.body)
        } throws: { thrown in
            guard let error = thrown as? GatewayError else { return false }
            #expect(error.code == testCase.code)
            #expect(error.status == testCase.httpStatus)
            #expect(error.retryable == testCase.retryable)
            #expect(error.upstream?.status == testCase.status)
            #expect(error.upstream?.code == testCase.upstreamCode)
            #expect(error.upstream?.message == testCase.upstreamMessage)
            #expect(error.provider == testCase.provider)
            // An HTML page never leaks raw.
            #expect(!error.message.contains("<"))
            if testCase.status == 429 { #expect(error.retryAfter == testCase.headers["Retry-After"]) }
            return true
        }
    }

    @Test func metastudioRequestIdFromHeaderOrBody() throws {
        #expect {
            _ = try Self.interpret(
                "huawei-metastudio", request: #"{"route":"x","projectId":"p","fileId":"f"}"#, status: 401, headers: [:],
                body: #"{"error_code":"APIGW.0301","error_msg":"x","request_id":"body-id"}"#)
        } throws: { ($0 as? GatewayError)?.upstream?.requestId == "body-id" }
    }
}
