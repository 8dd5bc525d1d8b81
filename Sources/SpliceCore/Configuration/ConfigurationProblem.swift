/// One problem in a configuration file, printed as `FILE:LINE: message`.
package struct ConfigurationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var message: String

    package init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    package var description: String { "\(file):\(line): \(message)" }
}

/// Every problem found while loading configuration; `serve` and `check` print them all and exit 1.
package struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    package var problems: [ConfigurationProblem]

    package init(_ problems: [ConfigurationProblem]) {
        self.problems = problems
    }

    package var description: String { problems.map(\.description).joined(separator: "\n") }
}
