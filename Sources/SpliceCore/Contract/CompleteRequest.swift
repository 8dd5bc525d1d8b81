/// A `POST /complete` body, checked against the contract: every known field has its documented type,
/// unknown and repeated keys are refused (at the top level, in `parts[]` items and in `options`), ids are
/// bounded, parts are unique and sorted.
/// Which fields a provider *needs* is checked later, by that provider.
package struct CompleteRequest: Sendable, Equatable {
    package var route: String
    package var action: CompleteAction
    package var uploadId: String?
    package var sessionId: String?
    package var fileId: String?
    package var projectId: String?
    package var fileName: String?
    package var fileSize: Int?
    package var originalFileId: String?
    /// Sorted by part number, numbers unique; `nil` when the request has no `parts`.
    package var parts: [UploadPart]?
    package var options: Options

    package struct Options: Sendable, Equatable {
        package var autoMetaAnalysis: Bool?
        package var appUserId: String?
        package var allowPartialComplete: Bool?

        package init(autoMetaAnalysis: Bool? = nil, appUserId: String? = nil, allowPartialComplete: Bool? = nil) {
            self.autoMetaAnalysis = autoMetaAnalysis
            self.appUserId = appUserId
            self.allowPartialComplete = allowPartialComplete
        }
    }

    package init(
        route: String,
        action: CompleteAction = .complete,
        uploadId: String? = nil,
        sessionId: String? = nil,
        fileId: String? = nil,
        projectId: String? = nil,
        fileName: String? = nil,
        fileSize: Int? = nil,
        originalFileId: String? = nil,
        parts: [UploadPart]? = nil,
        options: Options = Options()
    ) {
        self.route = route
        self.action = action
        self.uploadId = uploadId
        self.sessionId = sessionId
        self.fileId = fileId
        self.projectId = projectId
        self.fileName = fileName
        self.fileSize = fileSize
        self.originalFileId = originalFileId
        self.parts = parts
        self.options = options
    }

    package static let maximumParts = 10_000
    package static let partNumberRange = 1...10_000
    package static let idLengthRange = 1...512

    static let knownFields: Set<String> = [
        "route", "action", "uploadId", "sessionId", "fileId", "projectId", "fileName", "fileSize",
        "originalFileId", "parts", "options",
    ]
    static let knownPartFields: Set<String> = ["partNumber", "etag"]
    static let knownOptions: Set<String> = ["autoMetaAnalysis", "appUserId", "allowPartialComplete"]
}

extension CompleteRequest {
    /// Parses and checks a request body. Every problem is a 400 `invalid_request` naming the field.
    package init(json bytes: some Collection<UInt8>) throws(GatewayError) {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            throw .invalidRequest("the body is not valid JSON: \(error)")
        }
        guard let object = document.objectValue else {
            throw .invalidRequest("the body must be a JSON object, not \(document.typeName)")
        }
        try Self.checkKeys(of: object, known: Self.knownFields, in: nil)

        guard let routeValue = object["route"], !routeValue.isNull else {
            throw .invalidRequest("missing field 'route'")
        }
        guard let route = routeValue.stringValue else {
            throw .invalidRequest("field 'route' must be a string, not \(routeValue.typeName)")
        }
        self.route = route

        if let actionValue = object["action"], !actionValue.isNull {
            guard let text = actionValue.stringValue else {
                throw .invalidRequest("field 'action' must be a string, not \(actionValue.typeName)")
            }
            guard let action = CompleteAction(rawValue: text) else {
                throw .invalidRequest(
                    "field 'action' must be one of complete, cancel, fail (got '\(Self.printable(text))')")
            }
            self.action = action
        } else {
            self.action = .complete
        }

        self.uploadId = try Self.id("uploadId", in: object)
        self.sessionId = try Self.id("sessionId", in: object)
        self.fileId = try Self.id("fileId", in: object)
        self.projectId = try Self.id("projectId", in: object)
        self.fileName = try Self.id("fileName", in: object)
        self.originalFileId = try Self.id("originalFileId", in: object)

        if let sizeValue = object["fileSize"], !sizeValue.isNull {
            guard let size = sizeValue.integralValue, size >= 0 else {
                throw .invalidRequest("field 'fileSize' must be an integer ≥ 0")
            }
            self.fileSize = size
        } else {
            self.fileSize = nil
        }

