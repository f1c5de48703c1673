import Foundation

/// The two languages a bulletin is written in.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case zh, en

    public var htmlTag: String { self == .zh ? "zh-CN" : "en" }
}

/// The report as HTML: a printable bulletin (通报) with its figures, two SVG charts and the
/// tables by station and by officer. `htmlDocument` is the stand-alone file the audit writes;
/// `htmlFragment` is the same content for the web UI's report page.
extension PeriodReport {
    public func htmlDocument(_ language: ReportLanguage) -> String {
        let t = ReportStrings(language)
        return """
            <!DOCTYPE html>
            <html lang="\(language.htmlTag)"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLText.escape(title(t)))</title>
            <style>
            @page { size: A4; margin: 14mm; }
            body { margin: 0; background: #fff; font: 14px/1.5 "Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif; color: #1d2733; }
            .report { max-width: 1100px; margin: 0 auto; padding: 24px; }
            @media print { .report { padding: 0; } }
            </style></head>
            <body>
            \(htmlFragment(language))
            </body></html>

            """
    }

    /// The report's content, with its own (scoped) style.
    public func htmlFragment(_ language: ReportLanguage) -> String {
        let t = ReportStrings(language)
        var html = [Self.style, "<div class=\"report\">"]
        html.append("<h1>\(HTMLText.escape(title(t)))</h1>")
        // Periods run from local midnight to local midnight.
        html.append("<p class=\"span\">\(t["span"]) \(period.first) 00:00 – \(period.last.adding(days: 1)) 00:00 (\(HTMLText.escape(zone.configName)))</p>")
        html.append("<section class=\"bulletin\"><h2>\(t["bulletin"])</h2><p>\(HTMLText.escape(bulletin(language)))</p>"
            + (handling.map { "<p>\(HTMLText.escape(handlingBulletin($0, language)))</p>" } ?? "") + "</section>")
        html.append(summary(t))
        html.append("<section class=\"charts\"><figure><figcaption>\(t["chart_findings"])</figcaption>\(findingsChart(t))</figure>")
        html.append("<figure><figcaption>\(t["chart_stations"])</figcaption>\(stationChart(t))</figure></section>")
        html.append("<h2>\(t["by_station"])</h2>")
        html.append(table(stations, t, officerColumn: false))
        html.append("<h2>\(t["by_officer"])</h2>")
        html.append(table(officers, t, officerColumn: true))
        if let handling { html.append(handlingSection(handling, t)) }
        html.append("<p class=\"notes\">\(t["notes"])</p>")
        html.append("</div>")
        return html.joined(separator: "\n")
    }

    func title(_ t: ReportStrings) -> String {
        "\(t[period.kind == .daily ? "daily_title" : "weekly_title"]) \(periodName(t.language))"
    }

    /// `2024年2月18日（星期日）` / `Sunday 18 February 2024`; `2024年第7周（2月12日—2月18日）` / `Week 7 of 2024 (12–18 February)`.
    func periodName(_ language: ReportLanguage) -> String {
        let (y, m, d) = period.first.components
        let (_, lm, ld) = period.last.components
        switch (period.kind, language) {
        case (.daily, .zh): return "\(y)年\(m)月\(d)日（\(ReportStrings.weekdaysZh[period.first.isoWeekday - 1])）"
        case (.daily, .en): return "\(ReportStrings.weekdaysEn[period.first.isoWeekday - 1]) \(d) \(ReportStrings.monthsEn[m - 1]) \(y)"
        case (.weekly, .zh):
            let (wy, w) = period.first.isoWeek
            return "\(wy)年第\(w)周（\(m)月\(d)日—\(lm)月\(ld)日）"
        case (.weekly, .en):
            let (wy, w) = period.first.isoWeek
            return "Week \(w) of \(wy) (\(d) \(ReportStrings.monthsEn[m - 1]) – \(ld) \(ReportStrings.monthsEn[lm - 1]))"
        }
    }

