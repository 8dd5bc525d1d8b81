import Foundation

/// Lower-case hexadecimal, as the SDK's `hexdigest()` writes hashes and signatures, and the hex digit values
/// used by percent-decoding.
enum Hex {
    /// A digest or MAC as lower-case hex.
    static func lowercase(_ bytes: some ContiguousBytes) -> String {
        bytes.withUnsafeBytes { lowercase($0) }
    }

    /// `bytes` as lower-case hex, two characters per byte.
    static func lowercase(_ bytes: UnsafeRawBufferPointer) -> String {
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

    @inline(__always)
    private static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// The value of one ASCII hex digit, either case; nil for any other byte.
    static func value(ofDigit byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// True when `string` is exactly `count` lower-case hex digits.
    static func isLowercase(_ string: String, count: Int) -> Bool {
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
