import HTTPTypes

// Header names that are valid tokens by construction: the initializer cannot fail for these literals.
// Provider-specific names live in their provider's folder.
extension HTTPField.Name {
    /// The request id Splice keeps or makes, on every answer.
    package static let requestId = Self("X-Request-Id")!
    /// `upstream;dur=…, connection;dur=…, gateway;dur=…` on answers that reached a provider.
    package static let serverTiming = Self("Server-Timing")!
    /// How many upstream attempts a `/complete` answer took (retries included).
    package static let spliceAttempts = Self("Splice-Attempts")!
    /// On a passthrough answer: the provider's own `X-Request-Id`, since `X-Request-Id` is Splice's.
    package static let upstreamRequestId = Self("X-Upstream-Request-Id")!
}
