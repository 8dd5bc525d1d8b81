import NIOSSL
import SpliceCore

/// A route's TLS to its upstream: the system's trust roots, plus the route's `tls.ca` when it names one (a studio's
/// TLS-inspecting proxy). Certificates and host names are always verified.
enum UpstreamTLS {
    /// The client configuration for a route with `tls.ca`; `nil` keeps AsyncHTTPClient's default (system roots).
    static func configuration(for route: RouteConfiguration) -> TLSConfiguration? {
        guard let ca = route.tls?.ca else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        // Read now (`splice check` and `serve` have checked the file); should it have gone since, NIOSSL reads the
        // path at each connection and the handshake fails, which is reported as a TLS failure.
        if let certificates = try? NIOSSLCertificate.fromPEMFile(ca.path), !certificates.isEmpty {
            configuration.additionalTrustRoots = [.certificates(certificates)]
        } else {
            configuration.additionalTrustRoots = [.file(ca.path)]
        }
        return configuration
    }

    /// A fixed phrase for a TLS failure to the provider (never the error's description, which may carry names),
    /// or `nil` when `error` is no TLS error.
    static func failureReason(_ error: any Error) -> String? {
        let prefix = "TLS handshake with the provider failed"
        switch error {
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return "\(prefix): the certificate does not name the provider's host"
        case let error as NIOSSLError:
            if case .handshakeFailed(let boring) = error, Self.isUntrusted(boring) {
                return "\(prefix): certificate not trusted"
            }
            return prefix
        case let error as BoringSSLError:
            return Self.isUntrusted(error) ? "\(prefix): certificate not trusted" : prefix
        case is NIOSSLExtraError:
            return prefix
        default:
            return nil
        }
    }

    /// BoringSSL's verification failure (`CERTIFICATE_VERIFY_FAILED`): the chain does not lead to a trusted root.
    private static func isUntrusted(_ error: BoringSSLError) -> Bool {
        "\(error)".contains("CERTIFICATE_VERIFY_FAILED")
    }
}
