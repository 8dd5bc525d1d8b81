/// A strict parser of the Prometheus text exposition format (version 0.0.4), for the tests that scrape
/// `/metrics`: `# HELP`/`# TYPE` lines, and samples `name{label="value",…} value [timestamp]`. Anything else is
/// an error naming the line: an invalid name, a label value with an unknown escape or no closing quote, a label
/// given twice, a value that is not a float, trailing text, a sample of a type declared after it.
struct PrometheusText: Sendable {
    struct Sample: Sendable, Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Malformed: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var text: String
        var description: String { "line \(line): \(reason): \(text)" }
    }

    private(set) var samples: [Sample] = []
    /// `# TYPE` of each metric family.
    private(set) var types: [String: String] = [:]

    init(parsing text: String) throws(Malformed) {
        var sampled: Set<String> = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 2, parts[0] == "#" else { continue }  // a plain comment
                switch parts[1] {
                case "TYPE":
                    guard parts.count == 4, Self.isMetricName(parts[2]),
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3])
                    else { throw Malformed(line: number, reason: "bad TYPE line", text: String(line)) }
                    guard types[parts[2]] == nil, !sampled.contains(parts[2]) else {
                        throw Malformed(line: number, reason: "TYPE given twice or after a sample", text: String(line))
                    }
                    types[parts[2]] = parts[3]
                case "HELP":
                    guard parts.count >= 3, Self.isMetricName(parts[2]) else {
                        throw Malformed(line: number, reason: "bad HELP line", text: String(line))
                    }
                default: continue
                }
                continue
            }
            var reader = Reader(Array(line.utf8), line: number)
            let sample = try reader.sample()
            sampled.insert(Self.family(of: sample.name, types: types))
            samples.append(sample)
        }
    }

    /// The family a sample belongs to: a histogram's `_bucket`, `_sum` and `_count` belong to the histogram.
    static func family(of name: String, types: [String: String]) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return name
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first.isLetter || first == UInt8(ascii: "_") || first == UInt8(ascii: ":")
        else { return false }
        return name.utf8.allSatisfy { $0.isLetter || $0.isDigit || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") }
    }

    /// The value of the sample with exactly these labels.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The samples of `name` whose labels include `labels`.
    func samples(_ name: String, matching labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    private struct Reader {
        let bytes: [UInt8]
        let line: Int
        var position = 0

        init(_ bytes: [UInt8], line: Int) {
            self.bytes = bytes
            self.line = line
        }

        func fail(_ reason: String) -> Malformed {
            Malformed(line: line, reason: reason, text: String(decoding: bytes, as: UTF8.self))
        }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func sample() throws(Malformed) -> Sample {
            let name = identifier(allowColon: true)
            guard PrometheusText.isMetricName(name) else { throw fail("bad metric name") }
            var labels: [String: String] = [:]
            if current == UInt8(ascii: "{") {
                position += 1
                while current != UInt8(ascii: "}") {
                    let label = identifier(allowColon: false)
                    guard !label.isEmpty, !(label.utf8.first?.isDigit ?? true) else { throw fail("bad label name") }
                    guard current == UInt8(ascii: "="), next() == UInt8(ascii: "\"") else { throw fail("expected =\"") }
                    position += 1
                    let value = try quoted()
                    guard labels.updateValue(value, forKey: label) == nil else { throw fail("label \(label) twice") }
                    if current == UInt8(ascii: ",") {
                        position += 1
                    } else if current != UInt8(ascii: "}") {
                        throw fail("expected , or }")
                    }
                }
                position += 1
            }
            guard current == UInt8(ascii: " ") else { throw fail("expected a space before the value") }
            position += 1
            let fields = bytes[position...].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard (1...2).contains(fields.count), let valueText = fields.first.map({ String(decoding: $0, as: UTF8.self) })
            else { throw fail("expected a value and at most a timestamp") }
            guard let value = Self.float(valueText) else { throw fail("bad value") }
            if fields.count == 2 {
                guard let stamp = fields.last, !stamp.isEmpty, Int64(String(decoding: stamp, as: UTF8.self)) != nil else {
                    throw fail("bad timestamp")
                }
            }
            return Sample(name: name, labels: labels, value: value)
        }

        mutating func next() -> UInt8? {
            position += 1
            return current
        }

        mutating func identifier(allowColon: Bool) -> String {
            let start = position
            while let byte = current,
                byte.isLetter || byte.isDigit || byte == UInt8(ascii: "_") || (allowColon && byte == UInt8(ascii: ":"))
            {
                position += 1
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        /// A label value after its opening quote, up to and past its closing quote: `\\`, `\"` and `\n` only.
        mutating func quoted() throws(Malformed) -> String {
            var value: [UInt8] = []
            while let byte = current {
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: value, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    switch current {
                    case UInt8(ascii: "\\"): value.append(UInt8(ascii: "\\"))
                    case UInt8(ascii: "\""): value.append(UInt8(ascii: "\""))
                    case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                    default: throw fail("unknown escape in a label value")
                    }
                    position += 1
                default:
                    value.append(byte)
                }
            }
            throw fail("label value without its closing quote")
        }

        static func float(_ text: String) -> Double? {
            switch text {
            case "+Inf", "Inf": return .infinity
            case "-Inf": return -.infinity
            case "NaN": return .nan
            default:
                guard !text.isEmpty, text.utf8.allSatisfy({ $0.isDigit || "+-.eE".utf8.contains($0) }) else { return nil }
                return Double(text)
            }
        }
    }
}

extension UInt8 {
    fileprivate var isLetter: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
    fileprivate var isDigit: Bool { (0x30...0x39).contains(self) }
}
