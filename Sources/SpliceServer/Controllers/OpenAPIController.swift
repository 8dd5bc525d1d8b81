import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SpliceCore

/// `GET /openapi.json`: the OpenAPI document of Splice's endpoints. Public (no client key): it describes the API,
/// it holds nothing about the configuration.
package struct OpenAPIController: Sendable {
    /// The document's JSON, made once when the application is built, never per request.
    let document: Result<ByteBuffer, YAMLToJSONError>

    package init() {
        document = OpenAPIDocument.json.map { ByteBuffer(bytes: $0) }
    }

    package func addRoutes(to group: RouterGroup<SpliceRequestContext>) {
        group.get("openapi.json") { _, context -> Response in
            switch self.document {
            case .success(let bytes):
                return Response(
                    status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: bytes))
            case .failure(let error):
                // Only a broken build could get here: the tests convert the embedded document.
                context.logger.error("the embedded OpenAPI document cannot be converted", metadata: ["reason": "\(error)"])
                throw GatewayError.internalError
            }
        }
    }
}
