/// Common controls of every emulator.
package protocol ProviderEmulator: AnyObject, Sendable {
    /// Which provider this emulator stands in for.
    var provider: EmulatedProvider { get }
    /// Base URL for a route's `upstream`, e.g. `http://127.0.0.1:41234`; Tenovos' includes its path
    /// prefix `/content-store-v1`.
    var baseURL: String { get }
    /// Sets (or, with `nil`, clears) the fault applied to the complete endpoint's answers.
    func setFault(_ fault: EmulatorFault?)
    /// The latest requests received on the provider's complete endpoint, oldest first: at most the
    /// `recordedRequestLimit` given to `withProviderEmulators` (older ones are dropped).
    var receivedRequests: [ReceivedRequest] { get }
}
