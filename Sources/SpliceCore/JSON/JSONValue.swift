/// A JSON document, kept as received: object members stay in order and numbers keep their literal text,
/// so that a provider's body can be passed on byte-for-byte in meaning ("the provider's JSON, as received").
package enum JSONValue: Sendable, Equatable, ExpressibleByStringLiteral {
    case null
    case bool(Bool)
    /// The number's literal text, validated against the JSON grammar (e.g. `1287340032`, `-1.5e3`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    package init(_ string: String) { self = .string(string) }
    package init(stringLiteral value: String) { self = .string(value) }
    package init(_ int: Int) { self = .number(String(int)) }
    package init(_ bool: Bool) { self = .bool(bool) }
    package init(_ optional: String?) { self = optional.map(JSONValue.string) ?? .null }

    package var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }
    package var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
    package var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }
    package var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
    /// The number as an integer, when it is one (no fraction or exponent) and fits in `Int`.
    package var intValue: Int? {
        if case .number(let text) = self { return Int(text) }
        return nil
    }
    /// Integral numbers written with a fraction or exponent (`2.0`, `1e3`) are integers too.
    package var integralValue: Int? {
        guard case .number(let text) = self else { return nil }
        if let int = Int(text) { return int }
        guard let double = Double(text), double.rounded() == double, abs(double) < 9.0e15 else { return nil }
        return Int(double)
    }
    package var isNull: Bool { self == .null }

    /// A short name of the JSON type, for error messages.
    package var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    package subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}

/// A JSON object whose members keep the order in which they were written.
package struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    package var members: [(key: String, value: JSONValue)]

    package init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.members = elements.map { (key: $0.0, value: $0.1) }
    }

    /// The first member with this key.
    package subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key: key, value: newValue))
            }
        }
    }

    package var keys: [String] { members.map(\.key) }

    /// The first key written a second time, in member order; `nil` when every key is unique. The parser keeps
    /// every member, so a reader that wants unique keys (the `/complete` body) asks this.
    package var firstDuplicateKey: String? {
        var seen = Set<String>()
        for member in members where !seen.insert(member.key).inserted {
            return member.key
        }
        return nil
    }

    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
