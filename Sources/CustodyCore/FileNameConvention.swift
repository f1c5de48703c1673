public import Foundation

/// How clip file names are read: one or more named **profiles** (issue 16), tried in order, each
/// a regular expression with named groups and the zone its times are in. The first that matches
/// wins, and `custody probe` says which (`file_name_profile`).
///
/// Groups a pattern may name: `device`, `officer` (or `user`, an Axis user ID, when there is no
/// officer), `start` (14 digits `YYYYMMDDhhmmss`, separators such as `T`, `-`, `_`, `:` ignored,
/// a trailing `Z` meaning UTC), or `date` (8 digits) with `time` (6 digits), and `seq`. A pattern
/// with a `/` is matched against the last two path components (folder/file), else the file name.
///
/// Built in (`[naming] profiles = [...]` in config.toml picks among them and any defined there):
/// - `station`: the collection-station convention of SPEC §5, `<device>_<officer>_<YYYYMMDDhhmmss>_<seq>.<ext>`,
///   local time (the default, and the only one active unless config.toml says otherwise);
/// - `gat947`: GA/T 947 device records, a 7-character product serial, a 6-digit badge number,
///   `YYYYMMDDhhmmss` local time and a 4-digit sequence: `<serial7>_<badge6>_<time>_<seq4>.<ext>`;
/// - `axis`: the Axis body-worn system's recording container and clip object,
///   `<UserID>_<BWCSerialNumber>_<YYYYMMDDTHHMMSSZ>/<YYYYMMDD>_<HHMMSS>_<RecordingID>.<ext>`, UTC;
/// - `generic`: anything ending in `_<YYYYMMDD>_<HHMMSS>`, local time, no device or officer.
public struct FileNameConvention: @unchecked Sendable {  // the compiled Regexes are immutable
    public static let defaultPattern = #"^(?<device>[A-Za-z0-9]+)_(?<officer>[A-Za-z0-9]+)_(?<start>\d{14})_(?<seq>\d+)(\.[A-Za-z0-9]+)?$"#

    /// The built-in profiles: name, pattern, and a zone when the convention fixes one.
    public static let builtIn: [(name: String, pattern: String, zone: String?)] = [
        ("station", defaultPattern, nil),
        ("gat947", #"^(?<device>[A-Za-z0-9]{7})_(?<officer>\d{6})_(?<start>\d{14})_(?<seq>\d{4})(\.[A-Za-z0-9]+)?$"#, nil),
        ("axis", #"^(?<user>[^_/]+)_(?<device>[^_/]+)_(?<trigger>\d{8}T\d{6}Z)/(?<date>\d{8})_(?<time>\d{6})_(?<recording>[0-9A-Za-z]+)\.(mkv|mp4)$"#, "UTC"),
        ("generic", #"^.+_(?<date>\d{8})_(?<time>\d{6})(\.[A-Za-z0-9]+)?$"#, nil),
    ]

    /// One way of naming files.
    public struct Profile: @unchecked Sendable {
        public let name: String
        public let pattern: String
        /// The zone the names' times are in.
        public let timeZone: TimeZone
        let regex: Regex<AnyRegexOutput>
        /// Matched against folder/file rather than the file name alone.
        let spansFolder: Bool

        /// Fails when `pattern` is not a valid regular expression.
        public init(name: String, pattern: String, timeZone: TimeZone) throws {
            self.regex = try Regex(pattern)
            self.name = name
            self.pattern = pattern
            self.timeZone = timeZone
            self.spansFolder = pattern.contains("/")
        }
    }

    /// What a file name says about its clip.
    public struct Parsed: Sendable, Equatable {
        public var deviceID: String?
        public var officerID: String?
        public var start: Date?
        public var sequence: Int?

        public init(deviceID: String? = nil, officerID: String? = nil, start: Date? = nil, sequence: Int? = nil) {
            self.deviceID = deviceID
            self.officerID = officerID
            self.start = start
            self.sequence = sequence
        }
    }

    public let profiles: [Profile]
    /// The data folder's zone (for times that come with none, such as a file's mtime).
    public let timeZone: TimeZone

    /// The first profile's pattern.
    public var pattern: String { profiles.first?.pattern ?? Self.defaultPattern }

    /// One profile: `station` for the default pattern, else `custom` (config.toml's
    /// `file_name_pattern`). Fails with a message when `pattern` is not a valid regular expression.
    public init(pattern: String = FileNameConvention.defaultPattern, timeZone: TimeZone) throws {
        let name = pattern == Self.defaultPattern ? "station" : "custom"
        self.profiles = [try Profile(name: name, pattern: pattern, timeZone: timeZone)]
        self.timeZone = timeZone
    }

    public init(profiles: [Profile], timeZone: TimeZone) {
        self.profiles = profiles
        self.timeZone = timeZone
    }

    /// A built-in profile by name, its times in `zone` unless the convention fixes the zone.
    public static func builtInProfile(_ name: String, zone: TimeZone) -> Profile? {
        guard let b = builtIn.first(where: { $0.name == name }) else { return nil }
        return try? Profile(name: b.name, pattern: b.pattern, timeZone: b.zone.flatMap(TimeZone.init(identifier:)) ?? zone)
    }

    /// Parses the last path component of `path` (or the last two, for a profile spanning a
    /// folder); nil when no profile matches.
    public func parse(fileName path: String) -> Parsed? {
        match(fileName: path)?.parsed
    }

    /// The first profile that matches `path`, and what it read.
    public func match(fileName path: String) -> (profile: String, parsed: Parsed)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let name = parts.last.map(String.init) ?? path
        let folderAndName = parts.count >= 2 ? parts[(parts.count - 2)...].joined(separator: "/") : name
        for profile in profiles {
            if let parsed = Self.read(profile, profile.spansFolder ? folderAndName : name) { return (profile.name, parsed) }
        }
        return nil
    }

    static func read(_ profile: Profile, _ name: String) -> Parsed? {
        guard let match = try? profile.regex.wholeMatch(in: name) else { return nil }
        func group(_ key: String) -> String? {
            guard let sub = match.output[key]?.substring else { return nil }
            return sub.isEmpty ? nil : String(sub)
        }
        var parsed = Parsed(deviceID: group("device"), officerID: group("officer") ?? group("user"))
        var stamp: String? = group("start")
        if stamp == nil, let date = group("date"), let time = group("time") { stamp = date + time }
        if let stamp {
            let digits = stamp.filter(\.isASCII).filter(\.isNumber)
            let zone = stamp.hasSuffix("Z") ? TimeZone(identifier: "UTC")! : profile.timeZone
            parsed.start = digits.count == 14 ? Timestamp.parseCompact(digits, zone: zone) : Timestamp.parse(stamp, zone: zone)
        }
        if let seq = group("seq") {
            parsed.sequence = Int(seq)
        }
        guard parsed.deviceID != nil || parsed.officerID != nil || parsed.start != nil else { return nil }
        return parsed
    }
}
