import Foundation

/// Where a credential value comes from. Values are resolved at start-up; only the reference is ever printed.
package enum SecretReference: Sendable, Equatable, CustomStringConvertible {
    /// `${NAME}`: the environment variable NAME.
    case environment(String)
    /// `${file:PATH}`: the content of a file, trailing newline removed (PATH relative to the route file).
    case file(path: String)
    /// A value written in the route file itself (accepted; `splice check` warns about it for secrets).
    case literal(String)

    /// Parses a route-file value. Anything with `${` must be exactly one reference.
    package init(parsing text: String) throws(ParseError) {
        guard text.contains("${") else {
            self = .literal(text)
            return
        }
        guard text.hasPrefix("${"), text.hasSuffix("}"), text.filter({ $0 == "}" }).count == 1 else {
            throw ParseError(reason: "a reference must be the whole value: ${NAME} or ${file:PATH}")
        }
        let inner = String(text.dropFirst(2).dropLast())
        if inner.hasPrefix("file:") {
            let path = String(inner.dropFirst("file:".count))
            guard !path.isEmpty else { throw ParseError(reason: "${file:PATH} needs a path") }
            self = .file(path: path)
        } else {
            let valid =
                !inner.isEmpty && inner.first.map { $0.isLetter || $0 == "_" } == true
                && inner.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            guard valid else { throw ParseError(reason: "'\(inner)' is not a valid environment variable name") }
            self = .environment(inner)
        }
    }

    package struct ParseError: Error, Sendable {
        package var reason: String
    }

    /// How the reference reads in messages: never the value.
    package var description: String {
        switch self {
        case .environment(let name): "environment variable \(name)"
        case .file(let path): "file \(path)"
        case .literal: "a literal value"
        }
    }

    /// Resolves the value. Failure reasons name the variable or file, never a value.
    package func resolve(
        environment: [String: String], relativeTo directory: String, allowEmpty: Bool
    ) -> Result<String, Unresolved> {
        switch self {
        case .literal(let value):
            guard allowEmpty || !value.isEmpty else { return .failure(Unresolved(reason: "the value is empty")) }
            return .success(value)
        case .environment(let name):
            guard let value = environment[name] else {
                return .failure(Unresolved(reason: "environment variable \(name) is not set"))
            }
            guard allowEmpty || !value.isEmpty else {
                return .failure(Unresolved(reason: "environment variable \(name) is empty"))
            }
            return .success(value)
        case .file(let path):
            let fullPath = path.hasPrefix("/") ? path : directory + "/" + path
            guard let data = FileManager.default.contents(atPath: fullPath),
                var value = String(data: data, encoding: .utf8)
            else {
                return .failure(Unresolved(reason: "file \(path) cannot be read"))
            }
            if value.hasSuffix("\r\n") {
                value.removeLast(2)
            } else if value.hasSuffix("\n") {
                value.removeLast()
            }
            guard allowEmpty || !value.isEmpty else {
                return .failure(Unresolved(reason: "file \(path) is empty"))
            }
            return .success(value)
        }
    }

    package struct Unresolved: Error, Sendable, Equatable {
        package var reason: String
    }
}
