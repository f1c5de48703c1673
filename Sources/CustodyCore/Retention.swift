public import Foundation

/// How long footage is kept (the data folder's `[retention]` settings). Every clip has the
/// default period from when it was recorded; a clip linked to a call of a configured category
/// may have a longer one, or be kept for good, as are clips on legal hold or marked as case
/// evidence. The longest applicable class wins.
public struct RetentionPolicy: Sendable, Equatable {
    /// Days from recording (the Ministry of Public Security's 2016 rule: at least six months).
    public var defaultDays = 180
    /// Footage linked to calls of these categories is never deleted.
    public var permanentCategories: Set<String> = []
    /// Longer periods for some categories, in days.
    public var categoryDays: [String: Int] = [:]

    public init() {}

    /// Why a clip is kept as long as it is.
    public enum Class: Sendable, Equatable, CustomStringConvertible {
        case standard(days: Int)
        case category(String, days: Int)
        case permanentCategory(String)
        case legalHold
        case caseEvidence

        public var isPermanent: Bool {
            switch self {
            case .standard, .category: return false
            case .permanentCategory, .legalHold, .caseEvidence: return true
            }
        }

        /// `default 180 days`, `category 交通事故: 365 days`, `legal hold` …
        public var description: String {
            switch self {
            case .standard(let days): return "default \(days) days"
            case .category(let name, let days): return "category \(name): \(days) days"
            case .permanentCategory(let name): return "category \(name): permanent"
            case .legalHold: return "legal hold"
            case .caseEvidence: return "case evidence"
            }
        }
    }

    /// What decides one clip's retention.
    public struct Facts: Sendable, Equatable {
        /// When recording began (else when it was first received or stored).
        public var recordedAt: Date
        /// Categories of the calls the clip links to.
        public var categories: Set<String>
        public var legalHold: Bool
        public var caseEvidence: Bool

        public init(recordedAt: Date, categories: Set<String> = [], legalHold: Bool = false, caseEvidence: Bool = false) {
            self.recordedAt = recordedAt
            self.categories = categories
            self.legalHold = legalHold
            self.caseEvidence = caseEvidence
        }
    }

    /// The winning class and the instant the clip may be deleted (nil: never).
    public func decide(_ facts: Facts) -> (class: Class, expires: Date?) {
        // Permanent classes first, in a fixed order so the reason given is stable.
        if facts.caseEvidence { return (.caseEvidence, nil) }
        if facts.legalHold { return (.legalHold, nil) }
        if let name = facts.categories.sorted().first(where: permanentCategories.contains) { return (.permanentCategory(name), nil) }
        var best: Class = .standard(days: defaultDays)
        var bestDays = defaultDays
        for name in facts.categories.sorted() {
            if let days = categoryDays[name], days > bestDays {
                best = .category(name, days: days)
                bestDays = days
            }
        }
        return (best, facts.recordedAt.addingTimeInterval(Double(bestDays) * 86_400))
    }

    /// Clips recorded before this instant may be due by `reference`: no class is shorter than
    /// the default.
    public func earliestCandidateCutoff(reference: Date) -> Date {
        reference.addingTimeInterval(-Double(defaultDays) * 86_400)
    }
}

/// Settings of the nightly audit (`[audit]` in config.toml).
public struct AuditSettings: Sendable, Equatable {
    /// Every stored file is re-hashed at least once in this many days.
    public var fixityCycleDays = 30
    /// The audited day on whose weekday (1 = Monday … 7 = Sunday) the weekly report is written:
    /// it covers the last complete ISO week up to and including that day.
    public var weeklyReportWeekday = 7

    public init() {}

    public static let weekdayNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// The ISO week the weekly report written for `day` covers, if one is written that day.
    public func weeklyPeriod(for day: CalendarDay) -> ReportPeriod? {
        guard day.isoWeekday == weeklyReportWeekday else { return nil }
        // The last complete week: the one ending on `day` when it is a Sunday, else the one before.
        let week = ReportPeriod.week(containing: day)
        return day.isoWeekday == 7 ? week : week.previous
    }
}
