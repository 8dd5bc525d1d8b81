import Foundation
import SpliceCore
import Testing

@testable import SpliceServer

/// `GET /openapi.json` and its source, `docs/openapi.yaml`.
@Suite struct OpenAPIDocumentTests {
    static let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")

    /// Every path the document describes; passthrough (`/{route}/…`) is the providers' own API and left out.
    static let documentedPaths: Set<String> = [
        "/complete", "/routes", "/livez", "/readyz", "/ledger", "/metrics", "/openapi.json", "/console", "/console/login",
        "/console/logout", "/admin/reload",
    ]

    /// Forgetting `scripts/generate-openapi.sh` after editing the YAML fails here.
    @Test func embeddedCopyIsDocsOpenAPIYamlByteForByte() throws {
        let onDisk = try Data(contentsOf: Self.source)
        let embedded = Data(OpenAPIDocument.yaml.utf8)
        #expect(embedded.count == onDisk.count, "run scripts/generate-openapi.sh")
        #expect(embedded == onDisk, "run scripts/generate-openapi.sh")
    }

    @Test func servedDocumentIsTheYAMLAsJSONAndListsEveryPath() async throws {
        let expected = try JSONValue(yaml: String(contentsOf: Self.source, encoding: .utf8))
        try await withGateway { gateway in
            let answer = try await gateway.get("/openapi.json")
            #expect(answer.status == 200)
            #expect(answer.header("Content-Type") == "application/json; charset=utf-8")
            #expect(answer.header("X-Request-Id")?.isEmpty == false)
            let document = try #require(answer.json, "not JSON: \(answer.bodyText.prefix(200))")
            #expect(document == expected)
            #expect(document["openapi"]?.stringValue?.hasPrefix("3.1.") == true)
            let paths = try #require(document["paths"]?.objectValue)
            #expect(Set(paths.keys) == Self.documentedPaths)
            #expect(paths.firstDuplicateKey == nil)
            // The error envelope, which every non-2xx answer uses.
            #expect(document["components"]?["schemas"]?["ErrorEnvelope"]?["required"] == .array(["error", "requestId"]))
        }
    }

    /// Each of the gateway's own endpoints is in the document.
    @Test func everyGatewayEndpointIsDocumented() {
        #expect(SpliceGateway.endpoints.isSubset(of: Self.documentedPaths))
    }

    /// Every error code the document names exists, and the error codes of the gateway are all in it.
    @Test func documentNamesTheGatewaysErrorCodes() throws {
        let document = try JSONValue(yaml: OpenAPIDocument.yaml)
        let codes = try #require(document["components"]?["schemas"]?["ErrorCode"]?["enum"]?.arrayValue).compactMap(\.stringValue)
        let gateway: [GatewayError.Code] = [
            .invalidRequest, .payloadTooLarge, .unknownRoute, .unsupportedAction, .routeUnavailable, .unauthorized,
            .forbidden, .notFound, .methodNotAllowed, .notReady, .upstreamRejected, .upstreamNotFound, .upstreamAuthFailed,
            .upstreamRateLimited, .upstreamError, .badUpstreamResponse, .upstreamTimeout, .upstreamUnreachable,
            .internalError, .idempotencyKeyReused, .idempotencyKeyInUse, .stateUnavailable, .shuttingDown,
            .invalidConfiguration,
        ]
        for code in gateway { #expect(codes.contains(code.rawValue), "\(code) is missing from ErrorCode") }
        #expect(Set(codes).count == codes.count)
    }

    /// The document is public, even when every other protected endpoint needs a client key.
    @Test func needsNoClientKey() async throws {
        let keys = ClientKeys(
            [ClientKeyConfiguration(name: "ops", key: .literal("ops-key-4567890"))], environment: [:], directory: ".")
        try await withGateway(clientKeys: keys) { gateway in
            #expect(try await gateway.get("/routes").status == 401)
            let answer = try await gateway.get("/openapi.json")
            #expect(answer.status == 200, "\(answer.bodyText.prefix(200))")
            #expect(answer.json?["paths"]?["/complete"] != nil)
        }
    }
}
