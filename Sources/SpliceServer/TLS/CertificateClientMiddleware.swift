import Hummingbird
import Logging
import SpliceCore

/// A connection's verified client certificate that matches a `clients` entry with `certificate:` makes the request
/// that client's, with its route list, before any key is looked at (`ClientAuthMiddleware`, passthrough).
package struct CertificateClientMiddleware: RouterMiddleware {
    package typealias Context = SpliceRequestContext

    package init() {}

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let keys = context.configuration.clientKeys
        guard keys.identifiesByCertificate, let peer = context.peer, let client = keys.access(forCertificate: peer) else {
            return try await next(request, context)
        }
        var context = context
        context.client = ClientIdentity(name: client.name, access: client.access)
        context.logger[metadataKey: "client"] = "\(client.name)"
        return try await next(request, context)
    }
}
