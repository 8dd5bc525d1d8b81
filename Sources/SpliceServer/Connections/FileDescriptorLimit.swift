#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's limit on open file descriptors (`RLIMIT_NOFILE`): every client connection, every
/// provider connection and every open file takes one.
package struct FileDescriptorLimit: Sendable, Equatable {
    /// The limit in force.
    package var soft: UInt64
    /// How far the process may raise it.
    package var hard: UInt64

    /// The current limit, or `nil` when the system does not say.
    package static func current() -> FileDescriptorLimit? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        return FileDescriptorLimit(soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))
    }

    /// Raises the soft limit to the hard limit (a process may do that without privileges) and returns
    /// the limit now in force. The default soft limit (often 1,024) is far below what a gateway with
    /// thousands of keep-alive clients needs.
    @discardableResult
    package static func raiseToHardLimit() -> FileDescriptorLimit? {
        guard var limit = current() else { return nil }
        var target = limit.hard
        #if canImport(Darwin)
            // macOS reports RLIM_INFINITY as the hard limit but refuses a soft limit above OPEN_MAX.
            target = min(target, UInt64(OPEN_MAX))
        #endif
        guard limit.soft < target else { return limit }
        var raised = rlimit(rlim_cur: rlim_t(target), rlim_max: rlim_t(limit.hard))
        if setrlimit(resource, &raised) == 0 {
            limit.soft = target
        }
        return current() ?? limit
    }

    /// The default bound on client connections for this limit: half of the descriptors, leaving the
    /// other half for connections to providers, files and the runtime.
    package var connectionBudget: Int {
        let half = soft / 2
        return half > UInt64(Int.max) ? Int.max : max(1, Int(half))
    }

    #if canImport(Glibc)
        private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let resource = RLIMIT_NOFILE
    #endif
}
