public import Foundation

/// The span an imported time must fall in to be believed (SPEC §3): a call or a check-out
/// before `earliest` or more than `futureSlack` seconds after the import is a typo or a
/// placeholder (0001-01-01, 2099-12-31, 9999-…), and judging it would invent findings.
/// Defaults: not before 2000-01-01T00:00:00Z, not more than one day (86 400 s) after the import.
public struct TimeWindow: Sendable, Equatable {
    public var earliest: Date
    public var futureSlack: TimeInterval
    /// The import's own time, the reference of `futureSlack`.
    public var now: Date

    public static let defaultEarliest = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01T00:00:00Z
    public static let defaultFutureSlack: TimeInterval = 86_400

    public init(earliest: Date = TimeWindow.defaultEarliest, futureSlack: TimeInterval = TimeWindow.defaultFutureSlack, now: Date = Date()) {
        self.earliest = earliest
        self.futureSlack = futureSlack
        self.now = now
    }

    public func contains(_ date: Date) -> Bool {
        date >= earliest && date <= now.addingTimeInterval(futureSlack)
    }

    /// For rejection reasons: "the plausible window (2000-01-01 … 1 day after the import)".
    public var words: String {
        let day = Timestamp.format(earliest).prefix(10)
        let slack = futureSlack.truncatingRemainder(dividingBy: 86_400) == 0
            ? "\(Int(futureSlack / 86_400)) day\(futureSlack == 86_400 ? "" : "s")" : "\(Int(futureSlack)) s"
        return "the plausible window (\(day) … \(slack) after the import)"
    }
}

/// Reads the time cells of an import: SPEC §3's shapes, plus any `time_formats` a mapping
/// file names (patterns such as `yyyy-MM-dd`, `MM/dd/yyyy HH:mm`), in a zone; and says
/// whether a time read falls in the plausible `window`.
public struct TimeReader: Sendable {
    public var zone: TimeZone
    public var formats: [TimePattern]
    public var window: TimeWindow

    public init(zone: TimeZone, formats: [String] = [], window: TimeWindow = TimeWindow()) throws {
        self.zone = zone
        self.formats = try formats.map(TimePattern.init)
        self.window = window
    }

    /// The time in `text` of `column`, or the reason it cannot be used.
    public func read(_ text: String, column: String) -> Result<Date, RejectionReason> {
        guard let date = read(text) else { return .failure(.badTime(column, text)) }
        guard window.contains(date) else { return .failure(.implausibleTime(column, text, window: window.words)) }
        return .success(date)
    }

    public func read(_ text: String) -> Date? {
        if let date = Timestamp.parse(text, zone: zone) { return date }
        for format in formats {
            if let date = format.parse(text, zone: zone) { return date }
        }
        return nil
    }
}

/// A fixed-width date pattern of `yyyy MM dd HH mm ss` fields and literal characters.
public struct TimePattern: Sendable, Equatable {
    enum Part: Equatable, Sendable {
        case field(Character, Int)  // y M d H m s, width
        case literal(Character)
    }

    let parts: [Part]
    public let pattern: String

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(_ pattern: String) throws {
        self.pattern = pattern
        var parts: [Part] = []
        var chars = Array(pattern)[...]
        while let c = chars.first {
            if "yMdHms".contains(c) {
                let run = chars.prefix { $0 == c }.count
                guard (c == "y" && run == 4) || (c != "y" && run == 2) else {
                    throw Failure(description: "time format '\(pattern)': use yyyy, MM, dd, HH, mm, ss")
                }
                parts.append(.field(c, run))
                chars = chars.dropFirst(run)
            } else if c.isLetter {
                throw Failure(description: "time format '\(pattern)': unknown field '\(c)'")
            } else {
                parts.append(.literal(c))
                chars = chars.dropFirst()
            }
        }
        guard parts.contains(.field("y", 4)), parts.contains(.field("M", 2)), parts.contains(.field("d", 2)) else {
            throw Failure(description: "time format '\(pattern)' needs at least yyyy, MM and dd")
        }
        self.parts = parts
    }

    public func parse(_ text: String, zone: TimeZone) -> Date? {
        var values: [Character: Int] = ["H": 0, "m": 0, "s": 0]
        var rest = Array(text.trimmingCharacters(in: .whitespaces))[...]
        for part in parts {
            switch part {
            case .literal(let c):
                guard rest.first == c else { return nil }
                rest = rest.dropFirst()
            case .field(let c, let width):
                let digits = rest.prefix(width)
                guard digits.count == width, digits.allSatisfy(\.isASCII), let n = Int(String(digits)) else { return nil }
                values[c] = n
                rest = rest.dropFirst(width)
            }
        }
        guard rest.isEmpty, let y = values["y"], let mo = values["M"], let d = values["d"],
              let h = values["H"], let mi = values["m"], let s = values["s"]
        else { return nil }
        let text = String(format: "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s)
        return Timestamp.parse(text, zone: zone)
    }
}
