import Foundation
@testable import HuaweiSigner
import Testing

/// One vector of `Fixtures/huawei-vectors.json`, produced with the official SDK (huaweicloudsdkcore 3.1.219),
/// turned into the request a Swift client would make.
struct HuaweiVector: Sendable, CustomTestStringConvertible {
    let index: Int
    let name: String
    let credentials: HuaweiCredentials
    let algorithm: HuaweiSigningAlgorithm
    let method: String
    /// The Host value on the wire (the SDK adds it from the request host).
    let host: String
    /// The wire path, percent-encoded.
    let path: String
    /// Decoded query pairs (booleans as `true`/`false`, lists expanded).
    let query: [(name: String, value: String)]
    /// The headers the caller gives, `X-Sdk-Date` included, `Host` not.
    let headers: [(name: String, value: String)]
    let body: [UInt8]?
    let sdkDate: String
    let expectedCanonicalRequest: String
    let expectedStringToSign: String
    let expectedAuthorization: String

    var testDescription: String { "#\(index) \(name)" }

    var signer: HuaweiSigner { HuaweiSigner(credentials: credentials, algorithm: algorithm) }

    /// The signing input: the given headers plus Host, and the payload chosen as the SDK does.
    var input: HuaweiSigningInput {
        HuaweiSigningInput(
            method: method, path: path, query: query,
            headers: headers + [(name: "Host", value: host)],
            payload: HuaweiPayload(body: body, headers: headers)
        )
    }

    /// The given headers without `X-Sdk-Date`, for ``HuaweiSigner/sign(method:host:path:query:headers:body:date:)``.
    var headersWithoutDate: [(name: String, value: String)] {
        headers.filter { $0.name.lowercased() != "x-sdk-date" }
    }

    /// All vectors, or none when the fixture cannot be loaded (``load()`` then fails its own test).
    static let all: [HuaweiVector] = (try? load()) ?? []

    /// Loads and converts the fixture; throws rather than crash when it is missing or has an unknown shape.
    static func load() throws -> [HuaweiVector] {
        guard let url = Bundle.module.url(forResource: "huawei-vectors", withExtension: "json", subdirectory: "Fixtures")
        else { throw FixtureError("Fixtures/huawei-vectors.json is not in the test bundle") }
        let file = try JSONDecoder().decode(VectorFile.self, from: Data(contentsOf: url))
        return try file.vectors.enumerated().map { try HuaweiVector(index: $0.offset, raw: $0.element) }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Raw fixture shape

private struct VectorFile: Decodable {
    let vectors: [RawVector]
}

private struct RawVector: Decodable {
    let name: String
    let inputs: [String: JSONValue]
    let canonicalRequest: String
    let stringToSign: String
    let authorization: String
    let wireBody: String?

    enum CodingKeys: String, CodingKey {
        case name, inputs, authorization
        case canonicalRequest = "canonical_request"
        case stringToSign = "string_to_sign"
        case wireBody = "wire_body"
    }
}

/// Any JSON value: query values may be strings, booleans, numbers or lists; the body may be null.
enum JSONValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The query values the SDK writes for this value: `str(v)`, booleans lower-cased, lists expanded.
    var queryValues: [String] {
        switch self {
        case .null: return ["None"]
        case .bool(let value): return [value ? "true" : "false"]
        case .integer(let value): return [String(value)]
        case .number(let value): return [String(value)]
        case .string(let value): return [value]
        case .array(let values): return values.flatMap(\.queryValues)
        case .object: return []
        }
    }
}

extension HuaweiVector {
    fileprivate init(index: Int, raw: RawVector) throws {
        let inputs = raw.inputs
        func string(_ key: String) throws -> String {
            guard let value = inputs[key]?.string else { throw FixtureError("vector \(raw.name): no string '\(key)'") }
            return value
        }
        self.index = index
        self.name = raw.name
        self.credentials = HuaweiCredentials(accessKey: try string("ak"), secretKey: try string("sk"))
        self.expectedCanonicalRequest = raw.canonicalRequest
        self.expectedStringToSign = raw.stringToSign
        self.expectedAuthorization = raw.authorization

        if inputs["resource_path"] != nil {
            // A request given to the SDK's signer directly.
            self.method = try string("method")
            self.host = try string("host")
            self.path = try string("resource_path")
            guard case .array(let params)? = inputs["query_params"] else {
                throw FixtureError("vector \(raw.name): query_params is not a list")
            }
            self.query = try params.flatMap { param -> [(name: String, value: String)] in
                guard case .array(let pair) = param, pair.count == 2, let key = pair[0].string else {
                    throw FixtureError("vector \(raw.name): a query param is not [key, value]")
                }
                return pair[1].queryValues.map { (name: key, value: $0) }
            }
            guard case .object(let headerObject)? = inputs["headers"] else {
                throw FixtureError("vector \(raw.name): headers is not an object")
            }
            self.headers = try headerObject.map { name, value in
                guard let value = value.string else { throw FixtureError("vector \(raw.name): header \(name)") }
                return (name: name, value: value)
            }
            self.body = try inputs["body"].flatMap { value -> [UInt8]? in
                switch value {
                case .null: return nil
                case .string(let text): return Array(text.utf8)
                default: throw FixtureError("vector \(raw.name): body is neither a string nor null")
                }
            }
            guard let date = headerObject["X-Sdk-Date"]?.string else {
                throw FixtureError("vector \(raw.name): no X-Sdk-Date header")
            }
            self.sdkDate = date
            if case .object(let derived)? = inputs["derived"] {
                guard let region = derived["region"]?.string, let service = derived["service"]?.string else {
                    throw FixtureError("vector \(raw.name): derived needs region and service")
                }
                self.algorithm = .derivedV11(region: region, service: service)
            } else {
                self.algorithm = .sdkHMACSHA256
            }
        } else if inputs["project_id"] != nil {
            // MetaStudioClient.confirm_file_upload built end to end by the SDK: rebuild what it sends.
            let endpoint = try string("endpoint")
            guard let host = URLComponents(string: endpoint)?.host else {
                throw FixtureError("vector \(raw.name): endpoint has no host")
            }
            guard let wireBody = raw.wireBody, let model = inputs["body_model"] else {
                throw FixtureError("vector \(raw.name): no wire_body / body_model")
            }
            // The wire body is the SDK's serialization of body_model (`{"state": "CREATED"}`, with a space).
            let decodedWireBody = try JSONDecoder().decode(JSONValue.self, from: Data(wireBody.utf8))
            guard decodedWireBody == model else {
                throw FixtureError("vector \(raw.name): wire_body does not encode body_model")
            }
            let projectID = try string("project_id")
            self.method = "POST"
            self.host = host
            // Path parameters are inserted as quote(v, safe='').
            self.path =
                "/v1/\(HuaweiSigner.percentEncode(projectID))/files/"
                + "\(HuaweiSigner.percentEncode(try string("file_id")))/complete"
            self.query = []
            self.sdkDate = try string("x_sdk_date")
            self.headers = [
                (name: "X-App-UserId", value: try string("x_app_user_id")),
                (name: "Content-Type", value: "application/json"),
                (name: "User-Agent", value: "huaweicloud-usdk-python/3.0; " + (try string("http_config_user_agent"))),
                (name: "X-Sdk-Date", value: sdkDate),
                (name: "X-Project-Id", value: projectID),
            ]
            self.body = Array(wireBody.utf8)
            self.algorithm = .sdkHMACSHA256
        } else {
            throw FixtureError("vector \(raw.name): unknown inputs shape")
        }
    }
}
