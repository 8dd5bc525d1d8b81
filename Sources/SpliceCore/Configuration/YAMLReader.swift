import Yams

/// Reads a YAML document into `Yams.Node`s and reports problems with the file name and line,
/// collecting them so that one run shows every mistake in a file.
struct YAMLReader {
    let file: String
    private(set) var problems: [ConfigurationProblem] = []

    init(file: String) {
        self.file = file
    }

    /// Parses the text; a syntax error is recorded with its line and gives `nil`.
    mutating func compose(_ text: String) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            problems.append(Self.problem(from: error, file: file))
            return nil
        } catch {
            problems.append(ConfigurationProblem(file: file, line: 1, message: "cannot be read as YAML"))
            return nil
        }
    }

    mutating func report(_ node: Node?, _ message: String) {
        problems.append(ConfigurationProblem(file: file, line: node?.mark?.line ?? 1, message: message))
    }

    /// The members of a mapping, or a recorded problem.
    mutating func mapping(_ node: Node, what: String) -> [(key: String, keyNode: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            report(node, "\(what) must be a mapping of keys to values")
            return nil
        }
        var members: [(key: String, keyNode: Node, value: Node)] = []
        var seen = Set<String>()
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                report(keyNode, "keys of \(what) must be plain names")
                continue
            }
            guard seen.insert(key).inserted else {
                report(keyNode, "key '\(key)' appears more than once")
                continue
            }
            members.append((key: key, keyNode: keyNode, value: value))
        }
        return members
    }

    /// A string value (any scalar, quoted or not); `null` or a collection is a recorded problem.
    mutating func string(_ node: Node, key: String) -> String? {
        guard let scalar = node.scalar, !(scalar.style == .plain && Self.isNull(scalar.string)) else {
            report(node, "'\(key)' must be a string")
            return nil
        }
        return scalar.string
    }

    /// A plain (unquoted) number.
    mutating func number(_ node: Node, key: String) -> Double? {
        guard let scalar = node.scalar, scalar.style == .plain, let value = Double(scalar.string) else {
            report(node, "'\(key)' must be a number")
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node, key: String) -> Int? {
        guard let scalar = node.scalar, scalar.style == .plain, let value = Int(scalar.string) else {
            report(node, "'\(key)' must be a whole number")
            return nil
        }
        return value
    }

    mutating func stringList(_ node: Node, key: String) -> [String]? {
        guard case .sequence(let sequence) = node else {
            report(node, "'\(key)' must be a list")
            return nil
        }
        var values: [String] = []
        for element in sequence {
            guard let value = string(element, key: key) else { return nil }
            values.append(value)
        }
        return values
    }

    /// Reports an unknown key, suggesting the nearest known one (a typo must not be silently ignored).
    mutating func reportUnknownKey(_ key: String, at node: Node, known: [String], in what: String) {
        var message = "unknown key '\(key)' in \(what)"
        if let nearest = Self.nearest(to: key, among: known) {
            message += " (did you mean '\(nearest)'?)"
        } else {
            message += " (expected one of: \(known.joined(separator: ", ")))"
        }
        report(node, message)
    }

    static func isNull(_ text: String) -> Bool {
        ["", "~", "null", "Null", "NULL"].contains(text)
    }

    static func problem(from error: YamlError, file: String) -> ConfigurationProblem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ConfigurationProblem(file: file, line: mark.line, message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigurationProblem(
                file: file, line: context.mark.line,
                message: "duplicate keys: \(duplicates.joined(separator: ", "))")
        default:
            return ConfigurationProblem(file: file, line: 1, message: "invalid YAML")
        }
    }

    /// The known key within edit distance 2 of `key`, if any.
    static func nearest(to key: String, among known: [String]) -> String? {
        let candidates = known.map { (name: $0, distance: editDistance(key.lowercased(), $0.lowercased())) }
        guard let best = candidates.min(by: { $0.distance < $1.distance }), best.distance <= 2 else { return nil }
        return best.name
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            previous = current
        }
        return previous[b.count]
    }
}
