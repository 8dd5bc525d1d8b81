import Testing

@testable import SpliceCore

@Suite struct ClientKeysTests {
    @Test func aPresentedKeyMatchesItsClientOnly() {
        let keys = ClientKeys(
            [
                ClientKeyConfiguration(name: "bay-1", key: .literal("bay-one-key-123"), routes: ["autorender"]),
                ClientKeyConfiguration(name: "ops", key: .environment("OPS_KEY")),
            ],
            environment: ["OPS_KEY": "ops-key-4567890"], directory: ".")
        #expect(keys.required)
        #expect(keys.unresolved.isEmpty)
        #expect(keys.access(forKey: "bay-one-key-123")?.name == "bay-1")
        #expect(keys.access(forKey: "bay-one-key-123")?.access == .routes(["autorender"]))
        #expect(keys.access(forKey: "ops-key-4567890")?.name == "ops")
        #expect(keys.access(forKey: "ops-key-4567890")?.access == .allRoutes)
        #expect(keys.access(forKey: "ops-key-456789") == nil)
        #expect(keys.access(forKey: "") == nil)
        #expect(ClientKeys.none.access(forKey: "anything") == nil)
        #expect(!ClientKeys.none.required)
    }

    /// Two clients with the same key: the first listed wins (every entry is still compared).
    @Test func theFirstMatchingClientWins() {
        let keys = ClientKeys(
            [
                ClientKeyConfiguration(name: "first", key: .literal("shared-key-0001")),
                ClientKeyConfiguration(name: "second", key: .literal("shared-key-0001")),
            ],
            environment: [:], directory: ".")
        #expect(keys.access(forKey: "shared-key-0001")?.name == "first")
    }

    /// A key with a control character could never be sent in a header: that client cannot authenticate, and the
    /// reason names the reference, never the key.
    @Test func aKeyWithAControlCharacterIsUnresolved() {
        let keys = ClientKeys(
            [
                ClientKeyConfiguration(name: "render-farm", key: .environment("FARM_KEY")),
                ClientKeyConfiguration(name: "ops", key: .literal("ops-key\r\n")),
            ],
            environment: ["FARM_KEY": "farm-key-0001\n"], directory: ".")
        #expect(keys.required)
        #expect(keys.unresolved.map(\.name) == ["render-farm", "ops"])
        #expect(
            keys.unresolved.map(\.reason) == ["environment variable FARM_KEY contains a control character", "the value contains a control character"])
        #expect(keys.access(forKey: "farm-key-0001\n") == nil)
        #expect(keys.access(forKey: "farm-key-0001") == nil)
    }
}
