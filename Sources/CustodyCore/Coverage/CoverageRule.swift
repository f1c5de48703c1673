/// A closed time interval in seconds since 1970.
public struct Interval: Sendable, Equatable, Hashable {
    public var start: Double
    public var end: Double

    public init(_ start: Double, _ end: Double) {
        self.start = start
        self.end = end
    }

    public var length: Double { end - start }
}

/// SPEC §7.1–§7.3 for one judged call: which stretches of the required window no clip covers.
public enum CoverageRule {
    public struct Judgement: Sendable, Equatable {
        /// Covered seconds ÷ window seconds (1 for an empty window).
        public var coverage: Double
        public var coveredSeconds: Double
        /// Every maximal uncovered stretch, reported or not.
        public var uncovered: [Interval]
        /// The stretches that are findings, with their kind.
        public var findings: [(kind: FindingKind, stretch: Interval)]

        public static func == (a: Judgement, b: Judgement) -> Bool {
            a.coverage == b.coverage && a.uncovered == b.uncovered
                && a.findings.map(\.kind) == b.findings.map(\.kind) && a.findings.map(\.stretch) == b.findings.map(\.stretch)
        }
    }

    /// - Parameter clips: the officer's clip intervals that overlap the window (any order).
    public static func judge(window: Interval, clips: [Interval], policy: Policy) -> Judgement {
        let total = window.length
        guard total > 0 else {
            // An instant (CAD exports with dates only clear a call at its arrival time): covered
            // when a clip spans it, else nothing covers the window.
            if clips.contains(where: { $0.start <= window.start && $0.end >= window.end }) {
                return Judgement(coverage: 1, coveredSeconds: 0, uncovered: [], findings: [])
            }
            return Judgement(coverage: 0, coveredSeconds: 0, uncovered: [window], findings: [(.noRecording, window)])
        }
        let relevant = clips.filter { $0.start < window.end && $0.end > window.start }.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
        guard !relevant.isEmpty else {
            return Judgement(coverage: 0, coveredSeconds: 0, uncovered: [window], findings: [(.noRecording, window)])
        }
        // Merge files split by the camera: gaps of at most mergeGap seconds are bridged.
        var merged: [Interval] = [relevant[0]]
        for clip in relevant.dropFirst() {
            if clip.start - merged[merged.count - 1].end <= policy.mergeGapSeconds {
                merged[merged.count - 1].end = max(merged[merged.count - 1].end, clip.end)
            } else {
                merged.append(clip)
            }
        }
        var covered = 0.0
        var uncovered: [Interval] = []
        var cursor = window.start
        for interval in merged {
            let s = max(interval.start, window.start), e = min(interval.end, window.end)
            guard e > s else { continue }
            if s > cursor { uncovered.append(Interval(cursor, s)) }
            covered += e - s  // merged intervals never overlap
            cursor = max(cursor, e)
        }
        if cursor < window.end { uncovered.append(Interval(cursor, window.end)) }

        var findings: [(FindingKind, Interval)] = []
        for stretch in uncovered {
            let atStart = stretch.start == window.start, atEnd = stretch.end == window.end
            if atStart && atEnd {
                findings.append((.noRecording, stretch))  // only when nothing overlaps; kept for safety
            } else if atStart {
                if stretch.length > policy.lateStartSeconds { findings.append((.lateStart, stretch)) }
            } else if atEnd {
                if stretch.length > policy.earlyStopSeconds { findings.append((.earlyStop, stretch)) }
            } else if stretch.length > policy.interruptionSeconds {
                findings.append((.interruption, stretch))
            }
        }
        return Judgement(coverage: covered / total, coveredSeconds: covered, uncovered: uncovered, findings: findings)
    }
}
