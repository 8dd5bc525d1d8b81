/// The most recent requests an emulator received, oldest first, at most `limit` of them: a `splice demo`
/// left running must not keep every request (bodies up to 8 MiB each) forever.
struct RecentRequests: Sendable {
    /// How many requests are kept (0 keeps none).
    let limit: Int
    private(set) var requests: [ReceivedRequest] = []

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Keeps `request`, dropping the oldest ones beyond `limit`.
    mutating func append(_ request: ReceivedRequest) {
        self.requests.append(request)
        if self.requests.count > self.limit {
            self.requests.removeFirst(self.requests.count - self.limit)
        }
    }
}
