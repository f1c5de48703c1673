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

/// A date pattern of a mapping's `time_formats`, the one place its letters are defined.
///
/// Unicode (ICU / Java) letters: `yyyy` year, `yy` two-digit year (2000–2099); `MM` `dd` `HH`
/// `mm` `ss` two digits, or `M` `d` `H` `m` `s` one or two; `hh` / `h` the hour on a 12-hour
/// clock, with `a` the AM/PM marker (AM, PM, am, pm, A.M., P.M., 上午, 下午); `S`… a fraction of
/// a second (1–9 digits, whatever the run's length); `X`, `XX`, `XXX` or `Z` an offset (`Z`,
/// `+08`, `+0800`, `+08:00`), which then wins over the import's zone; text in single quotes is
/// literal (`yyyy-MM-dd'T'HH:mm:ss`), as is any other non-letter.
///
/// strptime style (the pattern contains `%`): `%Y` `%y` `%m` `%d` `%H` `%I` `%M` `%S` `%p` `%f`
/// `%z` and `%%`, read as the letters above (`%I` is `hh`, `%p` is `a`, `%f` a fraction, `%z` an
/// offset).
public struct TimePattern: Sendable, Equatable {
    enum Part: Equatable, Sendable {
        /// y M d H h m s: `min`…`max` digits.
        case field(Character, min: Int, max: Int)
        case ampm
        case fraction
        case offset
        case literal(Character)
    }

    let parts: [Part]
    public let pattern: String

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(_ pattern: String) throws {
        self.pattern = pattern
        let icu = pattern.contains("%") ? try Self.fromStrptime(pattern) : pattern
        var parts: [Part] = []
        var chars = Array(icu)[...]
        func fail(_ why: String) -> Failure { Failure(description: "time format '\(pattern)': \(why)") }
        while let c = chars.first {
            if c == "'" {
                // Quoted literal text; '' is a quote.
                chars = chars.dropFirst()
                if chars.first == "'" { parts.append(.literal("'")); chars = chars.dropFirst(); continue }
                guard let end = chars.firstIndex(of: "'") else { throw fail("a quote is not closed") }
                parts += chars[..<end].map { .literal($0) }
                chars = chars[chars.index(after: end)...]
                continue
            }
            guard c.isLetter else {
                parts.append(.literal(c))
                chars = chars.dropFirst()
                continue
            }
            let run = chars.prefix { $0 == c }.count
            switch (c, run) {
            case ("y", 4): parts.append(.field("y", min: 4, max: 4))
            case ("y", 2): parts.append(.field("Y", min: 2, max: 2))  // two-digit year
            case ("M", 1...2), ("d", 1...2), ("H", 1...2), ("h", 1...2), ("m", 1...2), ("s", 1...2):
                parts.append(.field(c, min: run, max: 2))
            case ("a", 1): parts.append(.ampm)
            case ("S", _): parts.append(.fraction)
            case ("X", 1...3), ("Z", 1...3), ("x", 1...3): parts.append(.offset)
            case ("y", _), ("M", _), ("d", _), ("H", _), ("h", _), ("m", _), ("s", _), ("a", _), ("X", _), ("Z", _), ("x", _):
                throw fail("'\(String(repeating: c, count: run))' is not a field: use yyyy or yy, MM or M, dd or d, HH or H, hh or h with a, mm, ss, S…, X…")
            default:
                throw fail("unknown field '\(c)' (fields: yyyy yy MM dd HH hh a mm ss SSS XXX; or strptime %Y %m %d %H %I %p %M %S %f %z)")
            }
            chars = chars.dropFirst(run)
        }
        let fields = parts.compactMap { if case .field(let c, _, _) = $0 { return c } else { return nil } }
        guard fields.contains(where: { $0 == "y" || $0 == "Y" }), fields.contains("M"), fields.contains("d") else {
            throw fail("needs at least a year (yyyy), a month (MM) and a day (dd)")
        }
        if fields.contains("h") != parts.contains(.ampm) {
            throw fail(fields.contains("h") ? "a 12-hour hour (hh) needs its AM/PM marker (a)" : "an AM/PM marker (a) needs a 12-hour hour (hh)")
        }
        if fields.contains("h") && fields.contains("H") { throw fail("use either HH (24-hour) or hh with a (12-hour), not both") }
        self.parts = parts
    }

