/// Issue 14 for one judged call: which obscured, frozen and muted stretches of its officer's
/// clips fall inside its required window, and how much of the window has a usable picture.
public enum ContentRule {
    public struct Judgement: Sendable, Equatable {
        /// Seconds of the window covered (as `CoverageRule` counts them) less those whose
        /// picture is obscured or frozen, over the window's seconds (0…1; 1 for an instant
        /// window that a clip spans, else 0).
        public var usableCoverage: Double
        /// The part of each stretch inside the window that is longer than its kind's number.
        public var findings: [(clip: ClipSpan, stretch: ContentStretch)]

        public static func == (a: Judgement, b: Judgement) -> Bool {
            a.usableCoverage == b.usableCoverage && a.findings.map(\.clip) == b.findings.map(\.clip)
                && a.findings.map(\.stretch) == b.findings.map(\.stretch)
        }
    }

    /// - Parameters:
    ///   - clips: the officer's clips overlapping the window, with absolute stretches.
    ///   - coveredSeconds: `CoverageRule.judge(…).coveredSeconds` for the same window.
    public static func judge(window: Interval, clips: [ClipSpan], coveredSeconds: Double, policy: ContentPolicy) -> Judgement {
        guard window.length > 0 else {
            let spanned = clips.contains { $0.start <= window.start && $0.end >= window.end }
            return Judgement(usableCoverage: spanned ? 1 : 0, findings: [])
        }
        var findings: [(ClipSpan, ContentStretch)] = []
        var spoiled: [Interval] = []
        for clip in clips.sorted(by: { ($0.start, $0.id) < ($1.start, $1.id) }) {
            for stretch in clip.stretches {
                let s = max(stretch.start, window.start, clip.start), e = min(stretch.end, window.end, clip.end)
                guard e > s else { continue }
                if stretch.kind.spoilsPicture { spoiled.append(Interval(s, e)) }
                if e - s > policy.threshold(stretch.kind) {
                    findings.append((clip, ContentStretch(kind: stretch.kind, start: s, end: e)))
                }
            }
        }
        // Overlapping stretches (two clips at once, or obscured beside frozen) count once.
        var lost = 0.0
        var cursor = -Double.infinity
        for interval in spoiled.sorted(by: { $0.start < $1.start }) {
            let s = max(interval.start, cursor)
            if interval.end > s { lost += interval.end - s }
            cursor = max(cursor, interval.end)
        }
        let usable = max(0, coveredSeconds - lost) / window.length
        return Judgement(usableCoverage: min(1, usable), findings: findings)
    }
}
