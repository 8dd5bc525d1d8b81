import Testing

@testable import ProviderEmulators

@Suite("EmulatorCredentials")
struct EmulatorCredentialsTests {
    /// The gateway refuses secrets shorter than 8 characters or holding a control character (the route is
    /// unavailable), so the demo's fake secrets must pass that rule for `splice demo` to serve every provider.
    @Test("the demo's secrets are at least 8 characters, without control characters")
    func demoSecretsAreLongEnough() {
        let demo = EmulatorCredentials.demo
        let secrets = [
            demo.spatialgenAppKey, demo.autorenderAPIKey, demo.gjirafaAPIKey, demo.huaweiAccessKey, demo.huaweiSecretKey,
            demo.huaweiToken, demo.tenovosAPIKey, demo.tenovosPassword,
        ]
        for secret in secrets {
            #expect(secret.count >= 8, "\(secret)")
            #expect(!secret.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(secret)")
        }
    }
}
