import Yams

/// A YAML document that has no JSON equivalent, with where in the document.
package struct YAMLToJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    package var reason: String
    /// 1-based, 0 when unknown.
    package var line: Int
    package var description: String { line > 0 ? "line \(line): \(reason)" : reason }
}

extension JSONValue {
    /// The JSON value of a YAML document, members in the order written: mappings with string keys are objects,
    /// sequences arrays, and plain scalars are read as YAML's resolver reads them (`null`, booleans, integers,
    /// floats), every other scalar (quoted ones included) as a string. Keys that YAML would not read as strings
    /// (`200:`), repeated keys and merge keys are refused, so that every YAML reader sees the same document.
    package init(yaml text: String) throws(YAMLToJSONError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw YAMLToJSONError(reason: "not valid YAML: \(error)", line: 0)
        }
        guard let root else { throw YAMLToJSONError(reason: "the document is empty", line: 0) }
        self = try Self.convert(root)
    }

    private static func convert(_ node: Node) throws(YAMLToJSONError) -> JSONValue {
        let line = node.mark?.line ?? 0
        switch node {
        case .scalar(let scalar):
            return try convert(scalar, line: line)
        case .sequence(let sequence):
            var values: [JSONValue] = []
            values.reserveCapacity(sequence.count)
            for element in sequence { values.append(try convert(element)) }
            return .array(values)
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                let keyLine = key.mark?.line ?? line
                guard case .scalar(let keyScalar) = key else {
                    throw YAMLToJSONError(reason: "a mapping key must be a string", line: keyLine)
                }
                let keyTag = tagName(key)
                guard keyTag != .merge else { throw YAMLToJSONError(reason: "merge keys (<<) are not supported", line: keyLine) }
                // `200:` is an integer key to YAML readers: quoted, every reader sees the same string.
                guard keyScalar.style != .plain || ![Tag.Name.null, .bool, .int, .float].contains(keyTag) else {
                    throw YAMLToJSONError(reason: "key '\(keyScalar.string)' is not read as a string: quote it", line: keyLine)
                }
                guard object[keyScalar.string] == nil else {
                    throw YAMLToJSONError(reason: "duplicate key '\(keyScalar.string)'", line: keyLine)
                }
                object.members.append((key: keyScalar.string, value: try convert(value)))
            }
            return .object(object)
        case .alias:
            throw YAMLToJSONError(reason: "aliases (*name) are not supported", line: line)
        }
    }

    /// The node's resolved tag (`Tag.name` is not public).
    private static func tagName(_ node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

    private static func convert(_ scalar: Node.Scalar, line: Int) throws(YAMLToJSONError) -> JSONValue {
        let node = Node.scalar(scalar)
        switch tagName(node) {
        case .null:
            return .null
        case .bool:
            guard let value = node.bool else { throw YAMLToJSONError(reason: "'\(scalar.string)' is not a boolean", line: line) }
            return .bool(value)
        case .int:
            guard let value = node.int else {
                throw YAMLToJSONError(reason: "'\(scalar.string)' is not an integer JSON can hold", line: line)
            }
            return JSONValue(value)
        case .float:
            guard let value = node.float, value.isFinite else {
                throw YAMLToJSONError(reason: "'\(scalar.string)' is not a finite number", line: line)
            }
            return .number(String(value))
        default:
            // Strings, and timestamps as written (`2026-12-01T09:00:00Z` stays that text).
            return .string(scalar.string)
        }
    }
}
