/// Splice's version: `splice --version` and the operator's page.
package enum SpliceVersion {
    package static let current = "0.12.0"
}
