/// Why a request body was refused, in the provider's words.
struct BodyProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
