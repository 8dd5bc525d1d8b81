import Foundation

/// Hexadecimal, in the one place Splice's modules share: lower-case as hashes, signatures and ids are written,
/// and the digit values percent-decoding reads.
public enum Hex {
    /// A digest or MAC as lower-case hex.
    public static func lowercase(_ bytes: some ContiguousBytes) -> String {
        bytes.withUnsafeBytes { lowercase($0) }
    }

    /// `bytes` as lower-case hex, two characters per byte.
    public static func lowercase(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            var index = 0
            for byte in bytes {
                buffer[index] = digit(byte >> 4)
                buffer[index + 1] = digit(byte & 0x0F)
                index += 2
            }
            return index
        }
    }

    /// The lower-case ASCII hex digit of a value 0…15.
    @inline(__always)
    public static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// `value` as 16 lower-case hex digits, zero-padded.
    public static func lowercase(_ value: UInt64) -> String {
        lowercase(withUnsafeBytes(of: value.bigEndian) { Array($0) })
    }

    /// A fresh random id: `byteCount` random bytes as lower-case hex.
    public static func randomId(byteCount: Int = 16) -> String {
        var generator = SystemRandomNumberGenerator()
        return lowercase((0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// The value of one ASCII hex digit, either case; nil for any other byte.
    public static func value(ofDigit byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// True when `string` is exactly `count` lower-case hex digits.
    public static func isLowercase(_ string: String, count: Int) -> Bool {
        var seen = 0
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): seen += 1
            default: return false
            }
        }
        return seen == count
    }
}
