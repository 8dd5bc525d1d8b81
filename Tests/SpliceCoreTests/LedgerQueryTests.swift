import Foundation
import Testing

@testable import SpliceCore

/// `GET /ledger`'s and `splice ledger`'s filters.
@Suite struct LedgerQueryTests {
    /// Every form of RFC 3339 time is a `since`, as docs/idempotency.md says (schemathesis sends them all).
    @Test(arguments: [
        "2026-12-01T09:30:00Z", "2026-12-01t09:30:00z", "2026-12-01T09:30:00.5Z", "2026-12-01T10:30:00+01:00",
        "2026-12-01t10:30:00.000+01:00",
    ])
    func sinceTakesEveryRFC3339Form(_ since: String) throws {
        let query = try LedgerQuery.parse(route: nil, client: nil, since: since, limit: nil).get()
        let expected = Date(timeIntervalSince1970: 1_796_117_400)
        let parsed = try #require(query.since)
        #expect(abs(parsed.timeIntervalSince(expected)) < 1)
    }

    @Test(arguments: ["2026-12-01", "yesterday", "2026-12-01T09:30:00"])
    func sinceRefusesWhatIsNotAnRFC3339Time(_ since: String) {
        #expect(throws: GatewayError.self) { try LedgerQuery.parse(route: nil, client: nil, since: since, limit: nil).get() }
    }
}
