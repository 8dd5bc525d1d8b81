import Foundation
import HTTPTypes
import Hummingbird
import SpliceCore

/// Refusals decided from a request's head alone, before any of its body is read:
/// - a declared `Content-Length` over the limit on one of the gateway's own endpoints: 413
///   `payload_too_large` at once, instead of waiting for a body that will be refused anyway (other
///   paths, such as a future passthrough, may take larger bodies);
/// - an `Expect` other than `100-continue`: 417.
///
/// `EarlyRefusalMiddleware` answers these; `ExpectContinueHandler` asks the same question so that it
/// does not invite a body (`100 Continue`) that is about to be refused.
package struct RequestHeadChecks: Sendable {
    /// Paths whose request bodies may be at most `maximumBodyBytes`.
    package var limitedPaths: Set<String>
    package var maximumBodyBytes: Int

    package init(limitedPaths: Set<String>, maximumBodyBytes: Int) {
        self.limitedPaths = limitedPaths
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// The refusal for this head, or `nil` when its body may be read. `path` may carry a query.
    package func refusal(path: String, headers: HTTPFields) -> GatewayError? {
        if !Self.expectations(headers).allSatisfy({ $0 == Self.continueExpectation }) {
            return GatewayError(
                .invalidRequest, status: 417, message: "only 'Expect: 100-continue' is supported")
        }
        if let declared = headers[.contentLength], isLimited(path) {
            // Too many digits for an Int is too large too.
            if Int(declared).map({ $0 > maximumBodyBytes }) ?? true {
                return .payloadTooLarge(limit: maximumBodyBytes)
            }
        }
        return nil
    }

    /// Whether the head asks for `100 Continue` before sending its body.
    static func expectsContinue(_ headers: HTTPFields) -> Bool {
        expectations(headers).contains(continueExpectation)
    }

    static let continueExpectation = "100-continue"

    /// The `Expect` header's values, lowercased (it may be repeated or a comma-separated list).
    private static func expectations(_ headers: HTTPFields) -> [String] {
        headers[values: .expect].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
    }

    private func isLimited(_ target: String) -> Bool {
        var path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return limitedPaths.contains(path)
    }
}

/// Answers `RequestHeadChecks`' refusals before the handler reads anything of the body. The connection
/// is then closed after the answer (`ConnectionCloseHandler`), since the body was not read.
package struct EarlyRefusalMiddleware: RouterMiddleware {
    package typealias Context = SpliceRequestContext

    let checks: RequestHeadChecks

    package init(checks: RequestHeadChecks) {
        self.checks = checks
    }

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let refusal = checks.refusal(path: request.uri.path, headers: request.headers) {
            throw refusal
        }
        return try await next(request, context)
    }
}
