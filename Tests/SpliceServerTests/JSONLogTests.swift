import Foundation
import ProviderEmulators
import SpliceCore
import Testing

/// `--log-format json` in a real gateway run: every line the gateway logs is one JSON object with the expected
/// members, and a client's request id cannot forge a field.
@Suite(.timeLimit(.minutes(1))) struct JSONLogTests {
    static func objects(_ lines: [String], sourceLocation: SourceLocation = #_sourceLocation) -> [[String: Any]] {
        lines.compactMap { line in
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            #expect(object != nil, "not one JSON object: \(line)", sourceLocation: sourceLocation)
            return object
        }
    }

    @Test func everyLineOfARunIsOneObjectWithItsFields() async throws {
        try await withGateway(logFormat: .json) { gateway in
            let hostile = #"x","status":"500"#
            let ok = try await gateway.post(
                CompleteEndToEndTests.spatialgenBody, headers: [("Content-Type", "application/json"), ("X-Request-Id", hostile)])
            #expect(ok.status == 200, "\(ok.bodyText)")
            gateway.emulators.autorender.setFault(.providerError(status: 400))
            let refused = try await gateway.post(RetryTests.autorender)
            #expect(refused.status != 200)
            let call = try #require(PassthroughTests.calls.first { $0.provider == .spatialgen })
            let forwarded = try await gateway.send(
                method: call.method, path: "/spatialgen\(call.path)", body: Array(call.body.utf8),
                headers: [("Content-Type", "application/json")] + call.dummyHeaders)
            #expect(forwarded.status == 200, "\(forwarded.bodyText)")

            let lines = gateway.logs.all
            #expect(lines.count >= 3)
            let objects = Self.objects(lines)
            #expect(objects.count == lines.count)
            for object in objects {
                for key in ["time", "level", "label", "message"] {
                    #expect(object[key] is String, "\(key) missing in \(object)")
                }
                let time = object["time"] as? String ?? ""
                #expect(time.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "\(time)")
                // Every field is a string, as documented.
                #expect(object.values.allSatisfy { $0 is String }, "\(object)")
            }
            let completes = objects.filter { $0["message"] as? String == "complete" }
            let first = try #require(completes.first { $0["request_id"] as? String == hostile }, "\(objects)")
            #expect(first["status"] as? String == "200")
            #expect(first["route"] as? String == "spatialgen")
            #expect(first["provider"] as? String == "spatialgen")
            #expect(first["attempts"] as? String == "1")
            for key in ["upstream_ms", "total_ms"] {
                #expect(Double(first[key] as? String ?? "") != nil, "\(key): \(first)")
            }
            let failed = try #require(completes.first { $0["route"] as? String == "autorender" })
            #expect(failed["code"] as? String == refused.errorCode)
            #expect(failed["upstream_status"] as? String == "400")
            let passthrough = try #require(objects.first { $0["message"] as? String == "passthrough" })
            #expect(passthrough["status"] as? String == "200")
            #expect(passthrough["route"] as? String == "spatialgen")
        }
    }
}