        self.parts = try Self.parts(in: object)
        self.options = try Self.options(in: object)
    }

    /// Refuses unknown and repeated keys in one object of the body (the body itself when `path` is `nil`,
    /// else `parts[0]`, `options`): a repeated key is refused wherever it is, instead of the first value winning.
    private static func checkKeys(of object: JSONObject, known: Set<String>, in path: String?) throws(GatewayError) {
        for key in object.keys where !known.contains(key) {
            throw .invalidRequest("unknown field '\(path.map { $0 + "." } ?? "")\(printable(key))'")
        }
        if let duplicate = object.firstDuplicateKey {
            throw .invalidRequest("duplicate key '\(duplicate)' in \(path ?? "the body")")
        }
    }

    /// An id: 1–512 characters, no control characters.
    private static func id(_ field: String, in object: JSONObject) throws(GatewayError) -> String? {
        guard let value = object[field], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw .invalidRequest("field '\(field)' must be a string, not \(value.typeName)")
        }
        try checkId(text, field: field)
        return text
    }

    private static func checkId(_ text: String, field: String) throws(GatewayError) {
        let (count, hasControl) = characterCountAndControls(text)
        guard idLengthRange.contains(count) else {
            throw .invalidRequest("field '\(field)' must be 1 to 512 characters long")
        }
        guard !hasControl else {
            throw .invalidRequest("field '\(field)' must not contain control characters")
        }
    }

    /// The length in characters, and whether a character is a control character (general category Cc). Printable
    /// ASCII, as ids and etags almost always are, is read from its bytes: each byte is one character and none is a
    /// control. Anything else takes grapheme breaking and the Unicode tables, which cost far more per character.
    private static func characterCountAndControls(_ text: String) -> (count: Int, hasControl: Bool) {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return (text.utf8.count, false)
        }
        return (text.count, text.unicodeScalars.contains { $0.properties.generalCategory == .control })
    }

    private static func parts(in object: JSONObject) throws(GatewayError) -> [UploadPart]? {
        guard let value = object["parts"], !value.isNull else { return nil }
        guard let array = value.arrayValue else {
            throw .invalidRequest("field 'parts' must be an array, not \(value.typeName)")
        }
        guard !array.isEmpty else {
            throw .invalidRequest("field 'parts' must list at least one part (omit it when there are none)")
        }
        guard array.count <= maximumParts else {
            throw .invalidRequest("field 'parts' has \(array.count) parts; at most \(maximumParts) are allowed")
        }
        var parts: [UploadPart] = []
        parts.reserveCapacity(array.count)
        var numbers = Set<Int>()
        for (index, element) in array.enumerated() {
            let at = "parts[\(index)]"
            guard let part = element.objectValue else {
                throw .invalidRequest("\(at) must be an object with partNumber and etag")
            }
            try checkKeys(of: part, known: knownPartFields, in: at)
            guard let numberValue = part["partNumber"], let number = numberValue.integralValue,
                partNumberRange.contains(number)
            else {
                throw .invalidRequest("\(at).partNumber must be an integer from 1 to 10000")
            }
            guard let etag = part["etag"]?.stringValue, !etag.isEmpty else {
                throw .invalidRequest("\(at).etag must be a non-empty string")
            }
            let (etagLength, etagHasControl) = characterCountAndControls(etag)
            guard etagLength <= idLengthRange.upperBound, !etagHasControl else {
                throw .invalidRequest("\(at).etag must be at most 512 characters without control characters")
            }
            guard numbers.insert(number).inserted else {
                throw .invalidRequest("part number \(number) appears more than once in 'parts'")
            }
            parts.append(UploadPart(partNumber: number, etag: etag))
        }
        // Providers want ascending order; clients may list parts as they finished.
        parts.sort { $0.partNumber < $1.partNumber }
        return parts
    }

    private static func options(in object: JSONObject) throws(GatewayError) -> Options {
        guard let value = object["options"], !value.isNull else { return Options() }
        guard let options = value.objectValue else {
            throw .invalidRequest("field 'options' must be an object, not \(value.typeName)")
        }
        try checkKeys(of: options, known: knownOptions, in: "options")
        var result = Options()
        result.autoMetaAnalysis = try bool("autoMetaAnalysis", in: options)
        result.allowPartialComplete = try bool("allowPartialComplete", in: options)
        if let userValue = options["appUserId"], !userValue.isNull {
            guard let user = userValue.stringValue else {
                throw .invalidRequest("field 'options.appUserId' must be a string, not \(userValue.typeName)")
            }
            try checkId(user, field: "options.appUserId")
            result.appUserId = user
        }
        return result
    }

    private static func bool(_ field: String, in options: JSONObject) throws(GatewayError) -> Bool? {
        guard let value = options[field], !value.isNull else { return nil }
        guard let flag = value.boolValue else {
            throw .invalidRequest("field 'options.\(field)' must be a boolean, not \(value.typeName)")
        }
        return flag
    }

    /// A client-supplied name shortened and stripped of control characters, safe to echo in a message.
    package static func printable(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.filter { $0.properties.generalCategory != .control }.map(Character.init))
        return cleaned.count > 64 ? String(cleaned.prefix(64)) + "…" : cleaned
    }
}
