import AsyncHTTPClient
import SpliceCore
import Testing

@testable import SpliceServer

/// AsyncHTTPClient's errors as Splice reports them: never with an associated value (issue 7, items 2 and 7).
@Suite struct HTTPClientTransportTests {
    @Test func aHeaderValueTheClientRefusesIsAnInvalidRequestWithoutTheValue() {
        let error = HTTPClientTransport.map(.invalidHeaderFieldValues(["secret-value\r\n"]), sent: false)
        #expect(error == .invalidRequest(reason: "Invalid header field values"))
        #expect(!error.logDescription.contains("secret-value"))
    }

    @Test func otherFailuresBeforeSendingAreUnreachableWithTheShortDescription() {
        #expect(HTTPClientTransport.map(.connectTimeout, sent: false) == .unreachable(reason: "connecting timed out"))
        #expect(HTTPClientTransport.map(.invalidURL, sent: false) == .invalidRequest(reason: "Invalid URL"))
        #expect(HTTPClientTransport.map(.remoteConnectionClosed, sent: true) == .connectionClosed)
    }
}
