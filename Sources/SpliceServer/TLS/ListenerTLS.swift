import Foundation
import NIOSSL
import SpliceCore
import SwiftASN1
import X509

/// The listeners' TLS, loaded from the config file's `tls:` files and checked: HTTPS only, TLS 1.2 or later,
/// HTTP/1.1 (ALPN `http/1.1`). With `clientCA`, clients are asked for a certificate that must verify against it
/// (and must be presented, with `requireClientCertificate`).
package struct ListenerTLS: Sendable {
    package let configuration: TLSConfiguration
    /// Whether connections may carry a verified client certificate to read (a `clientCA` is configured).
    package let asksForClientCertificates: Bool

    /// Reads and checks every file; each problem names the config file's line of the offending key.
    package static func load(_ tls: ListenerTLSConfiguration) throws(ConfigurationError) -> ListenerTLS {
        var problems: [ConfigurationProblem] = []
        let chain = TLSFiles.certificates(tls.certificate, key: "tls.certificate", problems: &problems)
        let key = TLSFiles.privateKey(tls.privateKey, key: "tls.privateKey", problems: &problems)
        let clientCA = tls.clientCA.flatMap { TLSFiles.certificates($0, key: "tls.clientCA", problems: &problems) }
        guard problems.isEmpty, let chain, let key else { throw ConfigurationError(problems) }
        if let leaf = chain.first, !TLSFiles.key(key.pem, matches: leaf) {
            throw ConfigurationError([
                tls.privateKey.problem("'tls.privateKey' (\(tls.privateKey.path)) does not match 'tls.certificate' (\(tls.certificate.path))")
            ])
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0.nio) }, privateKey: .privateKey(key.nio))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        if let clientCA {
            configuration.trustRoots = .certificates(clientCA.map(\.nio))
            // Without `requireClientCertificate`, a client without a certificate may still connect (and use a key);
            // a certificate that is presented must verify either way.
            configuration.certificateVerification = tls.requireClientCertificate ? .noHostnameVerification : .optionalVerification
        }
        do {
            // What the server will do at each connection, done once now so that a refusal is reported here.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError([
                tls.privateKey.problem("'tls.privateKey' and 'tls.certificate' cannot be used together: \(TLSFiles.reason(error))")
            ])
        }
        return ListenerTLS(configuration: configuration, asksForClientCertificates: clientCA != nil)
    }
}

/// Reading the PEM files the configuration names, with a `FILE:LINE:` problem for each one that cannot be used.
package enum TLSFiles {
    /// Every problem with the TLS files of the config file and of the route files (`splice check` and `serve`).
    package static func problems(server: ServerConfiguration, routes: [RouteConfiguration]) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        if let tls = server.tls {
            do { _ = try ListenerTLS.load(tls) } catch { problems += error.problems }
        }
        for route in routes {
            guard let ca = route.tls?.ca else { continue }
            _ = certificates(ca, key: "tls.ca", problems: &problems)
        }
        return problems
    }

    struct LoadedCertificate {
        var nio: NIOSSLCertificate
        var x509: Certificate
    }

    /// The PEM certificates of `file` (at least one), or `nil` with a problem recorded.
    static func certificates(_ file: ConfiguredFile, key: String, problems: inout [ConfigurationProblem]) -> [LoadedCertificate]? {
        guard let bytes = read(file, key: key, problems: &problems) else { return nil }
        do {
            let loaded = try NIOSSLCertificate.fromPEMBytes(bytes).map {
                LoadedCertificate(nio: $0, x509: try Certificate(derEncoded: try $0.toDERBytes()))
            }
            guard !loaded.isEmpty else { throw NoCertificate() }
            return loaded
        } catch {
            problems.append(file.problem("'\(key)' (\(file.path)) holds no PEM certificate that can be read"))
            return nil
        }
    }

    /// The PEM private key of `file`, or `nil` with a problem recorded. Its contents never appear in a message.
    static func privateKey(
        _ file: ConfiguredFile, key: String, problems: inout [ConfigurationProblem]
    ) -> (nio: NIOSSLPrivateKey, pem: String)? {
        guard let bytes = read(file, key: key, problems: &problems) else { return nil }
        do {
            return (try NIOSSLPrivateKey(bytes: bytes, format: .pem), String(decoding: bytes, as: UTF8.self))
        } catch {
            problems.append(
                file.problem("'\(key)' (\(file.path)) holds no unencrypted PEM private key that can be read"))
            return nil
        }
    }

    /// Whether the private key is the one of the certificate's public key. A key type swift-certificates cannot
    /// read is left to BoringSSL, which refuses a mismatch when the server's context is made.
    static func key(_ pem: String, matches certificate: LoadedCertificate) -> Bool {
        guard let key = try? Certificate.PrivateKey(pemEncoded: pem) else { return true }
        return key.publicKey == certificate.x509.publicKey
    }

    private static func read(_ file: ConfiguredFile, key: String, problems: inout [ConfigurationProblem]) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            problems.append(file.problem("'\(key)' (\(file.path)) cannot be read"))
            return nil
        }
        return Array(data)
    }

    /// A NIOSSL error as text without anything from the files themselves.
    static func reason(_ error: any Error) -> String {
        if let error = error as? BoringSSLError { return "\(error)" }
        return String(describing: type(of: error))
    }

    private struct NoCertificate: Error {}
}
