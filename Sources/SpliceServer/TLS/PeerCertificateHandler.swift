import NIOCore
import NIOSSL
import NIOTLS
import SpliceCore
import SwiftASN1
import Synchronization
import X509

/// The verified client certificate of one connection, recorded once its TLS handshake is over and read by each
/// request's context (`SpliceRequestContext.peer`).
final class PeerCertificateBox: Sendable {
    private let value = Mutex<PeerCertificate?>(nil)

    var certificate: PeerCertificate? { value.withLock { $0 } }

    func record(_ certificate: PeerCertificate?) {
        value.withLock { $0 = certificate }
    }

    /// The box of the connection whose requests the current task serves (set by `SpliceHTTP1Channel.handle`).
    @TaskLocal static var current: PeerCertificateBox?
}

/// Reads the client's certificate when the TLS handshake completes, on the channel's event loop, into the
/// connection's box. NIOSSL only completes a handshake whose presented certificate verified against `clientCA`,
/// and no request can be read before that: every request of the connection sees the box filled.
final class PeerCertificateHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let box: PeerCertificateBox

    init(box: PeerCertificateBox) {
        self.box = box
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate()
            box.record(certificate.flatMap(PeerCertificate.init(nio:)))
        }
        context.fireUserInboundEventTriggered(event)
    }
}

extension PeerCertificate {
    /// Subject (RFC 4514) and subject alternative names (DNS, e-mail, URI) of a certificate, read with swift-certificates.
    init?(nio certificate: NIOSSLCertificate) {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        self.init(x509: parsed)
    }

    init(x509 certificate: Certificate) {
        var names: [String] = []
        if let alternatives = try? certificate.extensions.subjectAlternativeNames {
            for name in alternatives {
                switch name {
                case .dnsName(let dns): names.append(dns)
                case .rfc822Name(let mail): names.append(mail)
                case .uniformResourceIdentifier(let uri): names.append(uri)
                default: continue
                }
            }
        }
        self.init(subject: String(describing: certificate.subject), alternativeNames: names)
    }
}
