/// What a `/complete` request asks the provider to do with an upload.
package enum CompleteAction: String, Sendable {
    case complete
    case cancel
    case fail

    /// The `status` of a successful answer: what the action did.
    package var resultStatus: String {
        switch self {
        case .complete: "completed"
        case .cancel: "cancelled"
        case .fail: "failed"
        }
    }
}
