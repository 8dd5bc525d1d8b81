import AsyncHTTPClient
import NIOCore
import Testing

@testable import ProviderEmulators

@Suite("withProviderEmulators")
struct ProviderEmulatorsStartupTests {
    struct Boom: Error {}

    @Test("all five listen on distinct ports, and stop afterwards")
    func lifecycle() async throws {
        let (urls, first) = try await withProviderEmulators { emulators in
            let urls = EmulatedProvider.allCases.map { emulators[$0].baseURL }
            #expect(Set(urls).count == 5)
            for provider in EmulatedProvider.allCases {
                #expect(emulators[provider].provider == provider)
                #expect(emulators[provider].baseURL.hasPrefix("http://127.0.0.1:"))
                #expect(!emulators[provider].baseURL.hasPrefix("http://127.0.0.1:0"))
            }
            #expect(emulators.all.count == 5)
            return (urls, emulators[EmulatedProvider.allCases[0]])
        }
        // Stopped: the request fails, or, when a test running alongside already took the freed port, it reaches that
        // other server and never this emulator.
        let answered = try? await send("POST", urls[0] + "/asset/complete", timeout: .seconds(2))
        #expect(answered == nil || first.receivedRequests.isEmpty)
    }

    @Test("the emulators stop when the body throws")
    func bodyThrows() async throws {
        var spatialURL = ""
        var spatialgen: (any ProviderEmulator)?
        await #expect(throws: Boom.self) {
            try await withProviderEmulators { emulators in
                spatialURL = emulators.spatialgen.baseURL
                spatialgen = emulators.spatialgen
                throw Boom()
            }
        }
        // As above: refused, or answered by another test's server on the reused port, never by this emulator.
        let answered = try? await send("POST", spatialURL + "/api/videos/uploads/s/files/u/complete", timeout: .seconds(2))
        #expect(answered == nil || spatialgen?.receivedRequests.isEmpty == true)
    }

    @Test("a long delay whose client gave up does not hold the shutdown")
    func shutdownWithPendingDelay() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        try await withProviderEmulators { emulators in
            let request = try await ValidRequests.request(for: .spatialgen, emulators)
            emulators.spatialgen.setFault(.delay(.seconds(60)))
            await #expect(throws: (any Error).self) {
                _ = try await send(request.method, request.url, headers: request.headers, body: request.body, timeout: .milliseconds(300))
            }
        }
        #expect(clock.now - start < .seconds(15))
    }

    @Test("each emulator keeps only the latest requests: 64 by default, or as many as asked")
    func recordedRequestsAreBounded() async throws {
        #expect(RunningEmulators.defaultRecordedRequestLimit == 64)
        let limit = 3
        try await withProviderEmulators(recordedRequestLimit: limit) { emulators in
            let url = emulators.autorender.baseURL + "/api/v1/multipart/complete"
            let key = emulators.credentials.autorenderAPIKey
            for index in 1...(limit + 2) {
                _ = try await send(
                    "POST", url, headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")],
                    body: bytes(#"{"session_id":"sess_\#(index)"}"#))
            }
            let kept = emulators.autorender.receivedRequests.map(\.bodyText)
            #expect(kept == [#"{"session_id":"sess_3"}"#, #"{"session_id":"sess_4"}"#, #"{"session_id":"sess_5"}"#])

            // Tenovos' `/auth/token` requests are bounded the same way.
            for _ in 1...(limit + 1) {
                _ = try await ValidRequests.tenovosLogin(emulators)
            }
            #expect(emulators.tenovos.authRequests.count == limit)
            #expect(emulators.tenovos.loginCount == limit + 1)
        }
    }

    @Test("unknown paths answer each provider's 404, without being recorded")
    func unknownPaths() async throws {
        try await withProviderEmulators { emulators in
            for provider in EmulatedProvider.allCases {
                let answer = try await send("GET", emulators[provider].baseURL + "/nothing/here")
                #expect(answer.status == 404, "\(provider)")
                #expect(answer.json?.isObject == true, "\(provider)")
                #expect(emulators[provider].receivedRequests.isEmpty)
            }
        }
    }
}