    /// The bulletin's paragraph: the period's figures and the change from the one before.
    public func bulletin(_ language: ReportLanguage) -> String {
        let f = total.current
        let c = Self.change(total)
        let t = ReportStrings(language)
        let kinds = FindingKind.reportOrder.filter { (f.findings[$0] ?? 0) > 0 }
        let previousName = period.kind == .daily ? t["previous_day"] : t["previous_week"]
        func percent(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
        /// `up`/`down` name the change in points; `same` when there is none; nil when not comparable.
        func points(_ v: Double?, _ up: (String) -> String, _ down: (String) -> String, _ same: String) -> String? {
            guard let v else { return nil }
            let p = String(format: "%.1f", abs(v) * 100)
            return v > 0 ? up(p) : v < 0 ? down(p) : same
        }
        switch language {
        case .zh:
            var s = "\(periodName(.zh))，"
            if f.callsJudged == 0 {
                s += "无研判警情。"
            } else {
                s += "共研判警情\(f.callsJudged)起，其中有录像\(f.withFootage)起，占\(percent(f.withFootageShare))；全程录像\(f.fullyCovered)起，占\(percent(f.fullyCoveredShare))。"
            }
            s += kinds.isEmpty ? "未发现问题。" : "发现问题\(f.findingsTotal)个：" + kinds.map { "\(t["kind_" + $0.rawValue])\(f.findings[$0]!)个" }.joined(separator: "，") + "。"
            s += "完成审查\(f.reviews)件"
            s += f.reviews == 0 ? "。" : "，其中" + ["violation", "justified", "compliant"].map { "\(t["verdict_" + $0])\(f.verdicts[$0] ?? 0)件" }.joined(separator: "、") + "。"
            var changes: [String] = []
            if let v = points(c.withFootageShare, { "有录像占比上升\($0)个百分点" }, { "有录像占比下降\($0)个百分点" }, "有录像占比持平") { changes.append(v) }
            if let v = points(c.fullyCoveredShare, { "全程录像占比上升\($0)个百分点" }, { "全程录像占比下降\($0)个百分点" }, "全程录像占比持平") { changes.append(v) }
            changes.append(c.findingsTotal > 0 ? "问题增加\(c.findingsTotal)个" : c.findingsTotal < 0 ? "问题减少\(-c.findingsTotal)个" : "问题数持平")
            s += "与\(previousName)相比，" + changes.joined(separator: "，") + "。"
            return s
        case .en:
            var s = "\(periodName(.en)): "
            if f.callsJudged == 0 {
                s += "no calls were judged. "
            } else {
                s += "\(f.callsJudged) call\(f.callsJudged == 1 ? " was" : "s were") judged; \(f.withFootage) had footage (\(percent(f.withFootageShare))) and \(f.fullyCovered) \(f.fullyCovered == 1 ? "was" : "were") fully covered (\(percent(f.fullyCoveredShare))). "
            }
            s += kinds.isEmpty ? "No findings. " : "\(f.findingsTotal) finding\(f.findingsTotal == 1 ? "" : "s"): " + kinds.map { "\(f.findings[$0]!) \(t["kind_" + $0.rawValue].lowercased())" }.joined(separator: ", ") + ". "
            s += "\(f.reviews) review\(f.reviews == 1 ? "" : "s") done"
            s += f.reviews == 0 ? ". " : " (" + ["violation", "justified", "compliant"].map { "\(f.verdicts[$0] ?? 0) \(t["verdict_" + $0].lowercased())" }.joined(separator: ", ") + "). "
            var changes: [String] = []
            if let v = points(c.withFootageShare, { "share with footage up \($0) points" }, { "share with footage down \($0) points" }, "share with footage unchanged") { changes.append(v) }
            if let v = points(c.fullyCoveredShare, { "share fully covered up \($0) points" }, { "share fully covered down \($0) points" }, "share fully covered unchanged") { changes.append(v) }
            changes.append(c.findingsTotal > 0 ? "\(c.findingsTotal) more finding\(c.findingsTotal == 1 ? "" : "s")" : c.findingsTotal < 0 ? "\(-c.findingsTotal) fewer finding\(c.findingsTotal == -1 ? "" : "s")" : "as many findings")
            s += "Compared with the \(previousName): " + changes.joined(separator: ", ") + "."
            return s
        }
    }

    /// The bulletin's handling sentence (issue 15), named as legal-affairs offices write them:
    /// 接、调、出、处环节不规范 for the slow steps, 不闭环 for calls never closed.
    public func handlingBulletin(_ h: HandlingSection, _ language: ReportLanguage) -> String {
        let f = h.current.total, p = h.previous.total
        let n = { (k: HandlingKind) in f.findings[k] ?? 0 }
        let previousName = period.kind == .daily ? ReportStrings(language)["previous_day"] : ReportStrings(language)["previous_week"]
        let delta = f.findingsTotal - p.findingsTotal
        func minutes(_ v: Double?) -> String { v.map { String(format: "%.1f", $0 / 60) } ?? "—" }
        let notClosed = h.current.open.filter { $0.kind == .notClosed }
        switch language {
        case .zh:
            var s = "接处警：本期接警\(f.calls)起，接警至派警用时中位数\(minutes(f.dispatchMedian))分钟（90%分位\(minutes(f.dispatchP90))分钟），派警至到场用时中位数\(minutes(f.arrivalMedian))分钟（90%分位\(minutes(f.arrivalP90))分钟）。"
            let steps = n(.slowDispatch) + n(.slowArrival) + n(.noArrival)
            if steps == 0 && n(.notClosed) == 0 {
                s += "接、调、出、处各环节未发现不规范问题。"
            } else {
                if steps > 0 {
                    s += "接、调、出、处环节不规范\(steps)起：派警超时\(n(.slowDispatch))起，到场超时\(n(.slowArrival))起，派警后未到场\(n(.noArrival))起。"
                }
                if n(.notClosed) > 0 {
                    let names: String = notClosed.prefix(10).map(\.incidentID).joined(separator: "、") + (notClosed.count > 10 ? "等" : "")
                    let asOf: String = Self.localTime(h.current.asOf, zone)
                    s += "截至\(asOf)，不闭环警情\(n(.notClosed))起（\(names)），请相关单位及时处置并录入处警结果。"
                }
            }
            s += "与\(previousName)相比，接处警问题" + (delta > 0 ? "增加\(delta)起。" : delta < 0 ? "减少\(-delta)起。" : "持平。")
            return s
        case .en:
            var s = "110 handling: \(f.calls) call\(f.calls == 1 ? "" : "s") received; received → dispatched median \(minutes(f.dispatchMedian)) min (90th percentile \(minutes(f.dispatchP90)) min), dispatched → arrived median \(minutes(f.arrivalMedian)) min (90th percentile \(minutes(f.arrivalP90)) min). "
            if f.findingsTotal == 0 {
                s += "No step of receiving, dispatching, arriving or handling fell short. "
            } else {
                s += "Steps that fell short: \(n(.slowDispatch)) slow dispatch, \(n(.slowArrival)) slow arrival, \(n(.noArrival)) never reached. "
                if n(.notClosed) > 0 {
                    let names: String = notClosed.prefix(10).map(\.incidentID).joined(separator: ", ") + (notClosed.count > 10 ? ", …" : "")
                    let asOf: String = Self.localTime(h.current.asOf, zone)
                    let count = n(.notClosed)
                    let were = count == 1 ? " was" : "s were"
                    s += "As of \(asOf), \(count) call\(were) never closed (\(names)): the stations concerned must handle them and enter the result. "
                }
            }
            s += "Compared with the \(previousName): " + (delta > 0 ? "\(delta) more handling finding\(delta == 1 ? "" : "s")." : delta < 0 ? "\(-delta) fewer handling finding\(delta == -1 ? "" : "s")." : "as many handling findings.")
            return s
        }
    }

    /// `2024-02-15 00:00` in the report's zone.
    static func localTime(_ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// The handling table by station and the list of calls open past their limits.
    func handlingSection(_ h: HandlingSection, _ t: ReportStrings) -> String {
        func minutes(_ v: Double?) -> String { v.map { String(format: "%.1f", $0 / 60) } ?? "—" }
        func signed(_ v: Int) -> String { v > 0 ? "▲\(v)" : v < 0 ? "▼\(-v)" : "0" }
        var html = ["<section class=\"handling\"><h2>\(t["handling"])</h2>"]
        var head = "<th>\(t["station"])</th><th class=\"n\">\(t["handling_calls"])</th>"
        head += "<th class=\"n\">\(t["dispatch_median"])</th><th class=\"n\">\(t["dispatch_p90"])</th>"
        head += "<th class=\"n\">\(t["arrival_median"])</th><th class=\"n\">\(t["arrival_p90"])</th>"
        head += HandlingKind.allCases.map { "<th class=\"n\">\(t["kind_" + $0.rawValue])</th>" }.joined()
        head += "<th class=\"n\">\(t["change_findings"])</th>"
        func row(_ name: String, _ f: HandlingFigures, _ p: HandlingFigures) -> String {
            var r = "<td class=\"name\">\(name)</td><td class=\"n\">\(f.calls)</td>"
            r += "<td class=\"n\">\(minutes(f.dispatchMedian))</td><td class=\"n\">\(minutes(f.dispatchP90))</td>"
            r += "<td class=\"n\">\(minutes(f.arrivalMedian))</td><td class=\"n\">\(minutes(f.arrivalP90))</td>"
            r += HandlingKind.allCases.map { "<td class=\"n\">\(f.findings[$0] ?? 0)</td>" }.joined()
            r += "<td class=\"n\">\(signed(f.findingsTotal - p.findingsTotal))</td>"
            return "<tr>\(r)</tr>"
        }
        var rows = h.stationNames.map { name in
            row(name.isEmpty ? t["no_station"] : HTMLText.escape(name), h.current.stations[name] ?? HandlingFigures(), h.previous.stations[name] ?? HandlingFigures())
        }
        rows.append(row("<strong>\(t["total"])</strong>", h.current.total, h.previous.total))
        html.append("<table><thead><tr>\(head)</tr></thead><tbody>\n" + rows.joined(separator: "\n") + "\n</tbody></table>")
        html.append("<h2>\(t["open_calls"]) <span class=\"muted\">\(t["as_of"]) \(HTMLText.escape(Self.localTime(h.current.asOf, zone)))</span></h2>")
        if h.current.open.isEmpty {
            html.append("<p class=\"empty\">\(t["none"])</p>")
        } else {
            var list = "<table><thead><tr><th>\(t["incident"])</th><th>\(t["officer"])</th><th>\(t["station"])</th><th>\(t["kind"])</th><th>\(t["since"])</th><th class=\"n\">\(t["open_hours"])</th></tr></thead><tbody>"
            for f in h.current.open {
                list += "<tr><td class=\"name\">\(HTMLText.escape(f.incidentID))</td><td class=\"name\">\(HTMLText.escape(f.officerID))</td>"
                list += "<td class=\"name\">\(f.station.map(HTMLText.escape) ?? t["no_station"])</td><td>\(t["kind_" + f.kind.rawValue])</td>"
                list += "<td class=\"name\">\(HTMLText.escape(Self.localTime(Date(timeIntervalSince1970: f.start), zone)))</td>"
                list += "<td class=\"n\">\(String(format: "%.1f", Double(f.seconds) / 3600))</td></tr>"
            }
            html.append(list + "</tbody></table>")
        }
        html.append("<p class=\"notes\">\(t["handling_notes"])</p></section>")
        return html.joined(separator: "\n")
    }

    func summary(_ t: ReportStrings) -> String {
        let f = total.current, p = total.previous
        func percent(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
        func cell(_ label: String, _ value: String, _ before: String) -> String {
            "<div class=\"figure\"><div class=\"label\">\(label)</div><div class=\"value\">\(HTMLText.escape(value))</div><div class=\"before\">\(t["previous"]) \(HTMLText.escape(before))</div></div>"
        }
        let violations = f.verdicts["violation"] ?? 0
        return "<section class=\"figures\">" + [
            cell(t["calls_judged"], String(f.callsJudged), String(p.callsJudged)),
            cell(t["with_footage"], "\(f.withFootage) · \(percent(f.withFootageShare))", "\(p.withFootage) · \(percent(p.withFootageShare))"),
            cell(t["fully_covered"], "\(f.fullyCovered) · \(percent(f.fullyCoveredShare))", "\(p.fullyCovered) · \(percent(p.fullyCoveredShare))"),
            cell(t["findings"], String(f.findingsTotal), String(p.findingsTotal)),
            cell(t["reviews"], "\(f.reviews) · \(t["verdict_violation"]) \(violations)", "\(p.reviews) · \(t["verdict_violation"]) \(p.verdicts["violation"] ?? 0)"),
        ].joined() + "</section>"
    }

    func table(_ lines: [Line], _ t: ReportStrings, officerColumn: Bool) -> String {
        guard !lines.isEmpty else { return "<p class=\"empty\">\(t["none"])</p>" }
        func percent(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
        func signed(_ v: Int) -> String { v > 0 ? "▲\(v)" : v < 0 ? "▼\(-v)" : "0" }
        func points(_ v: Double?) -> String {
            guard let v else { return "—" }
            let p = String(format: "%.1f", abs(v) * 100)
            return v > 0 ? "▲\(p)" : v < 0 ? "▼\(p)" : "0.0"
        }
        var head = officerColumn ? "<th>\(t["officer"])</th><th>\(t["station"])</th>" : "<th>\(t["station"])</th>"
        head += "<th class=\"n\">\(t["calls_judged"])</th><th class=\"n\">\(t["with_footage"])</th><th class=\"n\">\(t["fully_covered"])</th>"
        head += FindingKind.reportOrder.map { "<th class=\"n\">\(t["kind_" + $0.rawValue])</th>" }.joined()
        head += "<th class=\"n\">\(t["reviews"])</th><th class=\"n\">\(t["verdict_violation"])</th>"
        head += "<th class=\"n\">\(t["change_footage"])</th><th class=\"n\">\(t["change_findings"])</th>"
        var rows: [String] = []
        for line in lines {
            let f = line.current, c = Self.change(line)
            let station = line.station.isEmpty ? t["no_station"] : HTMLText.escape(line.station)
            var row = officerColumn ? "<td class=\"name\">\(HTMLText.escape(line.officer ?? ""))</td><td class=\"name\">\(station)</td>" : "<td class=\"name\">\(station)</td>"
            row += "<td class=\"n\">\(f.callsJudged)</td><td class=\"n\">\(f.withFootage) <span class=\"muted\">\(percent(f.withFootageShare))</span></td>"
            row += "<td class=\"n\">\(f.fullyCovered) <span class=\"muted\">\(percent(f.fullyCoveredShare))</span></td>"
            row += FindingKind.reportOrder.map { "<td class=\"n\">\(f.findings[$0] ?? 0)</td>" }.joined()
            row += "<td class=\"n\">\(f.reviews)</td><td class=\"n\">\(f.verdicts["violation"] ?? 0)</td>"
            row += "<td class=\"n\">\(points(c.withFootageShare))</td><td class=\"n\">\(signed(c.findingsTotal))</td>"
            rows.append("<tr>\(row)</tr>")
        }
        return "<table><thead><tr>\(head)</tr></thead><tbody>\n" + rows.joined(separator: "\n") + "\n</tbody></table>"
    }

    // MARK: Charts

    /// Findings by kind: this period's bar above the previous period's.
    func findingsChart(_ t: ReportStrings) -> String {
        let kinds = FindingKind.reportOrder
        let maxCount = max(1, kinds.map { max(total.current.findings[$0] ?? 0, total.previous.findings[$0] ?? 0) }.max() ?? 1)
        let rowHeight = 34, top = 22
        var svg = "<svg viewBox=\"0 0 520 \(top + kinds.count * rowHeight + 4)\" width=\"100%\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\">"
        svg += "<rect x=\"130\" y=\"4\" width=\"12\" height=\"10\" fill=\"#1f5fae\"/><text x=\"146\" y=\"13\">\(t["this_period"])</text>"
        svg += "<rect x=\"260\" y=\"4\" width=\"12\" height=\"10\" fill=\"#b4bfcc\"/><text x=\"276\" y=\"13\">\(t["previous_period"])</text>"
        for (i, kind) in kinds.enumerated() {
            let y = top + i * rowHeight
            let now = total.current.findings[kind] ?? 0, before = total.previous.findings[kind] ?? 0
            let wNow = 330.0 * Double(now) / Double(maxCount), wBefore = 330.0 * Double(before) / Double(maxCount)
            svg += "<text x=\"0\" y=\"\(y + 17)\">\(t["kind_" + kind.rawValue])</text>"
            svg += "<rect x=\"130\" y=\"\(y + 2)\" width=\"\(Self.f(max(1, wNow)))\" height=\"14\" fill=\"#1f5fae\"/>"
            svg += "<text x=\"\(Self.f(136 + wNow))\" y=\"\(y + 14)\">\(now)</text>"
            svg += "<rect x=\"130\" y=\"\(y + 18)\" width=\"\(Self.f(max(1, wBefore)))\" height=\"10\" fill=\"#b4bfcc\"/>"
            svg += "<text x=\"\(Self.f(136 + wBefore))\" y=\"\(y + 27)\" class=\"small\">\(before)</text>"
        }
        return svg + "</svg>"
    }

    /// Per station: share of judged calls with footage, and fully covered, on a 0–100 % scale.
    func stationChart(_ t: ReportStrings) -> String {
        let lines = stations.filter { $0.current.callsJudged > 0 }
        guard !lines.isEmpty else { return "<p class=\"empty\">\(t["none"])</p>" }
        let rowHeight = 36, top = 22, left = 150.0, width = 300.0
        var svg = "<svg viewBox=\"0 0 520 \(top + lines.count * rowHeight + 4)\" width=\"100%\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\">"
        svg += "<rect x=\"150\" y=\"4\" width=\"12\" height=\"10\" fill=\"#7fb3d5\"/><text x=\"166\" y=\"13\">\(t["with_footage"])</text>"
        svg += "<rect x=\"290\" y=\"4\" width=\"12\" height=\"10\" fill=\"#1e8449\"/><text x=\"306\" y=\"13\">\(t["fully_covered"])</text>"
        for (i, line) in lines.enumerated() {
            let y = top + i * rowHeight
            let a = line.current.withFootageShare ?? 0, b = line.current.fullyCoveredShare ?? 0
            let name = line.station.isEmpty ? t["no_station"] : HTMLText.escape(line.station)
            svg += "<text x=\"0\" y=\"\(y + 19)\">\(name)</text>"
            svg += "<rect x=\"\(Self.f(left))\" y=\"\(y + 2)\" width=\"\(Self.f(width))\" height=\"28\" fill=\"#eef2f6\"/>"
            svg += "<rect x=\"\(Self.f(left))\" y=\"\(y + 2)\" width=\"\(Self.f(width * a))\" height=\"14\" fill=\"#7fb3d5\"/>"
            svg += "<rect x=\"\(Self.f(left))\" y=\"\(y + 16)\" width=\"\(Self.f(width * b))\" height=\"14\" fill=\"#1e8449\"/>"
            svg += "<text x=\"\(Self.f(left + width + 6))\" y=\"\(y + 13)\" class=\"small\">\(String(format: "%.1f%%", a * 100))</text>"
            svg += "<text x=\"\(Self.f(left + width + 6))\" y=\"\(y + 28)\" class=\"small\">\(String(format: "%.1f%%", b * 100))</text>"
        }
        return svg + "</svg>"
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static let style = """
        <style>
        .report h1 { font-size: 22px; margin: 0 0 4px; } .report h2 { font-size: 16px; margin: 20px 0 8px; }
        .report .span, .report .muted, .report .notes, .report .before { color: #5b6776; }
        .report .span { margin: 0 0 12px; font-size: 13px; } .report .notes { font-size: 12px; margin-top: 18px; }
        .report .bulletin { border-left: 4px solid #1f5fae; background: #f3f7fc; padding: 4px 14px; }
        .report .bulletin h2 { margin-top: 8px; }
        .report .figures { display: grid; grid-template-columns: repeat(5, 1fr); gap: 10px; margin: 14px 0; }
        .report .figure { border: 1px solid #d8dee6; border-radius: 6px; padding: 8px 10px; }
        .report .figure .label { font-size: 12px; color: #5b6776; } .report .figure .value { font-size: 20px; font-weight: 700; }
        .report .figure .before { font-size: 12px; }
        .report .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
        .report figure { margin: 0; border: 1px solid #d8dee6; border-radius: 6px; padding: 8px 10px; break-inside: avoid; }
        .report figcaption { font-weight: 600; margin-bottom: 4px; }
        .report .chart { font: 12px "Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif; fill: #1d2733; }
        .report .chart .small { font-size: 11px; fill: #5b6776; }
        .report table { width: 100%; border-collapse: collapse; font-size: 12px; background: #fff; }
        .report th, .report td { border: 1px solid #d8dee6; padding: 4px 6px; text-align: left; }
        .report th { background: #f5f7fa; font-weight: 600; vertical-align: bottom; } .report .n { text-align: right; }
        .report td.n, .report td.name { white-space: nowrap; }
        .report thead { display: table-header-group; } .report tr { break-inside: avoid; }
        @media print { .report .figures { grid-template-columns: repeat(5, 1fr); } .report .bulletin { background: none; } }
        @media (max-width: 800px) { .report .charts, .report .figures { grid-template-columns: 1fr; } }
        </style>
        """
}

/// HTML escaping for markup built by hand (the reports here, the server's SVG).
public enum HTMLText {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}

/// The report's words in Chinese and English (already HTML-safe).
struct ReportStrings {
    let language: ReportLanguage

    init(_ language: ReportLanguage) { self.language = language }

    subscript(key: String) -> String { Self.table[key]?[language == .zh ? 0 : 1] ?? key }

    static let weekdaysZh = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
    static let weekdaysEn = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let monthsEn = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    static let table: [String: [String]] = [
        "daily_title": ["执法记录仪使用情况日报", "Body-camera daily report"],
        "weekly_title": ["执法记录仪使用情况周报", "Body-camera weekly report"],
        "span": ["统计时段", "Period"],
        "bulletin": ["通报", "Bulletin"],
        "previous_day": ["前一日", "previous day"],
        "previous_week": ["上周", "previous week"],
        "previous": ["上期", "Before:"],
        "this_period": ["本期", "This period"],
        "previous_period": ["上期", "Previous period"],
        "calls_judged": ["研判警情", "Calls judged"],
        "with_footage": ["有录像", "With footage"],
        "fully_covered": ["全程录像", "Fully covered"],
        "findings": ["问题", "Findings"],
        "reviews": ["已审查", "Reviews done"],
        "kind_no_recording": ["无录像", "No recording"],
        "kind_early_stop": ["提前关闭", "Early stop"],
        "kind_late_start": ["延迟开启", "Late start"],
        "kind_interruption": ["中途中断", "Interruption"],
        "kind_late_upload": ["逾期上传", "Late upload"],
        "kind_obscured_video": ["镜头遮挡", "Lens obscured"],
        "kind_frozen_video": ["画面冻结", "Frozen picture"],
        "kind_muted_audio": ["无声音", "Sound muted"],
        "kind_no_prebuffer": ["预录不足", "Pre-event buffer short"],
        "verdict_compliant": ["合规", "Compliant"],
        "verdict_violation": ["违规", "Violation"],
        "verdict_justified": ["情有可原", "Justified"],
        "chart_findings": ["问题类型（本期与上期）", "Findings by kind (this and the previous period)"],
        "chart_stations": ["各单位录像覆盖率", "Coverage by station"],
        "by_station": ["按单位", "By station"],
        "by_officer": ["按民警", "By officer"],
        "officer": ["警号", "Officer"],
        "station": ["单位", "Station"],
        "no_station": ["（未填单位）", "(no station given)"],
        "change_footage": ["有录像占比变化（百分点）", "Δ with footage (points)"],
        "change_findings": ["问题数变化", "Δ findings"],
        "none": ["无。", "None."],
        "handling": ["接处警环节（接警、派警、出警、处警）", "110 handling (received, dispatched, arrived, handled)"],
        "handling_calls": ["接警数", "Calls received"],
        "dispatch_median": ["接警→派警 中位数（分钟）", "Received → dispatched, median (min)"],
        "dispatch_p90": ["接警→派警 90%分位（分钟）", "Received → dispatched, 90th pct (min)"],
        "arrival_median": ["派警→到场 中位数（分钟）", "Dispatched → arrived, median (min)"],
        "arrival_p90": ["派警→到场 90%分位（分钟）", "Dispatched → arrived, 90th pct (min)"],
        "kind_slow_dispatch": ["派警超时", "Slow dispatch"],
        "kind_slow_arrival": ["到场超时", "Slow arrival"],
        "kind_no_arrival": ["派警后未到场", "Never reached"],
        "kind_not_closed": ["不闭环", "Not closed"],
        "total": ["合计", "Total"],
        "open_calls": ["未到场、不闭环警情", "Calls never reached or never closed"],
        "as_of": ["截至", "as of"],
        "incident": ["警情编号", "Incident"],
        "kind": ["问题", "Finding"],
        "since": ["自", "Open since"],
        "open_hours": ["已持续（小时）", "Open (hours)"],
        "handling_notes": [
            "说明：接处警各环节按接警时间（无接警时间的按派警时间）归入统计时段，按统计时段结束时刻研判，之后录入的时间视为尚未发生。派警超时、到场超时按本期接警的警情计；派警后未到场、不闭环按截至统计时段结束仍未到场或未结束的全部警情计。用时的中位数与90%分位取实际出现的用时（最近秩法）。限值见 config.toml 的 [handling]。",
            "Notes: each call counts in the period of its receipt (else its dispatch) and is judged as of the period's end; a time entered for a later moment has not happened yet. Slow dispatch and slow arrival count this period's calls; never reached and not closed count every call still open at the period's end. Medians and 90th percentiles are delays some call really had (nearest rank). The limits are config.toml's [handling].",
        ],
        "notes": [
            "说明：一名民警处置一起警情计为一次警情，按到场时间归入统计时段；有到场和处警结束时间的警情参与研判。“有录像”指应录时段内有任何录像，“全程录像”指有录像且无延迟开启、提前关闭、中途中断、无录像问题。逾期上传按录像结束时间计入。审查按结论提交时间计入。变化与上一统计时段比较。按民警统计中的单位为该民警最近一次处警的单位，按单位统计则按每起警情的处警单位计入。",
            "Notes: a call is one officer's attendance at one incident, counted in the period of its arrival; calls with both arrival and clearance times are judged. \"With footage\": any recording in the required window; \"fully covered\": footage and no late start, early stop, interruption or no-recording finding. Late uploads count by when the clip ended; reviews by when the verdict was recorded. Changes compare with the previous period of the same length. In the officer table an officer's station is that of their latest call; the station table counts each call under its own station.",
        ],
    ]
}
