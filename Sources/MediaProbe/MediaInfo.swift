/// What FFmpeg says about a media file: container, streams, tags and an integrity verdict.
///
/// A plain `Sendable` value: nothing in it points into FFmpeg, so it can cross tasks and
/// modules freely. Field names follow ffprobe's where ffprobe has one.
public struct MediaInfo: Sendable, Equatable {
    /// The demuxer's name as ffprobe prints it, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    public var formatName: String?
    /// Seconds. The container's duration, or the packets' span where the container has none
    /// or where its figure is known to be a placeholder (fragmented MP4).
    public var duration: Double?
    /// The container's own duration figure, as ffprobe would print it.
    public var containerDuration: Double?
    /// Seconds of media actually present, from first packet start to last packet end.
    public var packetDuration: Double?
    /// Where `duration` came from: `container` or `packets`.
    public var durationSource: DurationSource?
    public var bitRate: Int?
    public var streams: [StreamInfo]
    /// Container-level tags, verbatim.
    public var tags: [String: String]
    public var integrity: Integrity
    /// One sentence saying what is wrong; `nil` when integrity is `ok`.
    public var error: String?
    /// Packets read during the integrity scan.
    public var packetCount: Int
    /// True when the file is a fragmented MP4 (moof boxes), whose moov duration is not authoritative.
    public var fragmented: Bool

    public init(
        formatName: String? = nil, duration: Double? = nil, containerDuration: Double? = nil,
        packetDuration: Double? = nil, durationSource: DurationSource? = nil, bitRate: Int? = nil,
        streams: [StreamInfo] = [], tags: [String: String] = [:], integrity: Integrity,
        error: String? = nil, packetCount: Int = 0, fragmented: Bool = false
    ) {
        self.formatName = formatName
        self.duration = duration
        self.containerDuration = containerDuration
        self.packetDuration = packetDuration
        self.durationSource = durationSource
        self.bitRate = bitRate
        self.streams = streams
        self.tags = tags
        self.integrity = integrity
        self.error = error
        self.packetCount = packetCount
        self.fragmented = fragmented
    }

    /// A result for a file no demuxer would read.
    public static func unreadable(_ reason: String) -> MediaInfo {
        MediaInfo(integrity: .unreadable, error: reason)
    }
}

/// The integrity verdict of SPEC §2.
public enum Integrity: String, Sendable, Codable, Equatable {
    /// Every packet the file declares is present and readable.
    case ok
    /// Packets stop before the declared duration, or the index points past the end of the file.
    case truncated
    /// No demuxer accepts the file.
    case unreadable
}

public enum DurationSource: String, Sendable, Codable, Equatable {
    case container
    case packets
}

/// One elementary stream, as ffprobe's `-show_streams` describes it.
public struct StreamInfo: Sendable, Equatable {
    public var index: Int
    /// `video`, `audio`, `data`, `subtitle`, `attachment` or `unknown`.
    public var codecType: String
    /// FFmpeg's codec name (`h264`, `aac`…) or `unknown`.
    public var codecName: String
    public var width: Int?
    public var height: Int?
    /// Frames per second (average where known, else the base rate).
    public var frameRate: Double?
    public var sampleRate: Int?
    public var channels: Int?
    /// Frames or samples the container declares for this stream, when it declares any.
    public var declaredFrames: Int?
    /// Packets found during the integrity scan.
    public var packets: Int

    public init(
        index: Int, codecType: String, codecName: String, width: Int? = nil, height: Int? = nil,
        frameRate: Double? = nil, sampleRate: Int? = nil, channels: Int? = nil,
        declaredFrames: Int? = nil, packets: Int = 0
    ) {
        self.index = index
        self.codecType = codecType
        self.codecName = codecName
        self.width = width
        self.height = height
        self.frameRate = frameRate
        self.sampleRate = sampleRate
        self.channels = channels
        self.declaredFrames = declaredFrames
        self.packets = packets
    }
}

/// Limits that keep one bad file from hanging or exhausting a probe.
public struct ProbeOptions: Sendable {
    /// Wall-clock budget for opening and scanning one file, in seconds.
    public var timeLimit: Double = 30
    /// Scan every packet to judge integrity. Without it only the header and index are checked.
    public var scanPackets: Bool = true
    /// Slack allowed between the declared duration and the packets found before a file is
    /// called truncated: the larger of these seconds and this share of the declared duration.
    public var truncationToleranceSeconds: Double = 0.5
    public var truncationToleranceShare: Double = 0.02

    public init() {}
}
