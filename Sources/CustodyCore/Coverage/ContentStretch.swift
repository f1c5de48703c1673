/// What a stretch of a clip showed or sounded like (issue 14).
public enum ContentKind: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    /// Dark (a covered lens) or near-uniform: nothing can be seen.
    case obscured
    /// The picture does not change.
    case frozen
    /// The sound is below the muted level.
    case muted

    public init?(finding: FindingKind) {
        switch finding {
        case .obscuredVideo: self = .obscured
        case .frozenVideo: self = .frozen
        case .mutedAudio: self = .muted
        default: return nil
        }
    }

    /// Obscured and frozen footage shows nothing usable; muted footage still shows the scene.
    public var spoilsPicture: Bool { self != .muted }
}

/// A stretch of one clip, in seconds since 1970 (or, in an analysis record, from the clip's
/// first frame).
public struct ContentStretch: Sendable, Equatable, Hashable, Codable {
    public var kind: ContentKind
    public var start: Double
    public var end: Double

    public init(kind: ContentKind, start: Double, end: Double) {
        self.kind = kind
        self.start = start
        self.end = end
    }

    public var length: Double { end - start }

    /// Moved by `offset` seconds (a clip's start time, to make relative times absolute).
    public func shifted(by offset: Double) -> ContentStretch {
        ContentStretch(kind: kind, start: start + offset, end: end + offset)
    }
}
