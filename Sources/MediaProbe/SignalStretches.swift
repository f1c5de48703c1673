#if canImport(Glibc)
internal import Glibc
#endif

/// The policy numbers of `[content]` (issue 14) and the fixed levels beneath them.
public struct SignalThresholds: Sendable, Equatable {
    /// A picture dark or near-uniform for longer than this is obscured.
    public var obscuredSeconds: Double = 10
    /// A picture unchanged for longer than this is frozen.
    public var frozenSeconds: Double = 10
    /// Sound below `mutedLevelDB` for longer than this is muted.
    public var mutedSeconds: Double = 10
    /// RMS level, dBFS, under which sound counts as muted.
    public var mutedLevelDB: Double = -60
    /// Muted sound in a clip's first seconds is the pre-event buffer, recorded without audio.
    public var prebufferGraceSeconds: Double = 30

    /// A grid cell is dark below this luma (0…255, black = 0): FFmpeg's blackdetect takes 10 %
    /// of the range; a covered lens shows sensor noise a little above that.
    public static let darkLevel = 40.0
    /// A picture is dark when at least this share of its cells is dark. Not blackdetect's 98 %
    /// of pixels: a covered lens shows grain, and on a small picture a tenth of the cells rise
    /// above the dark level (a jacket over a 160 × 120 camera: 95–99 % of cells dark).
    public static let darkShare = 0.90
    /// A picture is near-uniform when its cells' means spread less than this.
    public static let uniformSpread = 5.0
    /// Two key frames are the same picture when their cells differ by less than this on average.
    public static let frozenChange = 1.0

    public init() {}
}

/// One stretch of a clip: seconds from its first frame.
public struct SignalStretch: Sendable, Equatable, Hashable {
    public enum Kind: String, Sendable, Equatable, Hashable, CaseIterable {
        case obscured
        case frozen
        case muted
    }

    public var kind: Kind
    public var start: Double
    public var end: Double

    public init(kind: Kind, start: Double, end: Double) {
        self.kind = kind
        self.start = start
        self.end = end
    }

    public var length: Double { end - start }
}

extension SignalProfile.VideoSample {
    /// Dark, or so uniform that nothing can be seen.
    public var obscured: Bool {
        darkShare >= SignalThresholds.darkShare || spread < SignalThresholds.uniformSpread
    }
}

extension SignalProfile {
    /// The stretches longer than the policy's lengths, in time order (kind order within a time).
    /// A sample stands for the time until the next one (the last, until the end of the clip).
    /// Frozen is judged only between pictures that are not obscured: a black screen is obscured,
    /// not also frozen. Muted sound in the pre-event grace is not counted; a clip with no audio
    /// stream is muted throughout.
    public func stretches(_ t: SignalThresholds) -> [SignalStretch] {
        var found: [SignalStretch] = []
        let end = { (i: Int) -> Double in i + 1 < video.count ? video[i + 1].time : max(duration, video[i].time) }

        var i = 0
        while i < video.count {
            guard video[i].obscured else { i += 1; continue }
            var j = i
            while j + 1 < video.count && video[j + 1].obscured { j += 1 }
            let s = SignalStretch(kind: .obscured, start: video[i].time, end: end(j))
            if s.length > t.obscuredSeconds { found.append(s) }
            i = j + 1
        }

        func same(_ k: Int) -> Bool {
            k > 0 && !video[k].obscured && !video[k - 1].obscured && (video[k].change ?? .infinity) < SignalThresholds.frozenChange
        }
        i = 1
        while i < video.count {
            guard same(i) else { i += 1; continue }
            var j = i
            while j + 1 < video.count && same(j + 1) { j += 1 }
            let s = SignalStretch(kind: .frozen, start: video[i - 1].time, end: end(j))
            if s.length > t.frozenSeconds { found.append(s) }
            i = j + 1
        }

        let grace = max(0, t.prebufferGraceSeconds)
        if !hasAudio {
            let s = SignalStretch(kind: .muted, start: min(grace, duration), end: duration)
            if s.length > t.mutedSeconds { found.append(s) }
        } else {
            var w = 0
            while w < audioLevels.count {
                guard audioLevels[w] < t.mutedLevelDB else { w += 1; continue }
                var v = w
                while v + 1 < audioLevels.count && audioLevels[v + 1] < t.mutedLevelDB { v += 1 }
                let start = max(grace, Double(w) * audioWindow)
                let stop = min(duration, Double(v + 1) * audioWindow)
                if stop - start > t.mutedSeconds { found.append(SignalStretch(kind: .muted, start: start, end: stop)) }
                w = v + 1
            }
        }
        return found.sorted { ($0.start, $0.kind.rawValue) < ($1.start, $1.kind.rawValue) }
    }

    /// One value per whole second, for storage and the clip page's chart: the luma of the key
    /// frame that stands for that second (nil before the first), and the RMS level of its sound
    /// in dBFS (nil without an audio stream; -120 for digital silence).
    public func perSecond() -> (luma: [Double?], level: [Double?]) {
        let seconds = max(0, Int(duration.rounded(.up)))
        var luma = [Double?](repeating: nil, count: seconds)
        var k = -1
        for s in 0..<seconds {
            while k + 1 < video.count && video[k + 1].time <= Double(s) + 0.5 { k += 1 }
            if k >= 0 { luma[s] = video[k].mean }
        }
        var level = [Double?](repeating: nil, count: seconds)
        if hasAudio {
            let per = max(1, Int((1 / audioWindow).rounded()))
            for s in 0..<seconds {
                let slice = audioLevels.dropFirst(s * per).prefix(per)
                guard !slice.isEmpty else { level[s] = -120; continue }
                let energy = slice.reduce(0.0) { $0 + ($1.isFinite ? pow10($1 / 10) : 0) } / Double(slice.count)
                level[s] = energy > 0 ? max(-120, 10 * log10(energy)) : -120
            }
        }
        return (luma, level)
    }
}

private func pow10(_ x: Double) -> Double { exp(x * 2.302585092994046) }
