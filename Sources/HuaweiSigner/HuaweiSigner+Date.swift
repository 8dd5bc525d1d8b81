import Foundation

/// `X-Sdk-Date`: `%Y%m%dT%H%M%SZ` in UTC (docs/huawei-signing.md), written and read without `DateFormatter`
/// (no locale, no calendar settings, no shared mutable state).
extension HuaweiSigner {
    /// `date` as `%Y%m%dT%H%M%SZ` in UTC, e.g. `20240704T080000Z`; fractions of a second are dropped, as Python's
    /// `strftime` does. Dates outside years 1...9999 are clamped.
    public static func sdkDate(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970.rounded(.down)
        // 0001-01-01T00:00:00Z ... 9999-12-31T23:59:59Z
        let clamped = interval.isFinite ? min(max(interval, -62_135_596_800), 253_402_300_799) : 0
        let seconds = Int64(clamped)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        // Written straight into the string's storage: no intermediate array.
        return String(unsafeUninitializedCapacity: 16) { out in
            writeDigits(year, width: 4, to: out, at: 0)
            writeDigits(month, width: 2, to: out, at: 4)
            writeDigits(day, width: 2, to: out, at: 6)
            out[8] = UInt8(ascii: "T")
            writeDigits(secondOfDay / 3600, width: 2, to: out, at: 9)
            writeDigits(secondOfDay % 3600 / 60, width: 2, to: out, at: 11)
            writeDigits(secondOfDay % 60, width: 2, to: out, at: 13)
            out[15] = UInt8(ascii: "Z")
            return 16
        }
    }

    /// Parses an `X-Sdk-Date` value (`YYYYMMDDTHHMMSSZ`, UTC); nil when it is not exactly that form or not a real
    /// date. For a verifier's clock-skew check (APIG allows 15 minutes, pitfall 5).
    public static func date(fromSDKDate value: String) -> Date? {
        let bytes = Array(value.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var result: Int64 = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                result = result * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return result
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let days = self.days(fromYear: year, month: month, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60 + second))
    }

    /// Writes the last `width` decimal digits of a non-negative `value`, zero-padded, at `offset`.
    @inline(__always)
    private static func writeDigits(_ value: Int64, width: Int, to out: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var remaining = value
        for index in stride(from: offset + width - 1, through: offset, by: -1) {
            out[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
    }

    private static func isLeap(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Day count since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    private static func days(fromYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let adjustedYear = month <= 2 ? year - 1 : year
        let era = (adjustedYear >= 0 ? adjustedYear : adjustedYear - 399) / 400
        let yearOfEra = adjustedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
