public import Foundation

/// A calendar date with no time or zone (`2024-02-14`): what `custody audit --day` names.
/// Days are counted from 1970-01-01, so stepping and weekdays are plain arithmetic.
public struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let number: Int64

    public init(number: Int64) { self.number = number }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        let n = Timestamp.daysFromCivil(year, month, day)
        let (y, m, d, _, _, _) = Timestamp.civil(fromUnixSeconds: n * 86_400)
        guard (y, m, d) == (year, month, day) else { return nil }  // 2023-02-30 and the like
        number = n
    }

    /// Reads `YYYY-MM-DD`; nil for anything else or an impossible date.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The local date of `instant` in `zone`.
    public init(containing instant: Date, zone: TimeZone) {
        let local = instant.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: instant))
        number = Int64((local / 86_400).rounded(.down))
    }

    public var components: (year: Int, month: Int, day: Int) {
        let (y, m, d, _, _, _) = Timestamp.civil(fromUnixSeconds: number * 86_400)
        return (y, m, d)
    }

    public var description: String {
        let (y, m, d) = components
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    public func adding(days: Int) -> CalendarDay { CalendarDay(number: number + Int64(days)) }

    /// 1 = Monday … 7 = Sunday (ISO 8601). 1970-01-01 was a Thursday.
    public var isoWeekday: Int { Int(((number % 7) + 7 + 3) % 7) + 1 }

    /// The ISO 8601 week-numbering year and week: the week belongs to the year of its Thursday.
    public var isoWeek: (year: Int, week: Int) {
        let thursday = adding(days: 4 - isoWeekday)
        let year = thursday.components.year
        let firstOfYear = Timestamp.daysFromCivil(year, 1, 1)
        return (year, Int((thursday.number - firstOfYear) / 7) + 1)
    }

    /// Local midnight at the start of this day in `zone`.
    public func start(in zone: TimeZone) -> Date {
        Timestamp.localToDate(number * 86_400, fraction: 0, zone: zone)
    }

    public static func < (a: CalendarDay, b: CalendarDay) -> Bool { a.number < b.number }
}

/// The span a report covers: one local day, or one ISO week (Monday to Sunday).
public struct ReportPeriod: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case daily, weekly
    }

    public var kind: Kind
    /// The first day (a Monday for weeks).
    public var first: CalendarDay

    public static func day(_ day: CalendarDay) -> ReportPeriod { ReportPeriod(kind: .daily, first: day) }

    /// The ISO week that contains `day`.
    public static func week(containing day: CalendarDay) -> ReportPeriod {
        ReportPeriod(kind: .weekly, first: day.adding(days: 1 - day.isoWeekday))
    }

    /// Reads `2024-02-14` or `2024-W07`.
    public init?(_ text: String) {
        if let day = CalendarDay(text) {
            self = .day(day)
            return
        }
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[1].hasPrefix("W"), parts[0].count == 4, parts[1].count == 3,
              let year = Int(parts[0]), let week = Int(parts[1].dropFirst()), (1...53).contains(week),
              let jan4 = CalendarDay(year: year, month: 1, day: 4)
        else { return nil }
        // Week 1 is the one holding 4 January.
        let monday = jan4.adding(days: 1 - jan4.isoWeekday + 7 * (week - 1))
        guard monday.isoWeek == (year, week) else { return nil }
        self.init(kind: .weekly, first: monday)
    }

    public init(kind: Kind, first: CalendarDay) {
        self.kind = kind
        self.first = first
    }

    public var length: Int { kind == .daily ? 1 : 7 }
    public var last: CalendarDay { first.adding(days: length - 1) }
    public var previous: ReportPeriod { ReportPeriod(kind: kind, first: first.adding(days: -length)) }
    public var next: ReportPeriod { ReportPeriod(kind: kind, first: first.adding(days: length)) }

    /// `2024-02-14` or `2024-W07`.
    public var description: String {
        switch kind {
        case .daily: return first.description
        case .weekly:
            let (year, week) = first.isoWeek
            return String(format: "%04d-W%02d", year, week)
        }
    }

    /// Base name of the report files: `daily-2024-02-14`, `weekly-2024-W07`.
    public var fileStem: String { "\(kind.rawValue)-\(description)" }

    /// [local midnight of the first day, local midnight after the last day).
    public func interval(in zone: TimeZone) -> (start: Date, end: Date) {
        (first.start(in: zone), last.adding(days: 1).start(in: zone))
    }
}
