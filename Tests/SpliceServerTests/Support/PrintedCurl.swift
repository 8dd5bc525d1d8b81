import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// A `curl` command as `splice demo` prints it, read the way a POSIX shell reads it (words split on blanks,
/// single quotes kept literally, a backslash-newline joining lines), then sent with AsyncHTTPClient.
struct PrintedCurl: CustomStringConvertible {
    var method = "GET"
    var url = ""
    var headers: [(name: String, value: String)] = []
    var body: String?
    let description: String

    struct Unsupported: Error, CustomStringConvertible {
        var description: String
    }

    /// Every `curl` command in `text`, in order.
    static func all(in text: String) throws -> [PrintedCurl] {
        var commands: [PrintedCurl] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
        while let line = lines.popFirst() {
            guard line.hasPrefix("curl ") else { continue }
            var command = line
            while command.hasSuffix("\\"), let next = lines.popFirst() {
                command = String(command.dropLast()) + next
            }
            commands.append(try PrintedCurl(command))
        }
        return commands
    }

    init(_ command: String) throws {
        self.description = command
        var words = try Self.words(command)[...]
        guard words.popFirst() == "curl" else { throw Unsupported(description: "not a curl command: \(command)") }
        while let word = words.popFirst() {
            switch word {
            case "-s":
                continue
            case "-X":
                guard let value = words.popFirst() else { throw Unsupported(description: "-X without a method") }
                method = value
            case "-H":
                guard let value = words.popFirst(), let colon = value.firstIndex(of: ":") else {
                    throw Unsupported(description: "-H without 'Name: value'")
                }
                headers.append(
                    (String(value[..<colon]), String(value[value.index(after: colon)...].drop { $0 == " " })))
            case "-d":
                guard let value = words.popFirst() else { throw Unsupported(description: "-d without a body") }
                body = value
                if method == "GET" { method = "POST" }
            default:
                guard word.hasPrefix("http://"), url.isEmpty else {
                    throw Unsupported(description: "unexpected word '\(word)' in: \(command)")
                }
                url = word
            }
        }
    }

    /// POSIX shell words: blanks separate, `'…'` is literal, `\x` outside quotes is `x`.
    static func words(_ text: String) throws -> [String] {
        var words: [String] = []
        var current: String?
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            switch character {
            case " ", "\t":
                if let word = current { words.append(word) }
                current = nil
            case "'":
                var quoted = ""
                var closed = false
                while let inner = iterator.next() {
                    if inner == "'" {
                        closed = true
                        break
                    }
                    quoted.append(inner)
                }
                guard closed else { throw Unsupported(description: "unterminated quote in: \(text)") }
                current = (current ?? "") + quoted
            case "\\":
                guard let escaped = iterator.next() else { throw Unsupported(description: "trailing backslash") }
                current = (current ?? "") + String(escaped)
            default:
                current = (current ?? "") + String(character)
            }
        }
        if let word = current { words.append(word) }
        return words
    }

    /// Sends the command; returns the status and the body as text.
    func send() async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for header in headers {
            request.headers.add(name: header.name, value: header.value)
        }
        if let body {
            // curl -d sends this content type unless the command sets one.
            if !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            }
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), text)
    }
}
