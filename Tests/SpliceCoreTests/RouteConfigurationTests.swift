import Foundation
import Testing

@testable import SpliceCore

@Suite struct RouteConfigurationTests {
    static func parse(_ yaml: String, name: String = "r") -> Result<RouteConfiguration, ConfigurationError> {
        RouteConfiguration.parse(yaml: yaml, name: name, file: "routes/\(name).yaml", directory: "routes", registry: .standard)
    }

    @Test func readsAFullRoute() throws {
        let route = try Self.parse(
            """
            provider: gjirafa-vp
            upstream: https://vp.example.com/prefix/
            credentials:
              apiKey: ${VP_KEY}
              scheme: ""
            defaults:
              projectId: p1234567
            timeoutSeconds: 2.5
            maxConnections: 32
            """
        ).get()
        #expect(route.provider == "gjirafa-vp")
        #expect(route.upstream.pathPrefix == "/prefix")
        #expect(route.credentials["apiKey"] == .environment("VP_KEY"))
        #expect(route.credentials["scheme"] == .literal(""))
        #expect(route.defaults.projectId == "p1234567")
        #expect(route.timeout == .milliseconds(2500))
        #expect(route.maxConnections == 32)
    }

    /// A pool sized for a gateway unless the route says otherwise (AsyncHTTPClient's own default is 8).
    @Test func eachRouteHasAPoolOfAFewHundredConnectionsByDefault() throws {
        let route = try Self.parse("provider: spatialgen\nupstream: https://x.com\ncredentials:\n  appKey: ${K}\n").get()
        #expect(route.maxConnections == 256)
    }

    /// Invalid files: the problems' `FILE:LINE: message` lines.
    static let invalid: [(yaml: String, problems: [String])] = [
        (
            "provider: spatialgen\nupstream: https://x.com\ncredentials:\n  appKey: ${K}\nretries:\n  attempts: 0\n  maxDelaySeconds: 301\n",
            [
                "routes/r.yaml:6: 'retries.attempts' must be between 1 and 10 (1 never retries)",
                "routes/r.yaml:7: 'retries.maxDelaySeconds' must be between 0 and 300",
            ]
        ),
        (
            "provider: spatialgen\nupstream: https://x.com\ncredentials:\n  appKey: ${K}\nretries:\n  attempt: 3\n  maxDelaySeconds: \"5\"\n",
            [
                "routes/r.yaml:6: unknown key 'attempt' in 'retries' (did you mean 'attempts'?)",
                "routes/r.yaml:7: 'retries.maxDelaySeconds' must be a number",
            ]
        ),
        (
            "provider: spatialgen\nupstream: https://x.com\ncredentials:\n  appKey: ${K}\nretries: 3\n",
            ["routes/r.yaml:5: 'retries' must be a mapping of keys to values"]
        ),
        ("", ["routes/r.yaml:1: the file is empty: a route needs provider, upstream and credentials"]),
        ("provider: [", ["routes/r.yaml:2: invalid YAML"]),
        (
            "provider: dropbox\nupstream: https://x.com\ncredentials: {}\n",
            ["routes/r.yaml:1: unknown provider 'dropbox' (expected one of: tenovos, autorender, gjirafa-vp, huawei-metastudio, spatialgen)"]
        ),
        (
            "provider: spatialgen\nupstream: https://x.com\ncredentails:\n  appKey: ${K}\n",
            [
                "routes/r.yaml:3: unknown key 'credentails' in a route file (did you mean 'credentials'?)",
                "routes/r.yaml:1: missing key 'credentials'",
            ]
        ),
        (
            "provider: spatialgen\nupstream: http://spatialgen.com\ncredentials:\n  appKey: ${K}\n",
            ["routes/r.yaml:2: 'upstream' must use https:// (http:// is allowed only for loopback hosts)"]
        ),
        (
            "provider: spatialgen\nupstream: https://x.com\ncredentials:\n  appkey: ${K}\n",
            [
                "routes/r.yaml:4: unknown key 'appkey' in spatialgen credentials (did you mean 'appKey'?)",
                "routes/r.yaml:4: spatialgen credentials need appKey",
            ]
        ),
        (
            "provider: spatialgen\nupstream: https://x.com\ncredentials:\n  appKey: ${K}\ntimeoutSeconds: \"30\"\n",
            ["routes/r.yaml:5: 'timeoutSeconds' must be a number"]
        ),
        (
            "provider: spatialgen\nupstream: https://x.com\ncredentials:\n  appKey: ${K}\ntimeoutSeconds: 0\n",
            ["routes/r.yaml:5: 'timeoutSeconds' must be between 0.1 and 600"]
        ),
        (
            "provider: spatialgen\nupstream: https://x.com\ncredentials:\n  appKey: Bearer ${K}\n",
            ["routes/r.yaml:4: 'credentials.appKey': a reference must be the whole value: ${NAME} or ${file:PATH}"]
        ),
        (
            "provider: huawei-metastudio\nupstream: https://x.com\ncredentials:\n  accessKey: ${A}\n  secretKey: ${S}\n  token: ${T}\n",
            ["routes/r.yaml:4: huawei-metastudio credentials take accessKey + secretKey or token, not both"]
        ),
        (
            "provider: huawei-metastudio\nupstream: https://x.com\ncredentials:\n  accessKey: ${A}\n",
            ["routes/r.yaml:4: huawei-metastudio credentials need accessKey + secretKey, or token"]
        ),
        (
            "provider: spatialgen\nupstream: https://x.com\ncredentials:\n  appKey: ${K}\noptions:\n  region: x\n",
            ["routes/r.yaml:6: spatialgen routes take no 'options'"]
        ),
        (
            "provider: spatialgen\nupstream: https://x.com\ncredentials:\n  appKey: ${K}\ndefaults:\n  projectID: x\n",
            ["routes/r.yaml:6: unknown key 'projectID' in 'defaults' (did you mean 'projectId'?)"]
        ),
        ("- a\n- b\n", ["routes/r.yaml:1: a route file must be a mapping of keys to values"]),
        (
            "provider: spatialgen\nupstream: https://x.com\ncredentials:\n  appKey: ${K}\nmaxConnections: 0\n",
            ["routes/r.yaml:5: 'maxConnections' must be between 1 and 10000"]
        ),
    ]

