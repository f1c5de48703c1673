import Foundation

/// The kinds of SPEC §7, in review priority order.
public enum FindingKind: String, Sendable, Equatable, Hashable, CaseIterable, Comparable {
    case noRecording = "no_recording"
    case earlyStop = "early_stop"
    case lateStart = "late_start"
    /// A covered lens or a picture too dark or uniform to show anything (issue 14).
    case obscuredVideo = "obscured_video"
    case interruption
    case frozenVideo = "frozen_video"
    case mutedAudio = "muted_audio"
    /// A recording whose pre-event buffer is shorter than policy requires (issue 16): the
    /// seconds before activation that show what led to it are missing.
    case noPrebuffer = "no_prebuffer"
    /// A camera whose clock was off by more than the policy limit when it was checked (a
    /// device finding, not a call's: its officer's, with no incident; issue 16).
    case clockDrift = "clock_drift"
    case lateUpload = "late_upload"

    /// Lower is more urgent: no_recording > early_stop > late_start > obscured_video >
    /// interruption > frozen_video > muted_audio > no_prebuffer > clock_drift > late_upload. A covered lens loses the picture
    /// as surely as a late start; a frozen picture or missing sound loses less.
    public var priority: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (a: FindingKind, b: FindingKind) -> Bool { a.priority < b.priority }

    /// The order of report columns: the kinds of SPEC §7 where they always were, then those of
    /// issue 14 (a report's CSV keeps its earlier columns in place).
    public static let reportOrder: [FindingKind] = [
        .noRecording, .earlyStop, .lateStart, .interruption, .lateUpload, .obscuredVideo, .frozenVideo, .mutedAudio, .noPrebuffer,
    ]

    /// The kinds found in what a clip shows and sounds like, not in when it ran.
    public var isContent: Bool { ContentKind(finding: self) != nil }

    public init(_ content: ContentKind) {
        switch content {
        case .obscured: self = .obscuredVideo
        case .frozen: self = .frozenVideo
        case .muted: self = .mutedAudio
        }
    }
}

/// One finding: a stretch of a call no camera recorded, or a clip handed in late.
public struct Finding: Sendable, Equatable, Hashable {
    public var incidentID: String?
    public var officerID: String
    public var kind: FindingKind
    /// Seconds since 1970.
    public var start: Double
    public var end: Double
    public var windowStart: Double?
    public var windowEnd: Double?
    /// Covered share of the window, 0…1 (coverage and content kinds).
    public var coverage: Double?
    /// The clip concerned (late_upload and the content kinds).
    public var clipSHA256: String?
    /// Share of the window with a picture neither obscured nor frozen (content kinds only).
    public var usableCoverage: Double?
    /// Seconds the clips' times were corrected by, for a camera whose clock was off (issue 16):
    /// the finding is computed from corrected times. For clock_drift: the camera's offset.
    public var clockOffset: Double?
    /// The camera concerned (clock_drift).
    public var deviceID: String?

    public init(
        incidentID: String?, officerID: String, kind: FindingKind, start: Double, end: Double,
        windowStart: Double? = nil, windowEnd: Double? = nil, coverage: Double? = nil, clipSHA256: String? = nil,
        usableCoverage: Double? = nil
    ) {
        self.usableCoverage = usableCoverage
        self.incidentID = incidentID
        self.officerID = officerID
        self.kind = kind
        self.start = start
        self.end = end
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.coverage = coverage
        self.clipSHA256 = clipSHA256
    }

    /// Whole seconds, as SPEC §7 prints them.
    public var seconds: Int { Int((end - start).rounded()) }

    /// The order `custody gaps` prints: incident, officer, kind, start.
    public static func printOrder(_ a: Finding, _ b: Finding) -> Bool {
        (a.incidentID ?? "", a.officerID, a.kind.rawValue, a.start) < (b.incidentID ?? "", b.officerID, b.kind.rawValue, b.start)
    }
}

extension Finding: JSONLineConvertible {
    /// SPEC §7's shape; late_upload lines carry clip_sha256 and no window fields.
    public var jsonValue: JSONValue {
        var o = JSONObjectBuilder()
        o.add("incident_id", incidentID, null: true)
        o.add("officer_id", officerID)
        o.add("kind", kind.rawValue)
        o.add("start", Timestamp.format(Date(timeIntervalSince1970: start)))
        o.add("end", Timestamp.format(Date(timeIntervalSince1970: end)))
        o.add("seconds", seconds)
        if kind == .clockDrift {
            o.add("device_id", deviceID)
            o.add("clock_offset_seconds", clockOffset.map { ($0 * 10).rounded() / 10 })
            return o.value
        }
        if kind == .lateUpload {
            o.add("clip_sha256", clipSHA256)
        } else if kind.isContent || kind == .noPrebuffer {
            o.add("clip_sha256", clipSHA256)
            o.add("window_start", windowStart.map { Timestamp.format(Date(timeIntervalSince1970: $0)) })
            o.add("window_end", windowEnd.map { Timestamp.format(Date(timeIntervalSince1970: $0)) })
            o.add("coverage", coverage.map { ($0 * 100).rounded() / 100 })
            o.add("usable_coverage", usableCoverage.map { ($0 * 100).rounded() / 100 })
        } else {
            o.add("window_start", windowStart.map { Timestamp.format(Date(timeIntervalSince1970: $0)) })
            o.add("window_end", windowEnd.map { Timestamp.format(Date(timeIntervalSince1970: $0)) })
            o.add("coverage", coverage.map { ($0 * 100).rounded() / 100 })
        }
        o.add("clock_corrected_seconds", clockOffset.map { ($0 * 10).rounded() / 10 })
        return o.value
    }
}
