import Hummingbird

/// An emulator the startup code can serve.
protocol EmulatorEndpoint: ProviderEmulator {
    /// The shared state of the emulator.
    var core: EmulatorCore { get }
    /// Answers one request on any path.
    func respond(to request: Request, context: EmulatorRequestContext) async throws -> Response
}
