import AsyncHTTPClient
import Foundation
import NIOHTTP1
import NIOCore
import ProviderEmulators
import SpliceCore
import SpliceServer
import Testing

/// mTLS: `tls.clientCA` asks clients for a certificate that must verify; `clients[].certificate` maps a verified
/// certificate to a client, with its route list, on `/complete`, `/ledger` and passthrough.
@Suite(.timeLimit(.minutes(1))) struct MutualTLSTests {
    static let autorender = RetryTests.autorender
    static let spatialgen = #"{"route":"spatialgen","sessionId":"s","uploadId":"u"}"#

    /// edit-bay-1 by subject (autorender only), edit-bay-2 by DNS name (every route), and one key client.
    static let clients = ClientKeys(
        [ClientKeyConfiguration(name: "ops", key: .literal("ops-key-4567890"))],
        certificates: [
            ClientCertificateConfiguration(name: "bay-1", match: .subject("CN=edit-bay-1"), routes: ["autorender"]),
            ClientCertificateConfiguration(name: "bay-2", match: .san("edit-bay-2.studio.lan")),
        ], environment: [:], directory: ".")

    @Test func aClientWithoutACertificateIsRefusedWhenOneIsRequired() async throws {
        let certificates = try DevCertificates.primary.get()
        let tls = try certificates.listener(clientCA: certificates, require: true)
        try await withGateway(clientKeys: Self.clients, tls: tls) { gateway in
            try await certificates.withClient { client in
                var gateway = gateway
                gateway.client = client
                // Not even a key gets through: the handshake itself fails.
                await #expect(throws: (any Error).self) {
                    _ = try await gateway.post(
                        Self.autorender, headers: [("Content-Type", "application/json"), ("Authorization", "Bearer ops-key-4567890")])
                }
            }
            #expect(gateway.emulators.autorender.receivedRequests.isEmpty)
        }
    }

    @Test func aCertificateFromAnotherCAIsRefused() async throws {
        let certificates = try DevCertificates.primary.get()
        let other = try DevCertificates.other.get()
        // Not required: a certificate that is presented must still verify.
        let tls = try certificates.listener(clientCA: certificates, require: false)
        try await withGateway(clientKeys: Self.clients, tls: tls) { gateway in
            try await certificates.withClient(identity: "edit-bay-1", identityFrom: other) { client in
                var gateway = gateway
                gateway.client = client
                await #expect(throws: (any Error).self) { _ = try await gateway.post(Self.autorender) }
            }
            #expect(gateway.emulators.autorender.receivedRequests.isEmpty)
        }
    }

    @Test func withoutRequireAClientWithoutACertificateMayUseAKey() async throws {
        let certificates = try DevCertificates.primary.get()
        let tls = try certificates.listener(clientCA: certificates, require: false)
        try await withGateway(clientKeys: Self.clients, tls: tls) { gateway in
            try await certificates.withClient { client in
                var gateway = gateway
                gateway.client = client
                let anonymous = try await gateway.post(Self.autorender)
                ErrorTableTests.expectError(anonymous, status: 401, code: "unauthorized", source: "gateway", retryable: false)
                let keyed = try await gateway.post(
                    Self.autorender, headers: [("Content-Type", "application/json"), ("Authorization", "Bearer ops-key-4567890")])
                #expect(keyed.status == 200, "\(keyed.bodyText)")
            }
        }
    }

    @Test func theSubjectSelectsItsClientAndRouteListAndTheLedgerNamesIt() async throws {
        let certificates = try DevCertificates.primary.get()
        let tls = try certificates.listener(clientCA: certificates, require: true)
        try await withTemporaryStore { store, _ in
            try await withGateway(clientKeys: Self.clients, store: store, tls: tls) { gateway in
                try await certificates.withClient(identity: "edit-bay-1") { client in
                    var gateway = gateway
                    gateway.client = client
                    let allowed = try await gateway.post(Self.autorender)
                    #expect(allowed.status == 200, "\(allowed.bodyText)")
                    let elsewhere = try await gateway.post(Self.spatialgen)
                    ErrorTableTests.expectError(
                        elsewhere, status: 403, code: "forbidden", source: "gateway", retryable: false, route: "spatialgen",
                        provider: "spatialgen")
                    #expect(gateway.logs.text.contains("client=bay-1"), "\(gateway.logs.text)")

                    await gateway.state?.ledger.flush()
                    let entries = try await LedgerTests.entries(gateway)
                    let entry = try LedgerTests.entry(entries, allowed.header("X-Request-Id"))
                    #expect(entry["client"] == "bay-1")
                    #expect(entry["outcome"] == "completed", "\(entry)")
                }
            }
        }
    }

    @Test func aSANEntryWorksToo() async throws {
        let certificates = try DevCertificates.primary.get()
        let tls = try certificates.listener(clientCA: certificates, require: true)
        try await withGateway(clientKeys: Self.clients, tls: tls) { gateway in
            try await certificates.withClient(identity: "edit-bay-2") { client in
                var gateway = gateway
                gateway.client = client
                #expect(try await gateway.post(Self.spatialgen).status != 401)
                let routes = try await gateway.get("/routes")
                #expect(routes.status == 200, "\(routes.bodyText)")
                #expect(gateway.logs.text.contains("client=bay-2"), "\(gateway.logs.text)")
            }
        }
    }

    @Test func aVerifiedCertificateOfNoClientIsUnauthorized() async throws {
        let certificates = try DevCertificates.primary.get()
        let tls = try certificates.listener(clientCA: certificates, require: true)
        let onlyBay1 = ClientKeys(
            [], certificates: [ClientCertificateConfiguration(name: "bay-1", match: .subject("CN=edit-bay-1"))],
            environment: [:], directory: ".")
        try await withGateway(clientKeys: onlyBay1, tls: tls) { gateway in
            try await certificates.withClient(identity: "edit-bay-2") { client in
                var gateway = gateway
                gateway.client = client
                let answer = try await gateway.post(Self.autorender)
                ErrorTableTests.expectError(answer, status: 401, code: "unauthorized", source: "gateway", retryable: false)
                #expect(try await gateway.get("/livez").status == 200)
            }
        }
    }

    @Test func passthroughTakesTheCertificateClient() async throws {
        let certificates = try DevCertificates.primary.get()
        let tls = try certificates.listener(clientCA: certificates, require: true)
        try await withGateway(clientKeys: Self.clients, tls: tls) { gateway in
            let body = Array(#"{"session_id":"a1"}"#.utf8)
            let json = [("Content-Type", "application/json")]
            try await certificates.withClient(identity: "edit-bay-1") { client in
                var gateway = gateway
                gateway.client = client
                // No key in AutoRender's credential slot: the certificate is the client.
                let forwarded = try await gateway.send(
                    method: .POST, path: "/autorender/api/v1/multipart/complete", body: body, headers: json)
                #expect(forwarded.status == 200, "\(forwarded.bodyText)")
                let forbidden = try await gateway.send(
                    method: .GET, path: "/spatialgen/api/anything", body: nil, headers: [])
                #expect(forbidden.status == 403, "\(forbidden.bodyText)")
                #expect(forbidden.errorCode == "forbidden")
            }
            try await certificates.withClient(identity: "edit-bay-2", identityFrom: nil) { client in
                var gateway = gateway
                gateway.client = client
                let unknown = try await gateway.send(
                    method: .POST, path: "/autorender/api/v1/multipart/complete", body: body, headers: json)
                #expect(unknown.status == 200, "\(unknown.bodyText)")
            }
        }
    }
}
