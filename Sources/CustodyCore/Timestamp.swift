public import Foundation

/// Parsing and printing of the times in SPEC §1 and §3.
///
/// Parsing is hand-written rather than done with `DateFormatter`: dispatch imports read millions
/// of cells, the accepted shapes are few and fixed, and a formatter per zone is neither cheap
/// nor `Sendable`.
public enum Timestamp {
    /// `2024-02-14T01:30:00Z`, or with a fraction of a second when there is one.
    public static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        let fraction = seconds - whole
        let (y, m, d, hh, mm, ss) = civil(fromUnixSeconds: Int64(whole))
        var text = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(hh, 2)):\(pad(mm, 2)):\(pad(ss, 2))"
        let millis = Int((fraction * 1000).rounded())
        if millis > 0 && millis < 1000 {
            text += "." + pad(millis, 3)
        }
        return text + "Z"
    }

    /// Parses ISO 8601 with an offset or `Z` (fraction optional), or a local time as
    /// `YYYY-MM-DD HH:MM:SS`, `YYYY/MM/DD HH:MM:SS`, `YYYY-MM-DDTHH:MM:SS` or `YYYYMMDDHHMMSS`,
    /// read in `zone`. A bare date `YYYY-MM-DD` is read as local midnight. Returns nil when
    /// the text is none of these or names an impossible date.
    public static func parse(_ text: some StringProtocol, zone: TimeZone) -> Date? {
        var scanner = DigitScanner(Array(text.utf8))
        scanner.skipSpaces()
        guard let fields = scanner.dateTimeFields() else { return nil }
        let local = fields.localSeconds
        if let offset = fields.offsetSeconds {
            return Date(timeIntervalSince1970: Double(local - Int64(offset)) + fields.fraction)
        }
        return localToDate(local, fraction: fields.fraction, zone: zone)
    }

    /// Reads `YYYYMMDDhhmmss` (the file-name convention) as local time in `zone`.
    public static func parseCompact(_ text: some StringProtocol, zone: TimeZone) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 14, bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return parse(text, zone: zone)
    }

    /// Seconds since 1970 of a local wall-clock time (as if it were UTC) converted to a real
    /// instant in `zone`, handling DST by re-checking the offset at the guessed instant.
    static func localToDate(_ localSeconds: Int64, fraction: Double, zone: TimeZone) -> Date {
        let first = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(localSeconds)))
        let guess = localSeconds - Int64(first)
        let second = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(guess)))
        return Date(timeIntervalSince1970: Double(localSeconds - Int64(second)) + fraction)
    }

    // MARK: - Civil calendar arithmetic (Howard Hinnant's algorithms)

    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((m + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromUnixSeconds s: Int64) -> (Int, Int, Int, Int, Int, Int) {
        var days = s / 86_400
        var rem = s % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        let y = Int(yoe + era * 400) + (m <= 2 ? 1 : 0)
        return (y, m, d, Int(rem / 3600), Int(rem % 3600 / 60), Int(rem % 60))
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// A tiny cursor over ASCII bytes for the fixed date shapes above.
struct DigitScanner {
    struct Fields {
        var localSeconds: Int64
        var fraction: Double
        var offsetSeconds: Int?
    }

    private let bytes: [UInt8]
    private var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func skipSpaces() {
        while i < bytes.count && bytes[i] == 32 { i += 1 }
    }

    private mutating func digits(_ n: Int) -> Int? {
        guard i + n <= bytes.count else { return nil }
        var value = 0
        for k in i..<(i + n) {
            let b = bytes[k]
            guard b >= 48 && b <= 57 else { return nil }
            value = value * 10 + Int(b - 48)
        }
        i += n
        return value
    }

    private mutating func accept(_ chars: [UInt8]) -> UInt8? {
        guard i < bytes.count, chars.contains(bytes[i]) else { return nil }
        defer { i += 1 }
        return bytes[i]
    }

    private var atEnd: Bool {
        var j = i
        while j < bytes.count && bytes[j] == 32 { j += 1 }
        return j == bytes.count
    }

    mutating func dateTimeFields() -> Fields? {
        guard let year = digits(4) else { return nil }
        let separator = accept([UInt8(ascii: "-"), UInt8(ascii: "/")])
        guard let month = digits(2) else { return nil }
        if let separator, accept([separator]) == nil { return nil }
        guard let day = digits(2) else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        var offset: Int? = nil
        if separator == nil {
            // Compact YYYYMMDDHHMMSS
            guard let h = digits(2), let mi = digits(2), let s = digits(2) else { return nil }
            (hour, minute, second) = (h, mi, s)
        } else if !atEnd {
            guard accept([UInt8(ascii: "T"), UInt8(ascii: " ")]) != nil else { return nil }
            skipSpaces()
            guard let h = digits(2), accept([UInt8(ascii: ":")]) != nil, let mi = digits(2) else { return nil }
            (hour, minute) = (h, mi)
            if accept([UInt8(ascii: ":")]) != nil {
                guard let s = digits(2) else { return nil }
                second = s
                if accept([UInt8(ascii: "."), UInt8(ascii: ",")]) != nil {
                    var scale = 0.1
                    var any = false
                    while i < bytes.count, bytes[i] >= 48 && bytes[i] <= 57 {
                        fraction += Double(bytes[i] - 48) * scale
                        scale /= 10
                        i += 1
                        any = true
                    }
                    guard any else { return nil }
                }
            }
            skipSpaces()
            if let sign = accept([UInt8(ascii: "Z"), UInt8(ascii: "z"), UInt8(ascii: "+"), UInt8(ascii: "-")]) {
                if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
                    offset = 0
                } else {
                    guard let oh = digits(2) else { return nil }
                    _ = accept([UInt8(ascii: ":")])
                    let om = digits(2) ?? 0
                    guard oh <= 18, om < 60 else { return nil }
                    offset = (oh * 3600 + om * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
                }
            }
        }
        guard atEnd else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 61
        else { return nil }
        let days = Timestamp.daysFromCivil(year, month, day)
        let local = days * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
        return Fields(localSeconds: local, fraction: fraction, offsetSeconds: offset)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
