import Foundation
import Testing

@testable import SpliceCore

/// The config file's `tls:` and `clients[].certificate`, and a route file's `tls.ca`, as parsed (the files
/// themselves are read by the server: `TLSCheckTests`).
@Suite struct TLSConfigurationTests {
    static func parse(_ yaml: String) throws(ConfigurationError) -> ServerConfiguration {
        try ServerConfiguration.parse(yaml: yaml, file: "splice.yaml", directory: "/etc/splice")
    }

    static func problems(_ yaml: String) -> [ConfigurationProblem] {
        do {
            _ = try parse(yaml)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func readsTheListenerTLSWithPathsRelativeToTheConfigFile() throws {
        let configuration = try Self.parse(
            """
            port: 8443
            tls:
              certificate: certs/server.pem
              privateKey: /secure/server.key
              clientCA: certs/ca.pem
              requireClientCertificate: true
            """)
        let tls = try #require(configuration.tls)
        #expect(tls.certificate == ConfiguredFile(path: "/etc/splice/certs/server.pem", file: "splice.yaml", line: 3))
        #expect(tls.privateKey == ConfiguredFile(path: "/secure/server.key", file: "splice.yaml", line: 4))
        #expect(tls.clientCA?.path == "/etc/splice/certs/ca.pem")
        #expect(tls.clientCA?.line == 5)
        #expect(tls.requireClientCertificate)
    }

    @Test func withoutTLSTheListenerIsPlainHTTP() throws {
        #expect(try Self.parse("port: 8080\n").tls == nil)
        let optional = try Self.parse("tls:\n  certificate: a.pem\n  privateKey: a.key\n").tls
        #expect(optional?.clientCA == nil)
        #expect(optional?.requireClientCertificate == false)
    }

    @Test func tlsProblemsHaveTheirLines() {
        let problems = Self.problems(
            """
            tls:
              certificate: a.pem
              requireClientCertificate: yes
              clientCa: ca.pem
            """)
        // The missing key is reported at the start of the `tls` mapping.
        #expect(problems.map(\.line) == [3, 4, 2], "\(problems)")
        #expect(problems[0].message == "'tls.requireClientCertificate' must be true or false")
        #expect(problems[1].message.contains("unknown key 'clientCa' in 'tls' (did you mean 'clientCA'?)"))
        #expect(problems[2].message == "'tls' needs 'privateKey'")
        let withoutCA = Self.problems("tls:\n  certificate: a.pem\n  privateKey: a.key\n  requireClientCertificate: true\n")
        #expect(withoutCA.map(\.line) == [4])
        #expect(withoutCA.first?.message.contains("needs 'tls.clientCA'") == true)
        #expect(Self.problems("tls: server.pem\n").first?.message == "'tls' must be a mapping of keys to values")
    }

    @Test func clientsMayBeIdentifiedByCertificate() throws {
        let configuration = try Self.parse(
            """
            tls: {certificate: s.pem, privateKey: s.key, clientCA: ca.pem}
            clients:
              - name: ops
                key: ${OPS_KEY}
              - name: bay-3
                certificate: {subject: "CN=edit-bay-3,O=Studio"}
                routes: [autorender]
              - name: bay-4
                certificate:
                  san: edit-bay-4.studio.lan
            """)
        #expect(configuration.clients.map(\.name) == ["ops"])
        #expect(
            configuration.certificateClients == [
                ClientCertificateConfiguration(name: "bay-3", match: .subject("CN=edit-bay-3,O=Studio"), routes: ["autorender"]),
                ClientCertificateConfiguration(name: "bay-4", match: .san("edit-bay-4.studio.lan")),
            ])
        let keys = ClientKeys(
            configuration.clients, certificates: configuration.certificateClients, environment: ["OPS_KEY": "ops-key-12345"],
            directory: ".")
        #expect(keys.required)
        let bay3 = keys.access(forCertificate: PeerCertificate(subject: "CN=edit-bay-3,O=Studio", alternativeNames: []))
        #expect(bay3?.name == "bay-3")
        #expect(bay3?.access == .routes(["autorender"]))
        let bay4 = keys.access(forCertificate: PeerCertificate(subject: "CN=other", alternativeNames: ["Edit-Bay-4.studio.lan"]))
        #expect(bay4?.name == "bay-4")
        #expect(bay4?.access == .allRoutes)
        #expect(keys.access(forCertificate: PeerCertificate(subject: "CN=edit-bay-3", alternativeNames: [])) == nil)
        // Certificate clients alone make authentication required.
        let onlyCertificates = ClientKeys([], certificates: configuration.certificateClients, environment: [:], directory: ".")
        #expect(onlyCertificates.required)
    }

    @Test func certificateClientsNeedAClientCA() {
        let problems = Self.problems(
            """
            tls: {certificate: s.pem, privateKey: s.key}
            clients:
              - name: bay-1
                certificate: {subject: "CN=edit-bay-1"}
            """)
        #expect(problems.map(\.line) == [3], "\(problems)")
        #expect(problems.first?.message.contains("need 'tls.clientCA'") == true)
    }

    @Test func subjectsCompareAsDistinguishedNames() {
        let peer = PeerCertificate(subject: "CN=edit-bay-3,O=Studio", alternativeNames: [])
        #expect(CertificateMatch.subject("cn=edit-bay-3, O=Studio").matches(peer))
        #expect(CertificateMatch.subject("CN = edit-bay-3 , O = Studio").matches(peer))
        #expect(!CertificateMatch.subject("CN=edit-bay-3").matches(peer))
        #expect(!CertificateMatch.subject("O=Studio,CN=edit-bay-3").matches(peer))
        #expect(!CertificateMatch.subject("CN=Edit-Bay-3,O=Studio").matches(peer))
    }

    @Test func aClientNeedsExactlyOneOfKeyOrCertificate() {
        let problems = Self.problems(
            """
            clients:
              - name: both
                key: k-123456789
                certificate: {subject: "CN=x"}
              - name: neither
              - name: empty
                certificate: {}
              - name: two
                certificate: {subject: "CN=x", san: x.lan}
              - name: odd
                certificate: {subject: "edit-bay"}
              - name: issuer
                certificate: {issuer: "CN=y"}
            """)
        #expect(problems.map(\.line) == [2, 5, 7, 9, 11, 13], "\(problems)")
        #expect(problems[0].message == "a client needs exactly one of 'key' or 'certificate'")
        #expect(problems[1].message == "a client needs exactly one of 'key' or 'certificate'")
        #expect(problems[2].message == "a client's 'certificate' needs exactly one of 'subject' or 'san'")
        #expect(problems[3].message == "a client's 'certificate' needs exactly one of 'subject' or 'san'")
        #expect(problems[4].message.contains("must be a distinguished name"))
        #expect(problems[5].message.contains("unknown key 'issuer'"))
    }

    @Test func aRouteCAIsRelativeToTheRouteFile() throws {
        let route = try RouteConfiguration.parse(
            yaml: "provider: spatialgen\nupstream: https://spatialgen.com\ncredentials:\n  appKey: ${K}\ntls:\n  ca: proxy-ca.pem\n",
            name: "spatialgen", file: "/etc/splice/routes/spatialgen.yaml", directory: "/etc/splice/routes", registry: .standard
        ).get()
        #expect(
            route.tls?.ca
                == ConfiguredFile(path: "/etc/splice/routes/proxy-ca.pem", file: "/etc/splice/routes/spatialgen.yaml", line: 6))
        let problems: [ConfigurationProblem]
        switch RouteConfiguration.parse(
            yaml: "provider: spatialgen\nupstream: https://spatialgen.com\ncredentials:\n  appKey: ${K}\ntls:\n  verify: false\n",
            name: "spatialgen", file: "r.yaml", directory: ".", registry: .standard)
        {
        case .success: problems = []
        case .failure(let error): problems = error.problems
        }
        #expect(problems.map(\.line) == [6, 6], "\(problems)")
        #expect(problems.first?.message.contains("unknown key 'verify'") == true)
        #expect(problems.last?.message == "'tls' needs 'ca'")
    }
}
