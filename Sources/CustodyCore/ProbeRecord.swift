public import Foundation

/// The metadata record of one media file, exactly as `custody probe --json` prints it (SPEC §2)
/// and as the catalog stores it.
public struct ProbeRecord: Sendable, Equatable {
    public var path: String
    public var size: Int64
    public var sha256: String?
    public var formatName: String?
    public var duration: Double?
    public var bitRate: Int?
    public var startTime: Date?
    public var timeSource: TimeSource?
    public var deviceID: String?
    public var officerID: String?
    public var streams: [MediaStream]
    public var tags: [String: String]
    public var location: GeoLocation?
    public var integrity: IntegrityVerdict
    public var error: String?
    /// Seconds of media actually present (packet span), when it was measured.
    public var packetDuration: Double?
    /// `container` or `packets`: where `duration` came from.
    public var durationSource: String?
    /// The file-name profile its name matched (issue 16), if any.
    public var fileNameProfile: String?

    public init(
        path: String, size: Int64, sha256: String? = nil, formatName: String? = nil,
        duration: Double? = nil, bitRate: Int? = nil, startTime: Date? = nil,
        timeSource: TimeSource? = nil, deviceID: String? = nil, officerID: String? = nil,
        streams: [MediaStream] = [], tags: [String: String] = [:], location: GeoLocation? = nil,
        integrity: IntegrityVerdict, error: String? = nil, packetDuration: Double? = nil,
        durationSource: String? = nil
    ) {
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.formatName = formatName
        self.duration = duration
        self.bitRate = bitRate
        self.startTime = startTime
        self.timeSource = timeSource
        self.deviceID = deviceID
        self.officerID = officerID
        self.streams = streams
        self.tags = tags
        self.location = location
        self.integrity = integrity
        self.error = error
        self.packetDuration = packetDuration
        self.durationSource = durationSource
    }

    /// The recorded interval `[start, start + duration]`, when both are known.
    public var interval: DateInterval? {
        guard let startTime, let duration, duration >= 0 else { return nil }
        return DateInterval(start: startTime, duration: duration)
    }
}

/// SPEC §2's integrity verdict.
public enum IntegrityVerdict: String, Sendable, Codable, Equatable, CaseIterable {
    case ok, truncated, unreadable
}

/// Where a clip's start time came from, in order of precedence.
public enum TimeSource: String, Sendable, Codable, Equatable {
    case container, filename, mtime
}

/// One stream of a probed file (ffprobe's field names).
public struct MediaStream: Sendable, Equatable, Codable {
    public var index: Int
    public var codecType: String
    public var codecName: String
    public var width: Int?
    public var height: Int?
    public var frameRate: Double?
    public var sampleRate: Int?
    public var channels: Int?

    public init(
        index: Int, codecType: String, codecName: String, width: Int? = nil, height: Int? = nil,
        frameRate: Double? = nil, sampleRate: Int? = nil, channels: Int? = nil
    ) {
        self.index = index
        self.codecType = codecType
        self.codecName = codecName
        self.width = width
        self.height = height
        self.frameRate = frameRate
        self.sampleRate = sampleRate
        self.channels = channels
    }

    enum CodingKeys: String, CodingKey {
        case index
        case codecType = "codec_type"
        case codecName = "codec_name"
        case width, height
        case frameRate = "frame_rate"
        case sampleRate = "sample_rate"
        case channels
    }
}

