import AsyncHTTPClient
import Foundation
import Testing

@testable import ProviderEmulators

/// Every fault, on every emulator: recorded first, then answered as the fault says.
@Suite("Emulator faults")
struct EmulatorFaultTests {
    @Test("a valid request succeeds and is recorded", arguments: EmulatedProvider.allCases)
    func validRequestSucceeds(provider: EmulatedProvider) async throws {
        try await withProviderEmulators { emulators in
            let request = try await ValidRequests.request(for: provider, emulators)
            let answer = try await request.send()
            #expect(answer.status == 200, "\(provider): \(answer.text)")
            let recorded = try #require(emulators[provider].receivedRequests.last)
            #expect(recorded.method == request.method)
            #expect(recorded.body == request.body)
            #expect(emulators[provider].provider == provider)
        }
    }

    @Test("providerError answers the provider's JSON error body", arguments: EmulatedProvider.allCases)
    func providerError(provider: EmulatedProvider) async throws {
        try await withProviderEmulators { emulators in
            let request = try await ValidRequests.request(for: provider, emulators)
            for status in [400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 503, 504] {
                emulators[provider].setFault(.providerError(status: status))
                let answer = try await request.send()
                #expect(answer.status == status, "\(provider) \(status)")
                #expect(answer.header("Content-Type") == "application/json")
                #expect(answer.json?.isObject == true, "\(provider) \(status): \(answer.text)")
                #expect((answer.header("Retry-After") == "7") == (status == 429))
            }
            let count = emulators[provider].receivedRequests.count
            #expect(count >= 12)
            emulators[provider].setFault(nil)
            #expect(try await request.send().status == 200)
        }
    }

    @Test("first(n, fault) faults n requests, then answers normally", arguments: EmulatedProvider.allCases)
    func firstRequestsOnly(provider: EmulatedProvider) async throws {
        try await withProviderEmulators { emulators in
            let request = try await ValidRequests.request(for: provider, emulators)
            emulators[provider].setFault(.first(2, .retryAfter(status: 503, value: "1")))
            for _ in 0..<2 {
                let answer = try await request.send()
                #expect(answer.status == 503, "\(provider): \(answer.text)")
                #expect(answer.header("Retry-After") == "1")
            }
            #expect(try await request.send().status == 200)
            #expect(emulators[provider].receivedRequests.count == 3)
        }
    }

    @Test("backendFetchFailed answers an HTML proxy page", arguments: EmulatedProvider.allCases)
    func backendFetchFailed(provider: EmulatedProvider) async throws {
        try await withProviderEmulators { emulators in
            let request = try await ValidRequests.request(for: provider, emulators)
            emulators[provider].setFault(.backendFetchFailed)
            let answer = try await request.send()
            #expect([502, 503].contains(answer.status))
            #expect(answer.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(answer.json == nil)
            if provider == .gjirafaVP {
                #expect(answer.status == 503)
                #expect(answer.text.contains("Backend fetch failed"))
                #expect(answer.text.contains("Varnish cache server"))
            }
            #expect(emulators[provider].receivedRequests.count == 1)
        }
    }

    @Test("reportsFailureIn2xx answers 200 with a failure body", arguments: EmulatedProvider.allCases)
    func reportsFailureIn2xx(provider: EmulatedProvider) async throws {
        try await withProviderEmulators { emulators in
            let request = try await ValidRequests.request(for: provider, emulators)
            emulators[provider].setFault(.reportsFailureIn2xx)
            let answer = try await request.send()
            #expect(answer.status == 200)
            let body = try #require(answer.json)
            switch provider {
            case .autorender: #expect(body["success"] == false)
            case .gjirafaVP: #expect(body["result"] == false)
            case .tenovos: #expect(body["status"] == "error")
            case .spatialgen: #expect(body["status"] == "error")
            case .huaweiMetaStudio: #expect(body["error_code"] == "MSS.00000004")
            }
        }
    }

    @Test("notJSON answers 200 with HTML", arguments: EmulatedProvider.allCases)
    func notJSON(provider: EmulatedProvider) async throws {
        try await withProviderEmulators { emulators in
            let request = try await ValidRequests.request(for: provider, emulators)
            emulators[provider].setFault(.notJSON)
            let answer = try await request.send()
            #expect(answer.status == 200)
            #expect(answer.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(answer.json == nil)
        }
    }

    @Test("truncatedJSON answers 200 JSON cut short, with a correct Content-Length", arguments: EmulatedProvider.allCases)
    func truncatedJSON(provider: EmulatedProvider) async throws {
        try await withProviderEmulators { emulators in
            let request = try await ValidRequests.request(for: provider, emulators)
            emulators[provider].setFault(.truncatedJSON)
            let answer = try await request.send()
            #expect(answer.status == 200)
            #expect(answer.header("Content-Type") == "application/json")
            #expect(answer.header("Content-Length") == String(answer.body.count))
            #expect(answer.body.first == UInt8(ascii: "{"))
            #expect(answer.json == nil)
        }
    }

    @Test("closeConnection closes without answering", arguments: EmulatedProvider.allCases)
    func closeConnection(provider: EmulatedProvider) async throws {
        try await withProviderEmulators { emulators in
            let request = try await ValidRequests.request(for: provider, emulators)
            emulators[provider].setFault(.closeConnection)
            await #expect(throws: HTTPClientError.remoteConnectionClosed) {
                _ = try await request.send()
            }
            #expect(emulators[provider].receivedRequests.count >= 1)
            emulators[provider].setFault(nil)
            #expect(try await request.send().status == 200)
        }
    }

    @Test("delay answers normally after the delay", arguments: EmulatedProvider.allCases)
    func delay(provider: EmulatedProvider) async throws {
        try await withProviderEmulators { emulators in
            let request = try await ValidRequests.request(for: provider, emulators)
            emulators[provider].setFault(.delay(.milliseconds(600)))
            let clock = ContinuousClock()
            let start = clock.now
            let answer = try await request.send()
            let elapsed = clock.now - start
            #expect(answer.status == 200)
            #expect(elapsed >= .milliseconds(600))
        }
    }
}
