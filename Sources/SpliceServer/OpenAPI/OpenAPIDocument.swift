import SpliceCore

/// Splice's OpenAPI 3.1 document. Its source is `docs/openapi.yaml`, embedded at build time as `yaml`
/// (`scripts/generate-openapi.sh` writes `OpenAPIDocument+Generated.swift`; a test proves the copy is exact), so the
/// gateway serves it from any working directory.
package enum OpenAPIDocument {
    /// The document as JSON, converted once per process: `GET /openapi.json` serves these bytes.
    package static let json: Result<[UInt8], YAMLToJSONError> = Result { () throws(YAMLToJSONError) in
        try JSONValue(yaml: yaml).serialized()
    }
}
