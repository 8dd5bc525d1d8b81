import Testing

@testable import SpliceCore

@Suite struct RedactorTests {
    @Test func redactsBareKeysInsideTextAndJSON() {
        let redactor = Redactor(secrets: ["ar-key-0123456789"])
        #expect(redactor.redact("bad key ar-key-0123456789!") == "bad key [redacted]!")
        let json: JSONValue = .object(["list": .array(["x ar-key-0123456789"]), "n": .number("1")])
        #expect(redactor.redact(json) == .object(["list": .array(["x [redacted]"]), "n": .number("1")]))
    }

    /// Short secrets used to be skipped (under 6 characters), so a provider echoing a 5-character key showed it
    /// to the client. Every secret is redacted now; route secrets under 8 characters never load (RouteTableTests).
    @Test func everySecretIsRedactedWhateverItsLength() {
        let redactor = Redactor(secrets: ["k3y45", "x", ""])
        #expect(redactor.redact("invalid key k3y45") == "invalid key [redacted]")
        #expect(redactor.redact("max") == "ma[redacted]")
        #expect(redactor.redact(.object(["k3y45": "k3y45"])) == .object(["[redacted]": "[redacted]"]))
        #expect(Redactor(secrets: [""]).redact("text") == "text")
    }

    /// A secret that contains another is replaced whole.
    @Test func theLongestSecretIsReplacedFirst() {
        let redactor = Redactor(secrets: ["key-0001", "key-0001-and-more"])
        #expect(redactor.redact("a key-0001-and-more b key-0001") == "a [redacted] b [redacted]")
    }

    /// ASCII text is ruled out by its bytes; non-ASCII text or secrets are searched by characters, as before.
    @Test func nonASCIITextAndSecretsAreRedactedToo() {
        let redactor = Redactor(secrets: ["ar-key-0123456789", "clé-secrète-42"])
        #expect(redactor.redact("clé invalide: ar-key-0123456789") == "clé invalide: [redacted]")
        #expect(redactor.redact("bad clé-secrète-42!") == "bad [redacted]!")
        #expect(redactor.redact("K ar-key-0123456789 \u{212A}") == "K [redacted] \u{212A}")
        let nested: JSONValue = .object([
            "a": .array([.number("1"), .object(["deep": "no secret here"])]),
            "b": .object(["ar-key-0123456789": .null]),
        ])
        #expect(
            redactor.redact(nested)
                == .object([
                    "a": .array([.number("1"), .object(["deep": "no secret here"])]), "b": .object(["[redacted]": .null]),
                ]))
        let clean: JSONValue = .object(["status": "completed", "size": .number("12"), "note": "ar-key-012345678"])
        #expect(redactor.redact(clean) == clean)
    }

    @Test func staticKeyAuthenticatorsExposeTheBareKey() async throws {
        let route = RouteConfiguration(
            name: "ar", provider: "autorender", upstream: try UpstreamURL(parsing: "https://upload.autorender.io"),
            credentials: [:])
        let authenticator = AutoRenderProvider().makeAuthenticator(
            route: route, credentials: ResolvedCredentials(["apiKey": "ar-key-0123456789"]), transport: ScriptedTransport([]),
            clock: .system)
        #expect(await authenticator.sensitiveValues().contains("ar-key-0123456789"))
    }
}
