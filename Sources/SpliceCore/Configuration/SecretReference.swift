import Foundation

/// Where a credential value comes from. Values are resolved at start-up; only the reference is ever printed.
package enum SecretReference: Sendable, Equatable, CustomStringConvertible {
    /// `${NAME}`: the environment variable NAME.
    case environment(String)
    /// `${file:PATH}`: the content of a file, one trailing `\n` or `\r\n` removed (PATH relative to the route file).
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
    ///
    /// A file's content loses exactly one trailing line break (`\n` or `\r\n`). A value that still holds a
    /// control character (any C0 control, DEL) is refused whatever its source: it could not be sent in a
    /// header, and must never reach a log line.
    package func resolve(
        environment: [String: String], relativeTo directory: String, allowEmpty: Bool
    ) -> Result<String, Unresolved> {
        let value: String
        switch self {
        case .literal(let literal):
            value = literal
        case .environment(let name):
            guard let variable = environment[name] else {
                return .failure(Unresolved(reason: "environment variable \(name) is not set"))
            }
            value = variable
        case .file(let path):
            let fullPath = path.hasPrefix("/") ? path : directory + "/" + path
            guard let data = FileManager.default.contents(atPath: fullPath) else {
                return .failure(Unresolved(reason: "file \(path) cannot be read"))
            }
            guard let text = String(validating: Self.withoutOneTrailingLineBreak(Array(data)), as: UTF8.self) else {
                return .failure(Unresolved(reason: "file \(path) is not UTF-8 text"))
            }
            value = text
        }
        guard allowEmpty || !value.isEmpty else {
            return .failure(Unresolved(reason: "\(subject) is empty"))
        }
        guard !Self.containsControlCharacter(value) else {
            return .failure(Unresolved(reason: "\(subject) contains a control character"))
        }
        return .success(value)
    }

    /// How a failure reason names the reference: the variable or file, or "the value" for a literal.
    private var subject: String {
        if case .literal = self { return "the value" }
        return description
    }

    /// The bytes without one trailing `\n` or `\r\n` (worked on bytes: `"\r\n"` is a single `Character`).
    static func withoutOneTrailingLineBreak(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        var end = bytes.endIndex
        if end > bytes.startIndex, bytes[end - 1] == UInt8(ascii: "\n") {
            end -= 1
            if end > bytes.startIndex, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        }
        return bytes[..<end]
    }

    /// Whether `text` holds a C0 control character (U+0000–U+001F: NUL, tab, CR, LF, …) or DEL (U+007F).
    package static func containsControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    package struct Unresolved: Error, Sendable, Equatable {
        package var reason: String
    }
}
