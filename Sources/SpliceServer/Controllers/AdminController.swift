import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SpliceCore

/// `POST /admin/reload`: reloads the configuration, for callers on this machine only (a loopback peer address),
/// whatever client keys say: the operator who may edit the files may reload them.
package struct AdminController: Sendable {
    let reloader: Reloader

    package init(reloader: Reloader) {
        self.reloader = reloader
    }

    package func addRoutes(to group: RouterGroup<SpliceRequestContext>) {
        group.post("admin/reload") { _, context -> Response in
            guard Self.isLoopback(context.remoteAddress) else {
                throw GatewayError(.forbidden, message: "POST /admin/reload is accepted only from this machine (loopback)")
            }
            switch reloader.reload(trigger: "POST /admin/reload") {
            case .reloaded(let generation, let loadedAt, let restartRequired):
                return Response.json(
                    .object([
                        "generation": JSONValue(generation),
                        "loadedAt": JSONValue(LedgerEntry.timestamp(loadedAt)),
                        "restartRequired": .array(restartRequired.map { JSONValue($0) }),
                    ]))
            case .refused(let problems):
                throw GatewayError.invalidConfiguration(problems.map(\.description))
            }
        }
    }

    /// `127.0.0.0/8` and `::1` (and an IPv4-mapped loopback).
    package static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let address, let ip = address.ipAddress else { return false }
        switch address {
        case .v4: return ip.hasPrefix("127.")
        case .v6: return ip == "::1" || ip.hasPrefix("::ffff:127.")
        default: return false
        }
    }
}
