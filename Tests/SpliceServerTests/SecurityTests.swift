import Foundation
import ProviderEmulators
import SpliceCore
import Testing

/// The security promises: no secret in any log line or answer, and no client credential forwarded.
@Suite(.timeLimit(.minutes(1))) struct SecurityTests {
    /// Runs successes and every kind of failure for every provider, logging at trace level, then searches
    /// everything the gateway printed and answered for every secret, token and signature in play, in both log formats.
    @Test(arguments: LogFormat.allCases)
    func noSecretInLogsOrAnswers(_ format: LogFormat) async throws {
        try await withGateway(logFormat: format) { gateway in
            var answers: [GatewayHarness.Answer] = []
            let faults: [EmulatorFault?] = [
                nil, .providerError(status: 400), .providerError(status: 401), .providerError(status: 429),
                .providerError(status: 500), .backendFetchFailed, .reportsFailureIn2xx, .notJSON, .truncatedJSON,
                .closeConnection,
            ]
            for provider in EmulatedProvider.allCases {
                for fault in faults {
                    gateway.emulators[provider].setFault(fault)
                    answers.append(try await gateway.post(ErrorTableTests.requests[provider] ?? ""))
                }
                gateway.emulators[provider].setFault(nil)
            }
            answers.append(try await gateway.get("/routes"))
            answers.append(try await gateway.post(#"{"route":"tenovos","action":"fail"}"#))

            let credentials = gateway.emulators.credentials
            var secrets = [
                credentials.spatialgenAppKey, credentials.autorenderAPIKey, credentials.gjirafaAPIKey,
                credentials.huaweiAccessKey, credentials.huaweiSecretKey, credentials.tenovosAPIKey,
                credentials.tenovosPassword,
            ]
            // Tokens and signatures exactly as they went on the wire.
            for request in gateway.emulators.tenovos.receivedRequests {
                secrets += [request.header("Authorization"), request.header("AccessToken")].compactMap { $0 }
            }
            for request in gateway.emulators.huaweiMetaStudio.receivedRequests {
                if let authorization = request.header("Authorization"), let signature = authorization.components(separatedBy: "Signature=").last {
                    secrets.append(signature)
                }
            }
            #expect(secrets.count > 10)
            let printed = gateway.logs.text
            #expect(printed.contains("complete"), "the capture must hold the gateway's lines")
            let answered = answers.map { answer in
                answer.bodyText + answer.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
            }.joined(separator: "\n")
            for secret in secrets {
                #expect(!printed.contains(secret), "a secret was logged")
                #expect(!answered.contains(secret), "a secret was answered")
            }
        }
    }

    /// Provider credential headers a client sends never reach the provider.
    @Test(arguments: EmulatedProvider.allCases)
    func clientCredentialHeadersAreNotForwarded(_ provider: EmulatedProvider) async throws {
        try await withGateway { gateway in
            let clientHeaders = [
                ("Authorization", "Bearer client-owned-token"), ("X-API-Key", "client-owned-api-key"),
                ("X-SPATIALGEN-APPKEY", "client-owned-appkey"), ("AccessToken", "client-owned-access"),
                ("X-Auth-Token", "client-owned-iam"), ("X-Sdk-Date", "20000101T000000Z"), ("Cookie", "session=client"),
                ("X-Forwarded-For", "10.1.2.3"),
            ]
            let answer = try await gateway.post(
                ErrorTableTests.requests[provider] ?? "", headers: [("Content-Type", "application/json")] + clientHeaders)
            #expect(answer.status == 200, "\(answer.bodyText)")
            let received = try #require(gateway.emulators[provider].receivedRequests.last)
            let wire = received.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
            for (_, value) in clientHeaders {
                #expect(!wire.contains(value), "\(value) reached \(provider.rawValue)")
            }
        }
    }

    /// A refused key is reported without the key.
    @Test func refusedKeyIsNotEchoed() async throws {
        try await withGateway(routes: { emulators in
            [try GatewayHarness.route("spatialgen", emulators.spatialgen.baseURL, ["appKey": "wrong-key-echoed-back"])]
        }) { gateway in
            let answer = try await gateway.post(ErrorTableTests.requests[.spatialgen] ?? "")
            #expect(answer.status == 502)
            #expect(!answer.bodyText.contains("wrong-key-echoed-back"))
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct StatusEndpointTests {
    @Test func routesListingHasNoSecrets() async throws {
        try await withGateway { gateway in
            let answer = try await gateway.get("/routes")
            #expect(answer.status == 200)
            let routes = try #require(answer.json?["routes"]?.arrayValue)
            #expect(routes.compactMap { $0["name"]?.stringValue } == ["autorender", "gjirafa-vp", "huawei-metastudio", "spatialgen", "tenovos"])
            let metastudio = try #require(routes.first { $0["name"] == "huawei-metastudio" })
            #expect(metastudio["actions"] == .array(["complete", "cancel", "fail"]))
            #expect(metastudio["ready"] == .bool(true))
            #expect(metastudio["reason"] == .null)
            #expect(metastudio.objectValue?.keys == ["name", "provider", "upstream", "actions", "ready", "reason"])
            #expect(!answer.bodyText.contains(gateway.emulators.credentials.huaweiSecretKey))
            #expect(try await gateway.get("/livez").status == 200)
            #expect(try await gateway.get("/readyz").status == 200)
        }
    }
}