    @Test(arguments: invalid)
    func reportsProblemsWithLines(_ yaml: String, _ expected: [String]) {
        switch Self.parse(yaml) {
        case .success: Issue.record("expected problems")
        case .failure(let error):
            let lines = error.problems.map(\.description)
            #expect(lines.count == expected.count, "\(lines)")
            for (line, prefix) in zip(lines, expected) {
                #expect(line.hasPrefix(prefix), "\(line)")
            }
        }
    }

    @Test func retriesDefaultToTwoAttemptsAndFiveSeconds() throws {
        let base = "provider: spatialgen\nupstream: https://x.com\ncredentials:\n  appKey: ${K}\n"
        #expect(try Self.parse(base).get().retries == .init(attempts: 2, maxDelay: .seconds(5)))
        let set = try Self.parse(base + "retries:\n  attempts: 1\n  maxDelaySeconds: 0.5\n").get()
        #expect(set.retries == .init(attempts: 1, maxDelay: .milliseconds(500)))
        let partial = try Self.parse(base + "retries: {maxDelaySeconds: 0}\n").get()
        #expect(partial.retries == .init(attempts: 2, maxDelay: .zero))
    }

    @Test func routeNamesFollowTheRule() {
        #expect(RouteConfiguration.isValidName("tenovos-eu-2"))
        #expect(!RouteConfiguration.isValidName("-x"))
        #expect(!RouteConfiguration.isValidName("Tenovos"))
        #expect(!RouteConfiguration.isValidName(String(repeating: "a", count: 64)))
        if case .success = Self.parse("provider: spatialgen", name: "Bad_Name") { Issue.record("accepted a bad name") }
    }

    @Test func v11NeedsARegion() throws {
        let yaml = """
            provider: huawei-metastudio
            upstream: https://metastudio.example.com
            credentials: {accessKey: "${A}", secretKey: "${S}"}
            options:
              signingAlgorithm: V11-HMAC-SHA256
            """
        guard case .failure(let error) = Self.parse(yaml) else {
            Issue.record("expected a problem")
            return
        }
        #expect(error.problems.first?.message.contains("'options.region' is needed") == true)
        let fromHost = yaml.replacingOccurrences(of: "metastudio.example.com", with: "metastudio.cn-north-4.myhuaweicloud.com")
        let route = try Self.parse(fromHost).get()
        #expect(HuaweiMetaStudioProvider().region(of: route) == "cn-north-4")
    }
}
