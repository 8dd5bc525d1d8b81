import Testing

/// The harness itself: a gateway that cannot start makes the test fail, never hang.
@Suite(.timeLimit(.minutes(1))) struct GatewayHarnessTests {
    @Test func aGatewayThatCannotBindFailsInsteadOfHanging() async throws {
        let holder = try PortHolder()
        await #expect(throws: HarnessError.gatewayDidNotStart) {
            try await withGateway(port: holder.port) { _ in
                Issue.record("the gateway started on a port that is in use")
            }
        }
        withExtendedLifetime(holder) {}
    }

    @Test func aGatewayOnAFreePortAnswers() async throws {
        let status = try await withGateway { gateway in try await gateway.get("/livez").status }
        #expect(status == 200)
    }
}