extension ProbeRecord: Codable {
    enum CodingKeys: String, CodingKey {
        case path, size, sha256
        case formatName = "format_name"
        case duration
        case bitRate = "bit_rate"
        case startTime = "start_time"
        case timeSource = "time_source"
        case deviceID = "device_id"
        case officerID = "officer_id"
        case streams, tags, location, integrity, error
        case packetDuration = "packet_duration"
        case durationSource = "duration_source"
        case fileNameProfile = "file_name_profile"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(size, forKey: .size)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(formatName, forKey: .formatName)
        try c.encode(duration, forKey: .duration)
        try c.encode(bitRate, forKey: .bitRate)
        try c.encode(startTime.map(Timestamp.format), forKey: .startTime)
        try c.encode(timeSource, forKey: .timeSource)
        try c.encodeIfPresent(deviceID, forKey: .deviceID)
        try c.encodeIfPresent(officerID, forKey: .officerID)
        try c.encode(streams, forKey: .streams)
        try c.encode(tags, forKey: .tags)
        try c.encodeIfPresent(location, forKey: .location)
        try c.encode(integrity, forKey: .integrity)
        try c.encode(error, forKey: .error)
        try c.encodeIfPresent(packetDuration, forKey: .packetDuration)
        try c.encodeIfPresent(durationSource, forKey: .durationSource)
        try c.encodeIfPresent(fileNameProfile, forKey: .fileNameProfile)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        size = try c.decode(Int64.self, forKey: .size)
        sha256 = try c.decodeIfPresent(String.self, forKey: .sha256)
        formatName = try c.decodeIfPresent(String.self, forKey: .formatName)
        duration = try c.decodeIfPresent(Double.self, forKey: .duration)
        bitRate = try c.decodeIfPresent(Int.self, forKey: .bitRate)
        startTime = try c.decodeIfPresent(String.self, forKey: .startTime).flatMap {
            Timestamp.parse($0, zone: TimeZone(identifier: "UTC")!)
        }
        timeSource = try c.decodeIfPresent(TimeSource.self, forKey: .timeSource)
        deviceID = try c.decodeIfPresent(String.self, forKey: .deviceID)
        officerID = try c.decodeIfPresent(String.self, forKey: .officerID)
        streams = try c.decodeIfPresent([MediaStream].self, forKey: .streams) ?? []
        tags = try c.decodeIfPresent([String: String].self, forKey: .tags) ?? [:]
        location = try c.decodeIfPresent(GeoLocation.self, forKey: .location)
        integrity = try c.decode(IntegrityVerdict.self, forKey: .integrity)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        packetDuration = try c.decodeIfPresent(Double.self, forKey: .packetDuration)
        durationSource = try c.decodeIfPresent(String.self, forKey: .durationSource)
        fileNameProfile = try c.decodeIfPresent(String.self, forKey: .fileNameProfile)
    }
}

extension ProbeRecord: JSONLineConvertible {
    /// SPEC §2's shape, keys in its order; Custody's extra fields come last.
    public var jsonValue: JSONValue {
        var o = JSONObjectBuilder()
        o.add("path", path)
        o.add("size", size)
        o.add("sha256", sha256, null: true)
        o.add("format_name", formatName, null: true)
        o.add("duration", duration, null: true)
        o.add("bit_rate", bitRate, null: true)
        o.add("start_time", startTime.map(Timestamp.format), null: true)
        o.add("time_source", timeSource?.rawValue, null: true)
        o.add("device_id", deviceID)
        o.add("officer_id", officerID)
        o.add("streams", .array(streams.map(\.jsonValue)))
        o.add("tags", .object(tags.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        if let location {
            var l = JSONObjectBuilder()
            l.add("lat", location.lat)
            l.add("lon", location.lon)
            l.add("alt", location.alt)
            o.add("location", l.value)
        }
        o.add("integrity", integrity.rawValue)
        o.add("error", error, null: true)
        o.add("packet_duration", packetDuration.map { ($0 * 1_000_000).rounded() / 1_000_000 })
        o.add("duration_source", durationSource)
        o.add("file_name_profile", fileNameProfile)
        return o.value
    }
}

extension MediaStream: JSONLineConvertible {
    public var jsonValue: JSONValue {
        var o = JSONObjectBuilder()
        o.add("index", index)
        o.add("codec_type", codecType)
        o.add("codec_name", codecName)
        o.add("width", width)
        o.add("height", height)
        o.add("frame_rate", frameRate)
        o.add("sample_rate", sampleRate)
        o.add("channels", channels)
        return o.value
    }
}
