public import Foundation

/// The collection-station naming convention of SPEC §5:
/// `<device>_<officer>_<YYYYMMDDhhmmss>_<seq>.<ext>`, time in the camera's local zone,
/// or any other vendor's names through a regular expression with named groups
/// `device`, `officer`, `start` and optionally `seq`.
public struct FileNameConvention: @unchecked Sendable {  // the compiled Regex is immutable
    public static let defaultPattern = #"^(?<device>[A-Za-z0-9]+)_(?<officer>[A-Za-z0-9]+)_(?<start>\d{14})_(?<seq>\d+)(\.[A-Za-z0-9]+)?$"#

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

    public let pattern: String
    public let timeZone: TimeZone
    private let regex: Regex<AnyRegexOutput>

    /// Fails with a message when `pattern` is not a valid regular expression.
    public init(pattern: String = FileNameConvention.defaultPattern, timeZone: TimeZone) throws {
        self.regex = try Regex(pattern)
        self.pattern = pattern
        self.timeZone = timeZone
    }

    /// Parses the last path component of `path`; nil when the name does not follow the convention.
    public func parse(fileName path: String) -> Parsed? {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        guard let match = try? regex.wholeMatch(in: name) else { return nil }
        func group(_ key: String) -> String? {
            guard let sub = match.output[key]?.substring else { return nil }
            return sub.isEmpty ? nil : String(sub)
        }
        var parsed = Parsed(deviceID: group("device"), officerID: group("officer"))
        if let start = group("start") {
            parsed.start = Timestamp.parse(start, zone: timeZone)
        }
        if let seq = group("seq") {
            parsed.sequence = Int(seq)
        }
        guard parsed.deviceID != nil || parsed.officerID != nil || parsed.start != nil else { return nil }
        return parsed
    }
}
