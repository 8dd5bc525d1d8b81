/// One uploaded part, as the client reports it: sent to the provider as given (an ETag's quotes are kept).
package struct UploadPart: Sendable, Equatable {
    package var partNumber: Int
    package var etag: String

    package init(partNumber: Int, etag: String) {
        self.partNumber = partNumber
        self.etag = etag
    }
}
