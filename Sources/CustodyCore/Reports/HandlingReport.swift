public import Foundation

/// The 110 handling figures of one scope (everyone, a station) over one report period
/// (issue 15). Calls are dated by their receipt (else their dispatch); delays are measured on
/// calls of the period, judged as of the period's end. Calls never reached or never closed are
/// counted as they stand at the period's end, whenever they came in: an open call from last
/// week is still 不闭环 in this week's bulletin.
public struct HandlingFigures: Sendable, Equatable {
    /// Dispatch rows received in the period.
    public var calls = 0
    /// Received → dispatched and dispatched → arrived, seconds, of the period's calls.
    public var dispatchDelays: [Double] = []
    public var arrivalDelays: [Double] = []
    public var findings: [HandlingKind: Int] = [:]

    public init() {}

    public var findingsTotal: Int { findings.values.reduce(0, +) }
    public var dispatchMedian: Double? { Self.percentile(dispatchDelays, 0.5) }
    public var dispatchP90: Double? { Self.percentile(dispatchDelays, 0.9) }
    public var arrivalMedian: Double? { Self.percentile(arrivalDelays, 0.5) }
    public var arrivalP90: Double? { Self.percentile(arrivalDelays, 0.9) }

    /// Nearest rank: the smallest value with at least `p` of the values at or below it (so
    /// every figure is a delay some call really had); nil for no values.
    public static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = max(1, Int((p * Double(sorted.count)).rounded(.up)))
        return sorted[min(rank, sorted.count) - 1]
    }
}

/// One period's handling: the total, per station, and the calls open past their limits.
public struct HandlingPeriod: Sendable, Equatable {
    public var asOf: Date
    public var total = HandlingFigures()
    /// By the call's station ("" when the row names none).
    public var stations: [String: HandlingFigures] = [:]
    /// `not_closed` and `no_arrival` as of `asOf`, oldest first.
    public var open: [HandlingFinding] = []

    public init(asOf: Date) { self.asOf = asOf }

    /// One dispatch row of the period (its delays and slow_* findings, as of `asOf`).
    public mutating func addCall(_ row: DispatchRow, policy: HandlingPolicy) {
        let station = row.station ?? ""
        func known(_ d: Date?) -> Double? { HandlingRule.known(d, asOf: asOf) }
        let found = HandlingRule.evaluate(row, policy: policy, asOf: asOf).filter { !$0.kind.isQueued }
        func count(_ figures: inout HandlingFigures) {
            figures.calls += 1
            if let r = known(row.receivedAt), let d = known(row.dispatchedAt), d >= r { figures.dispatchDelays.append(d - r) }
            if let d = known(row.dispatchedAt), let a = known(row.arrivedAt), a >= d { figures.arrivalDelays.append(a - d) }
            for f in found { figures.findings[f.kind, default: 0] += 1 }
        }
        count(&total)
        count(&stations[station, default: HandlingFigures()])
    }

    /// One row open at `asOf` (any date): its no_arrival and not_closed.
    public mutating func addOpen(_ row: DispatchRow, policy: HandlingPolicy) {
        let station = row.station ?? ""
        for f in HandlingRule.evaluate(row, policy: policy, asOf: asOf) where f.kind.isQueued {
            total.findings[f.kind, default: 0] += 1
            stations[station, default: HandlingFigures()].findings[f.kind, default: 0] += 1
            open.append(f)
        }
    }

    /// Sorts the open list (oldest first, then incident and officer).
    public mutating func finish() {
        open.sort { ($0.start, $0.incidentID, $0.officerID, $0.kind.rawValue) < ($1.start, $1.incidentID, $1.officerID, $1.kind.rawValue) }
    }
}

/// The handling section of a report: this period beside the one before.
public struct HandlingSection: Sendable, Equatable {
    public var current: HandlingPeriod
    public var previous: HandlingPeriod

    public init(current: HandlingPeriod, previous: HandlingPeriod) {
        self.current = current
        self.previous = previous
    }

    /// Named stations in order, then calls whose row names none.
    public var stationNames: [String] {
        Set(current.stations.keys).union(previous.stations.keys).sorted(by: PeriodReport.stationOrder)
    }

    public var jsonValue: JSONValue {
        var o = JSONObjectBuilder()
        o.add("as_of", Timestamp.format(current.asOf))
        o.add("total", Self.json(current.total, previous.total))
        o.add("stations", .array(stationNames.map { name in
            guard case .object(let pairs) = Self.json(current.stations[name] ?? HandlingFigures(), previous.stations[name] ?? HandlingFigures()) else { return .null }
            return .object([("station", name.isEmpty ? .null : .string(name))] + pairs)
        }))
        o.add("open", .array(current.open.map(\.jsonValue)))
        return o.value
    }

    static func json(_ f: HandlingFigures, _ p: HandlingFigures) -> JSONValue {
        func figures(_ f: HandlingFigures) -> [(String, JSONValue)] {
            var o = JSONObjectBuilder()
            o.add("calls", f.calls)
            o.add("dispatch_median_seconds", f.dispatchMedian.map { Int($0.rounded()) }, null: true)
            o.add("dispatch_p90_seconds", f.dispatchP90.map { Int($0.rounded()) }, null: true)
            o.add("arrival_median_seconds", f.arrivalMedian.map { Int($0.rounded()) }, null: true)
            o.add("arrival_p90_seconds", f.arrivalP90.map { Int($0.rounded()) }, null: true)
            o.add("findings", .object(HandlingKind.allCases.map { ($0.rawValue, .int(Int64(f.findings[$0] ?? 0))) }))
            o.add("findings_total", f.findingsTotal)
            guard case .object(let pairs) = o.value else { return [] }
            return pairs
        }
        var change = JSONObjectBuilder()
        change.add("calls", f.calls - p.calls)
        change.add("findings", .object(HandlingKind.allCases.map { ($0.rawValue, .int(Int64((f.findings[$0] ?? 0) - (p.findings[$0] ?? 0)))) }))
        change.add("findings_total", f.findingsTotal - p.findingsTotal)
        return .object(figures(f) + [("previous", .object(figures(p))), ("change", change.value)])
    }
}
