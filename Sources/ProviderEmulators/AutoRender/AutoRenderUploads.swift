import Foundation
import HuaweiSigner

/// The multipart sessions an AutoRender emulator started: what `start` promised, and the parts its storage
/// received. At most `limit` sessions are kept (the oldest are forgotten), so that a long `splice demo` stays small.
struct AutoRenderUploads: Sendable {
    /// One session from `POST /api/v1/multipart/start`.
    struct Session: Sendable {
        var uuid: String
        var size: Int
        var partSize: Int
        var partCount: Int
        /// Unix seconds after which its part URLs are refused.
        var expireAt: Int
        /// The `X-Amz-Signature` its part URLs carry.
        var signature: String
        /// Part number (1-based) → bytes stored.
        var stored: [Int: Int] = [:]

        /// Bytes stored so far.
        var storedBytes: Int { self.stored.values.reduce(0, +) }

        /// The number of bytes part `number` must have.
        func expectedBytes(ofPart number: Int) -> Int {
            number < self.partCount ? self.partSize : self.size - (self.partCount - 1) * self.partSize
        }
    }

    let limit: Int
    private(set) var sessions: [String: Session] = [:]
    private var order: [String] = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    mutating func add(_ session: Session, id: String) {
        self.sessions[id] = session
        self.order.append(id)
        while self.order.count > self.limit {
            self.sessions[self.order.removeFirst()] = nil
        }
    }

    mutating func remove(_ id: String) {
        self.sessions[id] = nil
        self.order.removeAll { $0 == id }
    }

    mutating func store(part number: Int, bytes: Int, in id: String) {
        self.sessions[id]?.stored[number] = bytes
    }
}

/// A validated `start` body.
struct AutoRenderStartRequest: Sendable {
    var fileName: String
    var size: Int
    var format: String
    var folder: String
    var tags: [String]
    var ttlSeconds: Int

    /// The fields the API and the official SDK (`autorender` 0.2.4, `MultipartUploadStartParams`) know.
    static let fields: Set<String> = [
        "file_name", "size", "format", "folder", "tags", "metadata", "custom_id", "random_prefix", "ttl_seconds",
    ]
    /// Presigned URLs live an hour unless `ttl_seconds` says otherwise (at most 7 days, as S3 allows).
    static let defaultTTL = 3600
    static let ttlRange = 1...604_800

    /// Checks a `start` body strictly, in AutoRender's words.
    static func parse(_ body: JSONValue) -> Result<AutoRenderStartRequest, BodyProblem> {
        if let unknown = body.keys.first(where: { !fields.contains($0) }) {
            return .failure(BodyProblem("Unknown field: \(unknown)"))
        }
        guard let fileName = body["file_name"]?.stringValue, !fileName.isEmpty else {
            return .failure(BodyProblem("file_name is required"))
        }
        guard let size = body["size"]?.intValue else {
            return .failure(BodyProblem("size is required and must be an integer number of bytes"))
        }
        guard size > 0 else {
            return .failure(BodyProblem("size must be greater than 0"))
        }
        guard let format = body["format"]?.stringValue, isMIMEType(format) else {
            return .failure(BodyProblem("format is required and must be a MIME type such as video/mp4"))
        }
        var folder = "/"
        if let value = body["folder"] {
            guard let text = value.stringValue else { return .failure(BodyProblem("folder must be a string")) }
            folder = text
        }
        var tags: [String] = []
        if let value = body["tags"] {
            // The SDK sends a list, or one comma-separated string.
            if let text = value.stringValue {
                tags = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            } else if let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) {
                tags = list.compactMap(\.stringValue)
            } else {
                return .failure(BodyProblem("tags must be an array of strings"))
            }
        }
        if let value = body["metadata"], !value.isObject {
            return .failure(BodyProblem("metadata must be an object"))
        }
        if let value = body["custom_id"], value.stringValue == nil {
            return .failure(BodyProblem("custom_id must be a string"))
        }
        if let value = body["random_prefix"], value.boolValue == nil {
            return .failure(BodyProblem("random_prefix must be a boolean"))
        }
        var ttl = defaultTTL
        if let value = body["ttl_seconds"] {
            guard let seconds = value.intValue, ttlRange.contains(seconds) else {
                return .failure(BodyProblem("ttl_seconds must be an integer between 1 and 604800"))
            }
            ttl = seconds
        }
        return .success(
            AutoRenderStartRequest(
                fileName: fileName, size: size, format: format, folder: folder, tags: tags, ttlSeconds: ttl))
    }

    /// `type/subtype`, both non-empty, without spaces.
    static func isMIMEType(_ text: String) -> Bool {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        return pieces.count == 2 && pieces.allSatisfy { !$0.isEmpty && !$0.contains(" ") }
    }
}

extension AutoRenderUploads {
    /// A lower-case hex digest of `text` (SHA-256, as Huawei's signer computes payload hashes), cut to `length`.
    static func digest(_ text: String, length: Int = 32) -> String {
        String(HuaweiSigner.payloadHash(.bytes(Array(text.utf8))).prefix(length))
    }

    /// A random UUID in lower case.
    static func newUUID() -> String {
        UUID().uuidString.lowercased()
    }
}
