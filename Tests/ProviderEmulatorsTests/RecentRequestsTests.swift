import Testing

@testable import ProviderEmulators

@Suite("RecentRequests")
struct RecentRequestsTests {
    static func request(_ index: Int) -> ReceivedRequest {
        ReceivedRequest(method: "POST", uri: "/r/\(index)", headers: [], body: Array(repeating: 0, count: 16))
    }

    @Test("after N+k requests only the last N are kept, oldest first")
    func keepsTheLatest() {
        var recent = RecentRequests(limit: 4)
        for index in 1...4 { recent.append(Self.request(index)) }
        #expect(recent.requests.map(\.uri) == ["/r/1", "/r/2", "/r/3", "/r/4"])
        for index in 5...11 { recent.append(Self.request(index)) }
        #expect(recent.requests.map(\.uri) == ["/r/8", "/r/9", "/r/10", "/r/11"])
    }

    @Test("a limit of 0 (or less) keeps nothing")
    func zeroKeepsNothing() {
        var none = RecentRequests(limit: 0)
        var negative = RecentRequests(limit: -5)
        none.append(Self.request(1))
        negative.append(Self.request(1))
        #expect(none.requests.isEmpty)
        #expect(negative.requests.isEmpty)
    }
}
