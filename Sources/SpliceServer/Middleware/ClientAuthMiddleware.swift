import Hummingbird
import Logging
import SpliceCore

/// When client keys are configured, requires `Authorization: Bearer <client key>` and records which
/// routes that client may use. The client's key is Splice's own: it is never sent to a provider.
package struct ClientAuthMiddleware: RouterMiddleware {
    package typealias Context = SpliceRequestContext

    package init() {}

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let keys = context.configuration.clientKeys
        // A client already identified by its certificate (`CertificateClientMiddleware`) needs no key.
        guard keys.required, context.client.name == nil else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
            let client = keys.access(forKey: String(header.dropFirst("bearer ".count)))
        else {
            throw GatewayError.unauthorized
        }
        var context = context
        context.client = ClientIdentity(name: client.name, access: client.access)
        context.logger[metadataKey: "client"] = "\(client.name)"
        return try await next(request, context)
    }
}
