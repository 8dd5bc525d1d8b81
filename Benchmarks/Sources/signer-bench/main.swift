// Cost of one Huawei AK/SK signature (SDK-HMAC-SHA256) for a realistic MetaStudio "complete" request:
// the client path HuaweiSigner.sign(...), i.e. X-Sdk-Date formatting, canonical request, SHA-256 of the body
// and of the canonical request, HMAC-SHA256, Authorization value.
//
//   swift run -c release --package-path Benchmarks signer-bench [iterations]

import Foundation
import HuaweiSigner

let iterations = CommandLine.arguments.dropFirst().first.flatMap { Int($0) }.map { max($0, 1) } ?? 200_000
let warmUp = min(20_000, max(iterations / 10, 1))

let signer = HuaweiSigner(
    credentials: HuaweiCredentials(
        accessKey: "HPUABCDEFGHIJKLMNOPQ", secretKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCD"))
let projectID = "6a6a1f8354f64dd9b9a614def7b59d83"
let fileID = "24bad716-87b1-45e5-8912-6102f7693265"
let host = "metastudio.cn-north-4.myhuaweicloud.com"
let path = "/v1/\(projectID)/files/\(fileID)/complete"
let body = Array(#"{"state":"CREATED"}"#.utf8)
let headers: [(name: String, value: String)] = [
    (name: "Content-Type", value: "application/json"),
    (name: "X-Project-Id", value: projectID),
    (name: "X-App-UserId", value: "user-42"),
]
let start = Date(timeIntervalSince1970: 1_720_080_000)  // 2024-07-04T08:00:00Z

/// Signs `count` times, one second apart, and returns a checksum so that the work cannot be optimized away.
@inline(never)
func run(_ count: Int) -> Int {
    var checksum = 0
    for index in 0..<count {
        let added = signer.sign(
            method: "POST", host: host, path: path, headers: headers, body: body,
            date: start.addingTimeInterval(TimeInterval(index % 86_400)))
        checksum &+= added.last?.value.utf8.count ?? 0
    }
    return checksum
}

let clock = ContinuousClock()
_ = run(warmUp)
var checksum = 0
let elapsed = clock.measure { checksum = run(iterations) }

let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
let microsecondsPerSignature = nanoseconds / 1e3 / Double(iterations)
let opsPerSecond = Double(iterations) / (nanoseconds / 1e9)
print("signer-bench: SDK-HMAC-SHA256 sign(...) of POST \(path)")
print("  \(iterations) signatures after \(warmUp) warm-up, checksum \(checksum)")
print(String(format: "  mean %.3f µs/signature, %.0f ops/s", microsecondsPerSignature, opsPerSecond))
