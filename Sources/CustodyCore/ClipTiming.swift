public import Foundation

/// Decides when a clip started and who/what recorded it, from what the container, the file
/// name and the file system say (SPEC §2 precedence: container, then file name, then mtime).
public enum ClipTiming {
    /// Earliest plausible camera clock. Cameras without a set clock write 1904 (QuickTime's
    /// epoch) or 1970; such a tag says nothing and the next source is used instead.
    public static let earliestPlausible = Date(timeIntervalSince1970: 631_152_000)  // 1990-01-01

    public static func startTime(
        tags: [String: String], fileName: FileNameConvention.Parsed?, modified: Date?,
        duration: Double?, zone: TimeZone
    ) -> (Date, TimeSource)? {
        if let raw = tags["creation_time"], let date = Timestamp.parse(raw, zone: zone), date >= earliestPlausible {
            return (date, .container)
        }
        if let start = fileName?.start {
            return (start, .filename)
        }
        if let modified {
            return (modified.addingTimeInterval(-(duration ?? 0)), .mtime)
        }
        return nil
    }

    /// The `location` tag in its several vendor spellings, parsed as ISO 6709.
    public static func location(tags: [String: String]) -> GeoLocation? {
        for key in ["location", "com.apple.quicktime.location.ISO6709", "location-eng"] {
            if let raw = tags[key], let point = GeoLocation(iso6709: raw) {
                return point
            }
        }
        return nil
    }
}
