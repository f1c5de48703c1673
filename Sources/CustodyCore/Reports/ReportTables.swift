import Foundation

/// A report as JSON and as CSV. Nothing in them depends on when they were written, so the
/// same catalog gives byte-identical files.
extension PeriodReport {
    // MARK: JSON

    public var jsonValue: JSONValue {
        let (start, end) = period.interval(in: zone)
        var o = JSONObjectBuilder()
        o.add("report", period.kind.rawValue)
        o.add("period", period.description)
        o.add("first_day", period.first.description)
        o.add("last_day", period.last.description)
        o.add("time_zone", zone.configName)
        o.add("start", Timestamp.format(start))
        o.add("end", Timestamp.format(end))
        o.add("previous_period", period.previous.description)
        o.add("total", Self.json(total, keys: false))
        o.add("stations", .array(stations.map { Self.json($0, keys: true) }))
        o.add("officers", .array(officers.map { Self.json($0, keys: true) }))
        if let handling { o.add("handling", handling.jsonValue) }
        return o.value
    }

    static func json(_ line: Line, keys: Bool) -> JSONValue {
        var pairs: [(String, JSONValue)] = []
        if keys {
            if let officer = line.officer { pairs.append(("officer_id", .string(officer))) }
            pairs.append(("station", line.station.isEmpty ? .null : .string(line.station)))
        }
        guard case .object(let figures) = json(line.current) else { return .object(pairs) }
        pairs += figures
        pairs.append(("previous", json(line.previous)))
        let c = change(line)
        var change = JSONObjectBuilder()
        change.add("calls_judged", c.callsJudged)
        change.add("with_footage_share", c.withFootageShare, null: true)
        change.add("fully_covered_share", c.fullyCoveredShare, null: true)
        change.add("findings_total", c.findingsTotal)
        change.add("reviews", c.reviews)
        pairs.append(("change", change.value))
        return .object(pairs)
    }

    static func json(_ f: ReportFigures) -> JSONValue {
        var o = JSONObjectBuilder()
        o.add("calls_judged", f.callsJudged)
        o.add("with_footage", f.withFootage)
        o.add("with_footage_share", f.withFootageShare, null: true)
        o.add("fully_covered", f.fullyCovered)
        o.add("fully_covered_share", f.fullyCoveredShare, null: true)
        o.add("findings", .object(FindingKind.reportOrder.map { ($0.rawValue, .int(Int64(f.findings[$0] ?? 0))) }))
        o.add("findings_total", f.findingsTotal)
        o.add("reviews", f.reviews)
        o.add("verdicts", .object(ReportFigures.verdictOrder.map { ($0, .int(Int64(f.verdicts[$0] ?? 0))) }))
        return o.value
    }

    /// Pretty enough to read, stable enough to diff: one line per station and officer.
    public var jsonText: String {
        guard case .object(let pairs) = jsonValue else { return "" }
        var lines: [String] = []
        for (i, (key, value)) in pairs.enumerated() {
            let comma = i + 1 < pairs.count ? "," : ""
            var keyText: [UInt8] = []
            JSONValue.escape(key, into: &keyText)
            let name = String(decoding: keyText, as: UTF8.self)
            if case .array(let items) = value, !items.isEmpty {
                lines.append(" \(name):[")
                lines += items.enumerated().map { "  \($0.element.rendered)\($0.offset + 1 < items.count ? "," : "")" }
                lines.append(" ]\(comma)")
            } else {
                lines.append(" \(name):\(value.rendered)\(comma)")
            }
        }
        return "{\n" + lines.joined(separator: "\n") + "\n}\n"
    }

    // MARK: CSV

    public static let csvHeader = [
        "scope", "station", "officer_id", "calls_judged", "with_footage", "with_footage_share", "fully_covered",
        "fully_covered_share",
    ] + FindingKind.reportOrder.map(\.rawValue) + ["findings_total", "reviews"] + ReportFigures.verdictOrder + [
        "prev_calls_judged", "prev_with_footage_share", "prev_fully_covered_share", "prev_findings_total", "prev_reviews",
    ]

    /// The handling chain's columns (issue 15), after the others when the report has its
    /// handling section: on the total and station lines (empty on officer lines): calls received, the delays' median and 90th percentile in seconds, the
    /// four kinds, and the previous period's total.
    public static let handlingCSVHeader = [
        "handling_calls", "dispatch_median_s", "dispatch_p90_s", "arrival_median_s", "arrival_p90_s",
    ] + HandlingKind.allCases.map(\.rawValue) + ["handling_findings_total", "prev_handling_findings_total"]

    /// RFC 4180 with CRLF, UTF-8 with a byte-order mark (so spreadsheet programs read the
    /// Chinese station names right). Shares have four decimals and are empty when nothing was judged.
    public var csvText: String {
        var rows = [Self.csvHeader + (handling == nil ? [] : Self.handlingCSVHeader)]
        let blank = handling == nil ? [] : Array(repeating: "", count: Self.handlingCSVHeader.count)
        rows.append(Self.csvRow("total", total) + (handling.map { Self.csvHandling($0.current.total, $0.previous.total) } ?? blank))
        // Stations of either table, in the same order (a station may have calls of one kind only).
        var stationLines = stations
        for name in handling?.stationNames ?? [] where !stationLines.contains(where: { $0.station == name }) {
            stationLines.append(Line(station: name, officer: nil, current: ReportFigures(), previous: ReportFigures()))
        }
        stationLines.sort { Self.stationOrder($0.station, $1.station) }
        if handling == nil { stationLines = stations }
        rows += stationLines.map { line in
            Self.csvRow("station", line) + (handling.map {
                Self.csvHandling($0.current.stations[line.station] ?? HandlingFigures(), $0.previous.stations[line.station] ?? HandlingFigures())
            } ?? blank)
        }
        rows += officers.map { Self.csvRow("officer", $0) + blank }
        return "\u{FEFF}" + rows.map { $0.map(Self.csvField).joined(separator: ",") + "\r\n" }.joined()
    }

    static func csvRow(_ scope: String, _ line: Line) -> [String] {
        let f = line.current, p = line.previous
        func share(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "" }
        return [scope, neutralised(line.station), neutralised(line.officer ?? ""), String(f.callsJudged), String(f.withFootage), share(f.withFootageShare),
                String(f.fullyCovered), share(f.fullyCoveredShare)]
            + FindingKind.reportOrder.map { String(f.findings[$0] ?? 0) }
            + [String(f.findingsTotal), String(f.reviews)]
            + ReportFigures.verdictOrder.map { String(f.verdicts[$0] ?? 0) }
            + [String(p.callsJudged), share(p.withFootageShare), share(p.fullyCoveredShare), String(p.findingsTotal), String(p.reviews)]
    }

    static func csvHandling(_ f: HandlingFigures, _ p: HandlingFigures) -> [String] {
        func seconds(_ v: Double?) -> String { v.map { String(Int($0.rounded())) } ?? "" }
        return [String(f.calls), seconds(f.dispatchMedian), seconds(f.dispatchP90), seconds(f.arrivalMedian), seconds(f.arrivalP90)]
            + HandlingKind.allCases.map { String(f.findings[$0] ?? 0) } + [String(f.findingsTotal), String(p.findingsTotal)]
    }

    /// A text cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab or carriage
    /// return first: CSV injection, OWASP) gets a leading apostrophe, so it shows as the text it
    /// is. Only names from imported data go through here; numbers are written as they are.
    public static func neutralised(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
