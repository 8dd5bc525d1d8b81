// The `/complete` pipeline without sockets, per provider: what Splice itself spends on one request.
//
//   swift package --traits Benchmarks --scratch-path .build-microbench benchmark --target pipeline-bench
//
// Built without the `Benchmarks` trait (as `swift build` and CI do) this target is a stub that says so.
// Benchmarks/README.md says what each benchmark covers and gives the last figures.

#if Benchmarks
    import Benchmark
    import HTTPTypes
    import Logging
    import SpliceCore

    /// One provider: a route to it, a realistic `/complete` body for it, and its canned successful answer.
    struct ProviderCase: Sendable {
        var route: RouteConfiguration
        var body: [UInt8]
        /// The provider's answer to the complete call.
        var answer: UpstreamResponse
        /// The provider's answer to a login (Tenovos' `/auth/token`), when it has one.
        var login: UpstreamResponse?

        var name: String { route.name }
        var provider: any Provider {
            guard let provider = ProviderRegistry.standard.provider(named: route.provider) else {
                fatalError("no provider \(route.provider)")
            }
            return provider
        }
    }

    func upstream(_ text: String) -> UpstreamURL {
        do {
            return try UpstreamURL(parsing: text)
        } catch {
            fatalError("bad upstream \(text): \(error)")
        }
    }

    func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    let requestId = "0f8e1d2c-3b4a-4596-8778-695a4b3c2d1e"
    let etags = ["9b2cf535f27731c974343645a3985328", "5e1a6a0cbd3b7f1f3c7e8a2d4b6c8e0f", "d41d8cd98f00b204e9800998ecf8427e"]
    let partsJSON = etags.enumerated().map { #"{"partNumber":\#($0.offset + 1),"etag":"\#($0.element)"}"# }
        .joined(separator: ",")
    /// Tenovos' tokens are Cognito JWTs of about a kilobyte; only their length matters here (redaction scans for them).
    let idToken = "eyJraWQiOiJ" + String(repeating: "aBcD1234", count: 110)
    let accessToken = "eyJraWQiOiJ" + String(repeating: "zYxW9876", count: 100)

    let cases: [ProviderCase] = [
        ProviderCase(
            route: RouteConfiguration(
                name: "spatialgen", provider: "spatialgen", upstream: upstream("https://spatialgen.com"),
                credentials: ["appKey": .literal("sg-app-key-0123456789abcdef")]),
            body: json(
                #"{"route":"spatialgen","sessionId":"grp_7f9c2e4a1b","uploadId":"up_3d5e7f9a2c","parts":[\#(partsJSON)]}"#),
            answer: UpstreamResponse(
                status: 200, headers: [.contentType: "application/json"],
                body: json(#"{"uploadId":"up_3d5e7f9a2c","fileName":"a.mov","totalBytes":1287340032,"status":"completed"}"#))),
        ProviderCase(
            route: RouteConfiguration(
                name: "autorender", provider: "autorender", upstream: upstream("https://upload.autorender.io"),
                credentials: ["apiKey": .literal("ar_live_0123456789abcdef")]),
            body: json(#"{"route":"autorender","uploadId":"ms_1f2e3d4c5b6a"}"#),
            answer: UpstreamResponse(
                status: 200, headers: [.contentType: "application/json"],
                body: json(
                    #"{"success":true,"data":{"id":"f_8a7b6c5d","name":"a.mov","file_size":1287340032,"#
                        + #""url":"https://cdn.autorender.io/f_8a7b6c5d/a.mov","path":"uploads/f_8a7b6c5d/a.mov","format":"mov"}}"#
                ))),
        ProviderCase(
            route: RouteConfiguration(
                name: "gjirafa-vp", provider: "gjirafa-vp", upstream: upstream("https://vp-api.gjirafa.tech"),
                credentials: ["apiKey": .literal("vp-key-0123456789abcdef")]),
            body: json(
                #"{"route":"gjirafa-vp","projectId":"agmipnzb","uploadId":"rk_5c4b3a29","parts":[\#(partsJSON)],"#
                    + #""options":{"allowPartialComplete":false}}"#),
            answer: UpstreamResponse(
                status: 200, headers: [.contentType: "application/json"],
                body: json(
                    #"{"success":true,"errors":[],"messages":["Upload completed."],"result":{"requestKey":"rk_5c4b3a29"},"#
                        + #""resultInfo":null,"statusCode":200}"#))),
        ProviderCase(
            route: RouteConfiguration(
                name: "huawei-metastudio", provider: "huawei-metastudio",
                upstream: upstream("https://metastudio.cn-north-4.myhuaweicloud.com"),
                credentials: [
                    "accessKey": .literal("HPUABCDEFGHIJKLMNOPQ"), "secretKey": .literal("abcdefghijklmnopqrstuvwxyz0123456789ABCD"),
                ]),
            body: json(
                #"{"route":"huawei-metastudio","projectId":"6a6a1f8354f64dd9b9a614def7b59d83","#
                    + #""fileId":"24bad716-87b1-45e5-8912-6102f7693265","options":{"appUserId":"user-42"}}"#),
            // MetaStudio answers 200 with an empty body; only X-Request-Id is documented.
            answer: UpstreamResponse(status: 200, headers: [.requestId: "8d1c3c7c1b2a4e5f9a8b7c6d5e4f3a2b"])),
        ProviderCase(
            route: RouteConfiguration(
                name: "tenovos", provider: "tenovos", upstream: upstream("https://api.tenovos.io"),
                credentials: [
                    "apiKey": .literal("tnv-key-0123456789abcdef"), "username": .literal("svc-upload"),
                    "password": .literal("correct-horse-battery"),
                ]),
            body: json(
                #"{"route":"tenovos","fileId":"b3c1e0d2-7a4f-4e8b-9c6d-5f2a1b0c9d8e","uploadId":"2~Xk9fQ3rT","#
                    + #""fileName":"a.mov","fileSize":1287340032,"parts":[\#(partsJSON)]}"#),
            answer: UpstreamResponse(
                status: 200, headers: [.contentType: "application/json", HTTPField.Name("x-amzn-RequestId")!: "c0ffee00-1111"],
                body: json(
                    #"{"fileId":"b3c1e0d2-7a4f-4e8b-9c6d-5f2a1b0c9d8e","filename":"a.mov","#
                        + #""s3Key":"tenant/b3c1e0d2/a.mov","status":"complete"}"#)),
            login: UpstreamResponse(
                status: 200, headers: [.contentType: "application/json"],
                body: json(
                    #"{"session":{"authorization":"\#(idToken)","accessToken":"\#(accessToken)","#
                        + #""refreshToken":"rt-0123456789","expireEpoch":4102444800000}}"#))),
    ]

    /// Answers from memory: the provider's canned answer, or its login answer for `/auth/token`.
    struct InMemoryTransport: UpstreamTransport {
        let answer: UpstreamResponse
        let login: UpstreamResponse?

        func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse {
            if let login, request.path == "/auth/token" { return login }
            return answer
        }
    }

    func service(for providerCase: ProviderCase) -> CompletionService {
        let transport = InMemoryTransport(answer: providerCase.answer, login: providerCase.login)
        return CompletionService(routes: RouteTable.resolve([providerCase.route], environment: [:], transport: transport))
    }

    let context = CallContext(
        requestId: requestId, logger: Logger(label: "pipeline-bench", factory: { _ in SwiftLogNoOpLogHandler() }))

    /// Parse and check the body, translate it, interpret the canned answer, serialize the envelope.
    func stages(_ providerCase: ProviderCase, _ provider: any Provider) throws(GatewayError) -> [UInt8] {
        let request = try CompleteRequest(json: providerCase.body)
        let upstreamRequest = try provider.makeRequest(request, route: providerCase.route)
        blackHole(upstreamRequest)
        let success = try provider.interpret(providerCase.answer, to: request, route: providerCase.route)
        return success.envelope(requestId: requestId).serialized()
    }

    /// The whole `CompletionService.complete` (route lookup, access, translation, the exchange's stages with the
    /// provider's authenticator, interpretation, redaction), then the envelope's serialization.
    func completion(_ service: CompletionService, _ body: [UInt8]) async -> [UInt8] {
        do {
            let outcome = try await service.complete(body: body, context: context)
            switch outcome.result {
            case .success(let success): return success.envelope(requestId: requestId).serialized()
            case .failure(let error): fatalError("the pipeline failed: \(error)")
            }
        } catch {
            fatalError("cancelled")
        }
    }

    func mustSucceed<T>(_ name: String, _ body: () throws(GatewayError) -> T) -> T {
        do {
            return try body()
        } catch {
            fatalError("\(name) failed: \(error)")
        }
    }

    @main
    struct BenchmarkRunner: BenchmarkRunnerHooks {
        static func registerBenchmarks() {
            // Figures are per request: each measured iteration runs 1000 requests.
            Benchmark.defaultConfiguration = .init(
                metrics: [.wallClock, .mallocCountTotal],
                timeUnits: .nanoseconds, warmupIterations: 5, scalingFactor: .kilo, maxDuration: .seconds(3),
                maxIterations: 10_000)

            for providerCase in cases {
                let provider = providerCase.provider
                _ = mustSucceed(providerCase.name) { () throws(GatewayError) in try stages(providerCase, provider) }
                Benchmark("stages \(providerCase.name)") { benchmark in
                    for _ in benchmark.scaledIterations {
                        blackHole(mustSucceed(providerCase.name) { () throws(GatewayError) in try stages(providerCase, provider) })
                    }
                }
            }

            for providerCase in cases {
                let completionService = service(for: providerCase)
                Benchmark("service \(providerCase.name)") { benchmark in
                    // The first call logs in (Tenovos); every later one uses the route's session, as in the server.
                    blackHole(await completion(completionService, providerCase.body))
                    benchmark.startMeasurement()
                    for _ in benchmark.scaledIterations {
                        blackHole(await completion(completionService, providerCase.body))
                    }
                    benchmark.stopMeasurement()
                }
            }

            // The stages one at a time, for the provider of the gateway benchmark.
            let spatialgen = cases[0]
            let provider = spatialgen.provider
            let request = mustSucceed("parse") { () throws(GatewayError) in try CompleteRequest(json: spatialgen.body) }
            let success = mustSucceed("interpret") { () throws(GatewayError) in
                try provider.interpret(spatialgen.answer, to: request, route: spatialgen.route)
            }
            Benchmark("spatialgen 1 parse") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(mustSucceed("parse") { () throws(GatewayError) in try CompleteRequest(json: spatialgen.body) })
                }
            }
            Benchmark("spatialgen 2 makeRequest") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(
                        mustSucceed("makeRequest") { () throws(GatewayError) in
                            try provider.makeRequest(request, route: spatialgen.route)
                        })
                }
            }
            Benchmark("spatialgen 3 interpret") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(
                        mustSucceed("interpret") { () throws(GatewayError) in
                            try provider.interpret(spatialgen.answer, to: request, route: spatialgen.route)
                        })
                }
            }
            Benchmark("spatialgen 4 envelope") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(success.envelope(requestId: requestId).serialized())
                }
            }

            // The service's redaction of a success (made per request, from the authenticator's current secrets), for
            // SpatialGen's one key and for Tenovos' key, password and kilobyte-long session tokens.
            let tenovos = cases[4]
            let tenovosRequest = mustSucceed("parse") { () throws(GatewayError) in try CompleteRequest(json: tenovos.body) }
            let tenovosSuccess = mustSucceed("interpret") { () throws(GatewayError) in
                try tenovos.provider.interpret(tenovos.answer, to: tenovosRequest, route: tenovos.route)
            }
            let redactions: [(name: String, secrets: [String], success: CompleteSuccess)] = [
                ("spatialgen 5 redact", ["sg-app-key-0123456789abcdef", "sg-app-key-0123456789abcdef"], success),
                ("tenovos redact", [idToken, accessToken, "rt-0123456789", "tnv-key-0123456789abcdef", "correct-horse-battery"], tenovosSuccess),
            ]
            for redaction in redactions {
                Benchmark(redaction.name) { benchmark in
                    for _ in benchmark.scaledIterations {
                        blackHole(Redactor(secrets: redaction.secrets).redact(redaction.success))
                    }
                }
            }
        }
    }
#else
    @main
    enum PipelineBenchStub {
        static func main() {
            print("pipeline-bench was built without the Benchmarks trait, so it has no benchmarks. Run it with:")
            print("  swift package --traits Benchmarks --scratch-path .build-microbench benchmark --target pipeline-bench")
        }
    }
#endif
