import Foundation

/// `Retry-After` (RFC 9110 §10.2.3): `delay-seconds` or an `HTTP-date`.
package enum RetryAfter {
    /// How long `value` asks to wait from `now`; `nil` when it is neither form (or too large to represent).
    /// A date in the past asks for no wait.
    package static func delay(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let first = trimmed.first, first.isASCII, first.isNumber {
            // delay-seconds = 1*DIGIT; anything else after a digit is not a valid value.
            guard trimmed.allSatisfy({ $0.isASCII && $0.isNumber }), let seconds = Int64(trimmed) else { return nil }
            return .seconds(seconds)
        }
        guard let date = httpDate(trimmed) else { return nil }
        let seconds = date.timeIntervalSince(now)
        return seconds > 0 ? .milliseconds(Int64((seconds * 1000).rounded(.up))) : .zero
    }

    /// IMF-fixdate, and the two obsolete forms a recipient must accept (RFC 850, asctime).
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        for format in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
