/// What a `/complete` request asks the provider to do with an upload.
package enum CompleteAction: String, Sendable, CaseIterable, Comparable {
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

    private var order: Int {
        switch self {
        case .complete: 0
        case .cancel: 1
        case .fail: 2
        }
    }

    package static func < (lhs: CompleteAction, rhs: CompleteAction) -> Bool {
        lhs.order < rhs.order
    }
}
