import Foundation
import Testing

@testable import SpliceCore

@Suite struct SecretReferenceTests {
    /// A fresh temporary folder; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splice-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func resolveFile(_ content: [UInt8], allowEmpty: Bool = false) throws -> Result<String, SecretReference.Unresolved> {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(content).write(to: directory.appendingPathComponent("secret.txt"))
        return SecretReference.file(path: "secret.txt").resolve(environment: [:], relativeTo: directory.path, allowEmpty: allowEmpty)
    }

    @Test func parsesReferences() throws {
        #expect(try SecretReference(parsing: "${SPATIALGEN_APPKEY}") == .environment("SPATIALGEN_APPKEY"))
        #expect(try SecretReference(parsing: "${file:secrets/key.txt}") == .file(path: "secrets/key.txt"))
        #expect(try SecretReference(parsing: "plain") == .literal("plain"))
        #expect(throws: SecretReference.ParseError.self) { try SecretReference(parsing: "${1BAD}") }
        #expect(throws: SecretReference.ParseError.self) { try SecretReference(parsing: "${A}${B}") }
        #expect(throws: SecretReference.ParseError.self) { try SecretReference(parsing: "${file:}") }
    }

    @Test func resolvesFromEnvironmentAndFiles() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "s3cr3t-value\n".write(to: directory.appendingPathComponent("key.txt"), atomically: true, encoding: .utf8)

        let env = ["KEY": "from-env", "EMPTY": ""]
        #expect(SecretReference.environment("KEY").resolve(environment: env, relativeTo: ".", allowEmpty: false) == .success("from-env"))
        #expect(
            SecretReference.environment("NOPE").resolve(environment: env, relativeTo: ".", allowEmpty: false)
                == .failure(.init(reason: "environment variable NOPE is not set")))
        #expect(
            SecretReference.environment("EMPTY").resolve(environment: env, relativeTo: ".", allowEmpty: false)
                == .failure(.init(reason: "environment variable EMPTY is empty")))
        #expect(
            SecretReference.file(path: "key.txt").resolve(environment: [:], relativeTo: directory.path, allowEmpty: false)
                == .success("s3cr3t-value"))
        #expect(
            SecretReference.file(path: "missing.txt").resolve(environment: [:], relativeTo: directory.path, allowEmpty: false)
                == .failure(.init(reason: "file missing.txt cannot be read")))
    }

    /// `"\r\n"` is one `Character`: removing two characters used to eat the secret's last one.
    @Test func aFileEndingInCRLFKeepsItsLastCharacter() throws {
        #expect(try Self.resolveFile(Array("secret9\r\n".utf8)) == .success("secret9"))
        #expect(try Self.resolveFile(Array("secret9\n".utf8)) == .success("secret9"))
        #expect(try Self.resolveFile(Array("secret9".utf8)) == .success("secret9"))
        #expect(try Self.resolveFile(Array("sécret-ü\r\n".utf8)) == .success("sécret-ü"))
    }

    /// Exactly one line break is removed; what remains of a second one is a control character.
    @Test func onlyOneTrailingLineBreakIsRemoved() throws {
        let unresolved = SecretReference.Unresolved(reason: "file secret.txt contains a control character")
        #expect(try Self.resolveFile(Array("secret9\r\n\r\n".utf8)) == .failure(unresolved))
        #expect(try Self.resolveFile(Array("secret9\n\n".utf8)) == .failure(unresolved))
        #expect(try Self.resolveFile(Array("secret9\r".utf8)) == .failure(unresolved))
        #expect(try Self.resolveFile(Array("secret9\n\r\n".utf8)) == .failure(unresolved))
    }

    /// A file holding only a line break is empty (it used to crash `check` and `serve`).
    @Test func aFileHoldingOnlyALineBreakIsEmpty() throws {
        let empty = SecretReference.Unresolved(reason: "file secret.txt is empty")
        #expect(try Self.resolveFile(Array("\r\n".utf8)) == .failure(empty))
        #expect(try Self.resolveFile(Array("\n".utf8)) == .failure(empty))
        #expect(try Self.resolveFile([]) == .failure(empty))
        #expect(try Self.resolveFile(Array("\r\n".utf8), allowEmpty: true) == .success(""))
    }

    @Test func aFileThatIsNotUTF8IsRefused() throws {
        #expect(try Self.resolveFile([0x73, 0xFF, 0x0A]) == .failure(.init(reason: "file secret.txt is not UTF-8 text")))
    }

    /// Control characters: refused whatever the source, the reason naming the reference and never the value.
    @Test(arguments: ["a\rb", "a\nb", "a\u{0}b", "a\tb", "a\u{1B}b", "a\u{7F}b", "ab\n"])
    func aValueWithAControlCharacterIsRefused(_ value: String) throws {
        #expect(
            SecretReference.environment("KEY").resolve(environment: ["KEY": value], relativeTo: ".", allowEmpty: true)
                == .failure(.init(reason: "environment variable KEY contains a control character")))
        #expect(
            SecretReference.literal(value).resolve(environment: [:], relativeTo: ".", allowEmpty: true)
                == .failure(.init(reason: "the value contains a control character")))
        #expect(
            try Self.resolveFile(Array((value + "\n").utf8), allowEmpty: true)
                == .failure(.init(reason: "file secret.txt contains a control character")))
    }

    @Test func ordinaryCharactersAreAccepted() {
        for value in ["plain-key_0123", "with space", "ünïcödé-ключ"] {
            #expect(SecretReference.literal(value).resolve(environment: [:], relativeTo: ".", allowEmpty: false) == .success(value))
        }
    }
}