    /// strptime's directives as the letters above.
    static func fromStrptime(_ pattern: String) throws -> String {
        let map: [Character: String] = [
            "Y": "yyyy", "y": "yy", "m": "MM", "d": "dd", "H": "HH", "I": "hh", "M": "mm", "S": "ss", "p": "a", "f": "S", "z": "XX",
        ]
        var out = "", chars = Array(pattern)[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            if c == "%" {
                guard let d = chars.first else { throw Failure(description: "time format '\(pattern)': a lone % at the end") }
                chars = chars.dropFirst()
                if d == "%" { out += "%"; continue }
                guard let letters = map[d] else {
                    throw Failure(description: "time format '\(pattern)': unknown strptime field '%\(d)' (use %Y %y %m %d %H %I %p %M %S %f %z)")
                }
                out += letters
            } else if c.isLetter || c == "'" {
                out += "'\(c == "'" ? "''" : String(c))'"
            } else {
                out.append(c)
            }
        }
        return out
    }

    static let markers: [(text: String, pm: Bool)] = [
        ("A.M.", false), ("P.M.", true), ("a.m.", false), ("p.m.", true), ("AM", false), ("PM", true), ("am", false), ("pm", true),
        ("上午", false), ("下午", true),
    ]

    public func parse(_ text: String, zone: TimeZone) -> Date? {
        var values: [Character: Int] = ["H": 0, "m": 0, "s": 0]
        var pm: Bool? = nil
        var fraction = 0.0
        var offset: Int? = nil
        var rest = Array(text.trimmingCharacters(in: .whitespaces))[...]
        func digits(_ min: Int, _ max: Int) -> Int? {
            let run = rest.prefix(max).prefix { $0.isASCII && $0.isNumber }
            guard run.count >= min, let n = Int(String(run)) else { return nil }
            rest = rest.dropFirst(run.count)
            return n
        }
        for part in parts {
            switch part {
            case .literal(let c):
                guard rest.first == c else { return nil }
                rest = rest.dropFirst()
            case .field(let c, let min, let max):
                guard let n = digits(min, max) else { return nil }
                values[c] = n
            case .ampm:
                guard let marker = Self.markers.first(where: { rest.starts(with: Array($0.text)) }) else { return nil }
                pm = marker.pm
                rest = rest.dropFirst(marker.text.count)
            case .fraction:
                let run = rest.prefix(9).prefix { $0.isASCII && $0.isNumber }
                guard !run.isEmpty, let v = Double("0." + String(run)) else { return nil }
                fraction = v
                rest = rest.dropFirst(run.count)
            case .offset:
                if rest.first == "Z" { offset = 0; rest = rest.dropFirst(); continue }
                guard let sign = rest.first, sign == "+" || sign == "-" else { return nil }
                rest = rest.dropFirst()
                guard let hours = digits(2, 2), hours <= 14 else { return nil }
                if rest.first == ":" { rest = rest.dropFirst() }
                let minutes = digits(2, 2) ?? 0
                guard minutes < 60 else { return nil }
                offset = (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
            }
        }
        guard rest.isEmpty, let mo = values["M"], let d = values["d"], var h = values["H"], let mi = values["m"], let s = values["s"] else { return nil }
        guard let y = values["y"] ?? values["Y"].map({ 2000 + $0 }) else { return nil }
        if let twelve = values["h"] {
            guard (1...12).contains(twelve), let pm else { return nil }
            h = twelve % 12 + (pm ? 12 : 0)
        }
        let text = String(format: "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s)
        let inZone = offset.flatMap { TimeZone(secondsFromGMT: $0) } ?? zone
        return Timestamp.parse(text, zone: inZone).map { $0.addingTimeInterval(fraction) }
    }
}
