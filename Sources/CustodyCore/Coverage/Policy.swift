/// The numbers of SPEC §6–§7, in one place; the data folder's configuration may change them.
public struct Policy: Sendable, Equatable {
    public enum WindowStart: String, Sendable, Equatable {
        case arrived
        case dispatched
    }

    /// Clips whose gap is at most this many seconds are merged (cameras split long recordings).
    public var mergeGapSeconds: Double = 2
    /// An uncovered stretch at the window start longer than this is a late start.
    public var lateStartSeconds: Double = 30
    /// An uncovered stretch at the window end longer than this is an early stop.
    public var earlyStopSeconds: Double = 30
    /// An uncovered stretch inside the window longer than this is an interruption.
    public var interruptionSeconds: Double = 10
    /// A clip first received more than this long after it ended is a late upload.
    public var lateUploadSeconds: Double = 24 * 3600
    /// A clip links to a call whose [dispatched (else arrived) − before, cleared + after] it overlaps.
    public var linkBeforeSeconds: Double = 5 * 60
    public var linkAfterSeconds: Double = 10 * 60
    /// The required window starts on arrival (default) or on dispatch.
    public var windowStart: WindowStart = .arrived
    /// The 110 handling limits (`[handling]`, issue 15).
    public var handling = HandlingPolicy()
    /// What the camera saw (`[content]`, issue 14).
    public var content = ContentPolicy()
    /// Seconds of pre-event buffer a recording must hold before its activation (recorders that
    /// say when they were activated, such as Axis); 0: not required (issue 16).
    public var prebufferRequiredSeconds: Double = 0
    /// A camera whose clock is off by more than this many seconds gets `clock_drift` (`[drift]`).
    public var driftLimitSeconds: Double = 30

    public init() {}
}

/// `[content]`: how long a picture may be dark or unchanged, or the sound silent, before it is a
/// finding; and the pre-event buffer at a clip's start, recorded by many cameras without sound.
public struct ContentPolicy: Sendable, Equatable {
    /// Obscured (dark or near-uniform picture) for longer than this: `obscured_video`.
    public var obscuredSeconds: Double = 10
    /// No change between key frames for longer than this: `frozen_video`.
    public var frozenSeconds: Double = 10
    /// Sound below `mutedLevelDB` for longer than this: `muted_audio`.
    public var mutedSeconds: Double = 10
    /// dBFS (RMS) below which sound counts as muted.
    public var mutedLevelDB: Double = -60
    /// Muted sound in a clip's first seconds is not counted.
    public var prebufferGraceSeconds: Double = 30

    public init() {}

    /// The length a stretch of this kind must exceed.
    public func threshold(_ kind: ContentKind) -> Double {
        switch kind {
        case .obscured: obscuredSeconds
        case .frozen: frozenSeconds
        case .muted: mutedSeconds
        }
    }
}
