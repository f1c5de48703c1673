import Foundation

/// A clip as linking sees it: who recorded it, when, and when it was first handed in.
public struct ClipSpan: Sendable, Equatable, Hashable {
    public static func == (a: ClipSpan, b: ClipSpan) -> Bool {
        a.id == b.id && a.sha256 == b.sha256 && a.officerID == b.officerID && a.start == b.start && a.end == b.end
            && a.firstReceipt == b.firstReceipt && a.stretches == b.stretches
            && a.activation?.at == b.activation?.at && a.activation?.prebuffer == b.activation?.prebuffer && a.clockOffset == b.clockOffset
    }

    public func hash(into h: inout Hasher) {
        h.combine(id)
        h.combine(sha256)
        h.combine(start)
        h.combine(end)
    }

    /// The catalog's id for the clip.
    public var id: Int64
    public var sha256: String
    public var officerID: String?
    /// Seconds since 1970.
    public var start: Double
    public var end: Double
    /// Earliest receipt (ingest time, or `--received-at`).
    public var firstReceipt: Double?
    /// Obscured, frozen and muted stretches found by its analysis, in seconds since 1970 (empty
    /// until analysed).
    public var stretches: [ContentStretch]
    /// For a recorder that says when it was activated (Axis TriggerOnTime): the activation time
    /// and the seconds of pre-event buffer this clip holds before it (nil: not known).
    public var activation: (at: Double, prebuffer: Double)?
    /// Seconds subtracted from the camera's times (its clock's offset, issue 16); nil: none known.
    public var clockOffset: Double?

    public init(
        id: Int64, sha256: String, officerID: String?, start: Double, end: Double, firstReceipt: Double?, stretches: [ContentStretch] = [],
        activation: (at: Double, prebuffer: Double)? = nil
    ) {
        self.stretches = stretches
        self.activation = activation
        self.id = id
        self.sha256 = sha256
        self.officerID = officerID
        self.start = start
        self.end = end
        self.firstReceipt = firstReceipt
    }
}

/// SPEC §6 and §7 over one set of dispatch rows and clips: links, findings, and the clips
/// that are unattributed or unlinked. Pure: values in, values out; work is a sweep over each
/// officer's intervals sorted by start (O(n log n)), not a query per clip.
public enum Linker {
    public struct Link: Sendable, Equatable, Hashable {
        public var clipID: Int64
        /// Index into the `rows` passed in.
        public var row: Int

        public init(clipID: Int64, row: Int) {
            self.clipID = clipID
            self.row = row
        }
    }

    public struct Outcome: Sendable, Equatable {
        public var links: [Link] = []
        public var findings: [Finding] = []
        /// Coverage of each judged row, by index into `rows`.
        public var coverage: [Int: Double] = [:]
        /// Usable coverage of each judged row (issue 14): the share of its window with a
        /// picture neither obscured nor frozen, by index into `rows`.
        public var usable: [Int: Double] = [:]
        /// How many coverage findings (late start, early stop, interruption, no recording) each
        /// judged row has, by index into `rows`: one officer may attend an incident twice.
        public var coverageFindings: [Int: Int] = [:]
        public var unlinked: [Int64] = []
        public var unattributed: [Int64] = []

        public var judged: Int { coverage.count }
        public var judgedWithFootage: Int { coverage.values.filter { $0 > 0 }.count }
    }

    /// The span a clip must overlap to link to `row`, or nil when the row has none (no
    /// clearance, or neither dispatch nor arrival).
    public static func linkSpan(_ row: DispatchRow, policy: Policy) -> Interval? {
        guard let begin = row.dispatchedAt ?? row.arrivedAt, let cleared = row.clearedAt else { return nil }
        return Interval(begin.timeIntervalSince1970 - policy.linkBeforeSeconds, cleared.timeIntervalSince1970 + policy.linkAfterSeconds)
    }

    /// The required window of a judged row.
    public static func window(_ row: DispatchRow, policy: Policy) -> Interval? {
        guard let arrived = row.arrivedAt, let cleared = row.clearedAt else { return nil }
        let start = policy.windowStart == .dispatched ? (row.dispatchedAt ?? arrived) : arrived
        return Interval(start.timeIntervalSince1970, cleared.timeIntervalSince1970)
    }

    public static func run(rows: [DispatchRow], clips: [ClipSpan], policy: Policy) -> Outcome {
        var outcome = Outcome()
        var rowsByOfficer: [String: [Int]] = [:]
        for (i, row) in rows.enumerated() { rowsByOfficer[row.officerID, default: []].append(i) }
        var clipsByOfficer: [String: [ClipSpan]] = [:]
        for clip in clips {
            guard let officer = clip.officerID else {
                outcome.unattributed.append(clip.id)
                continue
            }
            clipsByOfficer[officer, default: []].append(clip)
        }
        for officer in Set(rowsByOfficer.keys).union(clipsByOfficer.keys).sorted() {
            runOfficer(rows: rows, rowIndices: rowsByOfficer[officer] ?? [], clips: clipsByOfficer[officer] ?? [], policy: policy, into: &outcome)
        }
        outcome.links.sort { ($0.clipID, $0.row) < ($1.clipID, $1.row) }
        outcome.findings.sort(by: Finding.printOrder)
        outcome.unlinked.sort()
        outcome.unattributed.sort()
        return outcome
    }

