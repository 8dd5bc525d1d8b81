/// What the provider told about the file: the contract's six `file` fields, `nil` where it said nothing.
package struct FileInfo: Sendable, Equatable {
    package var id: String?
    package var name: String?
    package var size: Int?
    package var url: String?
    package var key: String?
    package var format: String?

    package init(
        id: String? = nil, name: String? = nil, size: Int? = nil, url: String? = nil, key: String? = nil,
        format: String? = nil
    ) {
        self.id = id
        self.name = name
        self.size = size
        self.url = url
        self.key = key
        self.format = format
    }

    package var json: JSONValue {
        .object([
            "id": JSONValue(id),
            "name": JSONValue(name),
            "size": size.map(JSONValue.init) ?? .null,
            "url": JSONValue(url),
            "key": JSONValue(key),
            "format": JSONValue(format),
        ])
    }
}

/// A provider's successful answer, normalized: the contract's §3.1 success envelope.
package struct CompleteSuccess: Sendable, Equatable {
    package var action: CompleteAction
    package var route: String
    package var provider: String
    package var uploadId: String?
    package var file: FileInfo
    package var upstreamStatus: Int
    package var upstreamRequestId: String?
    /// The provider's JSON body as received; `nil` when it sent none.
    package var upstreamBody: JSONValue?

    package init(
        action: CompleteAction, route: String, provider: String, uploadId: String?, file: FileInfo,
        upstreamStatus: Int, upstreamRequestId: String?, upstreamBody: JSONValue?
    ) {
        self.action = action
        self.route = route
        self.provider = provider
        self.uploadId = uploadId
        self.file = file
        self.upstreamStatus = upstreamStatus
        self.upstreamRequestId = upstreamRequestId
        self.upstreamBody = upstreamBody
    }

    package func envelope(requestId: String) -> JSONValue {
        .object([
            "status": JSONValue(action.resultStatus),
            "route": JSONValue(route),
            "provider": JSONValue(provider),
            "uploadId": JSONValue(uploadId),
            "file": file.json,
            "upstream": .object([
                "status": JSONValue(upstreamStatus),
                "requestId": JSONValue(upstreamRequestId),
                "body": upstreamBody ?? .null,
            ]),
            "requestId": JSONValue(requestId),
        ])
    }
}
