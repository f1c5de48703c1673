public import Foundation

/// The figures of one scope (everyone, a station, an officer) over one report period.
///
/// A *call* is one officer's attendance at one incident (a dispatch row, SPEC §7), dated by its
/// arrival in the configured zone; *judged* calls have both arrival and clearance.
public struct ReportFigures: Sendable, Equatable {
    public var callsJudged = 0
    /// Judged calls with any footage in their required window.
    public var withFootage = 0
    /// Judged calls with footage and no coverage finding.
    public var fullyCovered = 0
    public var findings: [FindingKind: Int] = [:]
    /// Verdicts recorded in the period.
    public var reviews = 0
    public var verdicts: [String: Int] = [:]

    /// The verdicts a reviewer records, in report column order.
    public static let verdictOrder = ["compliant", "violation", "justified"]

    public init() {}

    public var findingsTotal: Int { findings.values.reduce(0, +) }
    public var withFootageShare: Double? { Self.share(withFootage, of: callsJudged) }
    public var fullyCoveredShare: Double? { Self.share(fullyCovered, of: callsJudged) }
    public var isEmpty: Bool { callsJudged == 0 && findingsTotal == 0 && reviews == 0 }

    /// A share rounded to four places (what every output prints); nil when nothing was judged.
    public static func share(_ part: Int, of whole: Int) -> Double? {
        whole > 0 ? rounded(Double(part) / Double(whole)) : nil
    }

    static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

    /// Recording helpers for whoever counts (the catalog's period query).
    public mutating func addCall(coverage: Double, findings: Int) {
        callsJudged += 1
        if coverage > 0 { withFootage += 1 }
        if coverage > 0 && findings == 0 { fullyCovered += 1 }
    }

    public mutating func addFinding(_ kind: FindingKind) { findings[kind, default: 0] += 1 }

    public mutating func addReview(verdict: String) {
        reviews += 1
        verdicts[verdict, default: 0] += 1
    }
}

/// Figures of one period: the total, per station and per officer.
public struct PeriodFigures: Sendable, Equatable {
    public var total = ReportFigures()
    /// By the station of the call ("" when the dispatch row names none).
    public var stations: [String: ReportFigures] = [:]
    public var officers: [String: ReportFigures] = [:]
    /// Each officer's station: that of their latest call up to the period's end ("" if none).
    public var officerStations: [String: String] = [:]

    public init() {}

    /// Counts one event for the total, the station and the officer (either may be absent).
    public mutating func add(station: String?, officer: String?, _ change: (inout ReportFigures) -> Void) {
        change(&total)
        if let station { change(&stations[station, default: ReportFigures()]) }
        if let officer { change(&officers[officer, default: ReportFigures()]) }
    }
}

/// A daily or weekly report: the period's figures beside the previous period's, per station
/// and per officer. Built from two `PeriodFigures`; rendered by `ReportRendering`.
public struct PeriodReport: Sendable {
    public struct Line: Sendable, Equatable {
        /// "" when unknown.
        public var station: String
        /// nil on total and station lines.
        public var officer: String?
        public var current: ReportFigures
        public var previous: ReportFigures
    }

    public var period: ReportPeriod
    public var zone: TimeZone
    public var total: Line
    /// Named stations in order, then calls whose row names no station.
    public var stations: [Line]
    /// In order of badge number.
    public var officers: [Line]
    /// The 110 handling chain (issue 15), when the catalog gave it.
    public var handling: HandlingSection?

    public init(period: ReportPeriod, zone: TimeZone, current: PeriodFigures, previous: PeriodFigures, handling: HandlingSection? = nil) {
        self.period = period
        self.zone = zone
        self.handling = handling
        total = Line(station: "", officer: nil, current: current.total, previous: previous.total)
        let stationNames = Set(current.stations.keys).union(previous.stations.keys)
            .sorted(by: Self.stationOrder)
        stations = stationNames.map { name in
            Line(station: name, officer: nil, current: current.stations[name] ?? ReportFigures(), previous: previous.stations[name] ?? ReportFigures())
        }
        officers = Set(current.officers.keys).union(previous.officers.keys).sorted().map { officer in
            Line(
                station: current.officerStations[officer] ?? previous.officerStations[officer] ?? "", officer: officer,
                current: current.officers[officer] ?? ReportFigures(), previous: previous.officers[officer] ?? ReportFigures())
        }
    }

    /// Named stations in order, then "" (calls whose row names none): every table's order.
    public static func stationOrder(_ a: String, _ b: String) -> Bool { (a.isEmpty ? 1 : 0, a) < (b.isEmpty ? 1 : 0, b) }

    /// Current minus previous, for the figures a bulletin compares; shares in fractions.
    public struct Change: Sendable, Equatable {
        public var callsJudged: Int
        public var withFootageShare: Double?
        public var fullyCoveredShare: Double?
        public var findingsTotal: Int
        public var reviews: Int
    }

    public static func change(_ line: Line) -> Change {
        func delta(_ a: Double?, _ b: Double?) -> Double? {
            guard let a, let b else { return nil }
            return ReportFigures.rounded(a - b)
        }
        return Change(
            callsJudged: line.current.callsJudged - line.previous.callsJudged,
            withFootageShare: delta(line.current.withFootageShare, line.previous.withFootageShare),
            fullyCoveredShare: delta(line.current.fullyCoveredShare, line.previous.fullyCoveredShare),
            findingsTotal: line.current.findingsTotal - line.previous.findingsTotal,
            reviews: line.current.reviews - line.previous.reviews)
    }
}