    /// One officer's sweep.
    static func runOfficer(rows: [DispatchRow], rowIndices: [Int], clips unsorted: [ClipSpan], policy: Policy, into outcome: inout Outcome) {
        let clips = unsorted.sorted { ($0.start, $0.end, $0.id) < ($1.start, $1.end, $1.id) }
        let index = SortedIntervals(clips.map { Interval($0.start, $0.end) })
        var incidentsOfClip: [[Int]] = Array(repeating: [], count: clips.count)

        for r in rowIndices {
            let row = rows[r]
            let firstFinding = outcome.findings.count
            defer {
                // Findings judged from corrected times say by how much (the largest correction).
                let offsets = index.overlapping(Linker.window(row, policy: policy) ?? Interval(0, 0), closed: true).compactMap { clips[$0].clockOffset }
                if let largest = offsets.max(by: { abs($0) < abs($1) }) {
                    for i in firstFinding..<outcome.findings.count { outcome.findings[i].clockOffset = largest }
                }
            }
            if let span = linkSpan(row, policy: policy) {
                // Closed intervals: a clip touching the span links.
                for c in index.overlapping(span, closed: true) {
                    incidentsOfClip[c].append(r)
                    outcome.links.append(Link(clipID: clips[c].id, row: r))
                }
            }
            guard let window = window(row, policy: policy) else { continue }
            let overlapping = index.overlapping(window, closed: window.length == 0)
            let inWindow = overlapping.map { Interval(clips[$0].start, clips[$0].end) }
            let judgement = CoverageRule.judge(window: window, clips: inWindow, policy: policy)
            outcome.coverage[r] = judgement.coverage
            outcome.coverageFindings[r] = judgement.findings.count
            for (kind, stretch) in judgement.findings {
                outcome.findings.append(Finding(
                    incidentID: row.incidentID, officerID: row.officerID, kind: kind, start: stretch.start, end: stretch.end,
                    windowStart: window.start, windowEnd: window.end, coverage: judgement.coverage))
            }
            let content = ContentRule.judge(
                window: window, clips: overlapping.map { clips[$0] }, coveredSeconds: judgement.coveredSeconds, policy: policy.content)
            outcome.usable[r] = content.usableCoverage
            // A recording activated inside the window with less pre-event buffer than required.
            if policy.prebufferRequiredSeconds > 0 {
                for c in overlapping {
                    guard let activation = clips[c].activation, activation.prebuffer < policy.prebufferRequiredSeconds,
                          activation.at >= window.start - policy.prebufferRequiredSeconds, activation.at <= window.end else { continue }
                    outcome.findings.append(Finding(
                        incidentID: row.incidentID, officerID: row.officerID, kind: .noPrebuffer,
                        start: activation.at - policy.prebufferRequiredSeconds, end: activation.at - activation.prebuffer,
                        windowStart: window.start, windowEnd: window.end, coverage: judgement.coverage, clipSHA256: clips[c].sha256))
                }
            }
            for (clip, stretch) in content.findings {
                outcome.findings.append(Finding(
                    incidentID: row.incidentID, officerID: row.officerID, kind: FindingKind(stretch.kind), start: stretch.start, end: stretch.end,
                    windowStart: window.start, windowEnd: window.end, coverage: judgement.coverage, clipSHA256: clip.sha256,
                    usableCoverage: content.usableCoverage))
            }
        }

        for (c, clip) in clips.enumerated() {
            if incidentsOfClip[c].isEmpty { outcome.unlinked.append(clip.id) }
            guard let received = clip.firstReceipt, received - clip.end > policy.lateUploadSeconds else { continue }
            let incidents = Set(incidentsOfClip[c].map { rows[$0].incidentID }).sorted()
            for incident in incidents.isEmpty ? [nil] : incidents.map(Optional.some) {
                outcome.findings.append(Finding(
                    incidentID: incident, officerID: clip.officerID ?? "", kind: .lateUpload, start: clip.end, end: received,
                    clipSHA256: clip.sha256))
            }
        }
    }
}

/// Intervals sorted by start with a running maximum of their ends, for overlap queries.
struct SortedIntervals {
    let items: [Interval]
    private let maxEnd: [Double]

    /// `items` must be sorted by start.
    init(_ items: [Interval]) {
        self.items = items
        var running = -Double.infinity
        maxEnd = items.map { running = max(running, $0.end); return running }
    }

    /// Indices of the intervals overlapping `query`: touching counts when `closed`, otherwise
    /// the overlap must have positive length. Ascending order.
    func overlapping(_ query: Interval, closed: Bool) -> [Int] {
        // First index whose start is past the query's end.
        var lo = 0, hi = items.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let past = closed ? items[mid].start > query.end : items[mid].start >= query.end
            if past { hi = mid } else { lo = mid + 1 }
        }
        var result: [Int] = []
        var i = lo - 1
        while i >= 0 {
            if closed ? maxEnd[i] < query.start : maxEnd[i] <= query.start { break }
            let end = items[i].end
            if closed ? end >= query.start : end > query.start { result.append(i) }
            i -= 1
        }
        return result.reversed()
    }
}
