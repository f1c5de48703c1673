import CustodyCore
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Issue 7, acceptance 1 and 4: a fixture week whose report figures are worked out by hand
/// below, asserted cell by cell in the CSV and JSON `custody audit` writes; and a second run
/// for the same day that changes nothing.
@Suite struct AuditReportTests {
    static let custody = TestEnvironment.custodyBinary
    static let a = "城关派出所", b = "城西派出所"

    /// ISO week 2024-W07 (Mon 12 – Sun 18 February, Beijing time) and a little of W06.
    ///
    /// | call | officer | station | local arrival – clearance | clips                         | finding        |
    /// |------|---------|---------|---------------------------|-------------------------------|----------------|
    /// | I-01 | 001     | A       | Mon 12 09:00 – 09:20      | 09:00–09:20, handed in Wed    | late_upload    |
    /// | I-02 | 001     | A       | Wed 14 10:00 – 10:10      | 10:01–10:10                   | late_start 60 s|
    /// | I-03 | 002     | A       | Thu 15 14:00 – 14:30      | none                          | no_recording   |
    /// | I-09 | 004     | (none)  | Wed 14 15:00 – 15:10      | 15:00–15:10                   | —              |
    /// | I-07 | 001     | A       | Sat 17 16:00 – 16:05      | 16:00–16:05                   | —              |
    /// | I-04 | 003     | B       | Sun 18 08:00 – 08:20      | 08:00–08:05, 08:06–08:20      | interruption   |
    /// | I-06 | 002     | A       | Sun 18 11:00 – 11:10      | 11:00–11:10                   | —              |
    /// | I-08 | 001     | A       | Sun 18 12:00 – (open)     | none                          | not judged     |
    /// | I-05 | 003     | B       | Sun 18 20:00 – 20:10      | 20:00–20:09                   | early_stop     |
    /// | I-P1 | 001     | A       | Tue  6 09:00 – 09:10 (W06)| none                          | no_recording   |
    /// | I-P2 | 003     | B       | Fri  9 09:00 – 09:10 (W06)| 09:00–09:10, handed in Mon 12 | late_upload    |
    ///
    /// Late uploads count in the period the clip ended in (kP2's in W06, though handed in during W07).
    /// Verdicts: I-03 violation Sun 10:00; I-02 justified Fri 09:00; I-04 compliant Sun 21:00;
    /// I-01 (its late upload) compliant Sat 15:00; I-P1 violation Wed 7 10:00 (W06).
    static func fixtureWeek(_ label: String) async throws -> AuditFixture {
        let fx = try AuditFixture(label)
        try await fx.clip("k01", officer: "001", start: "2024-02-12 09:00:00", seconds: 1200, received: "2024-02-14 09:30:00")
        try await fx.clip("k02", officer: "001", start: "2024-02-14 10:01:00", seconds: 540)
        try await fx.clip("k09", officer: "004", start: "2024-02-14 15:00:00", seconds: 600)
        try await fx.clip("k07", officer: "001", start: "2024-02-17 16:00:00", seconds: 300)
        try await fx.clip("k04a", officer: "003", start: "2024-02-18 08:00:00", seconds: 300)
        try await fx.clip("k04b", officer: "003", start: "2024-02-18 08:06:00", seconds: 840)
        try await fx.clip("k06", officer: "002", start: "2024-02-18 11:00:00", seconds: 600)
        try await fx.clip("k05", officer: "003", start: "2024-02-18 20:00:00", seconds: 540)
        try await fx.clip("kP2", officer: "003", start: "2024-02-09 09:00:00", seconds: 600, received: "2024-02-12 10:00:00")
        try await fx.importCalls([
            fx.call("I-01", "001", station: a, arrived: "2024-02-12 09:00:00", cleared: "2024-02-12 09:20:00"),
            fx.call("I-02", "001", station: a, arrived: "2024-02-14 10:00:00", cleared: "2024-02-14 10:10:00"),
            fx.call("I-03", "002", station: a, arrived: "2024-02-15 14:00:00", cleared: "2024-02-15 14:30:00"),
            fx.call("I-09", "004", station: nil, arrived: "2024-02-14 15:00:00", cleared: "2024-02-14 15:10:00"),
            fx.call("I-07", "001", station: a, arrived: "2024-02-17 16:00:00", cleared: "2024-02-17 16:05:00"),
            fx.call("I-04", "003", station: b, arrived: "2024-02-18 08:00:00", cleared: "2024-02-18 08:20:00"),
            fx.call("I-06", "002", station: a, arrived: "2024-02-18 11:00:00", cleared: "2024-02-18 11:10:00"),
            fx.call("I-08", "001", station: a, arrived: "2024-02-18 12:00:00", cleared: nil),
            fx.call("I-05", "003", station: b, arrived: "2024-02-18 20:00:00", cleared: "2024-02-18 20:10:00"),
            fx.call("I-P1", "001", station: a, arrived: "2024-02-06 09:00:00", cleared: "2024-02-06 09:10:00"),
            fx.call("I-P2", "003", station: b, arrived: "2024-02-09 09:00:00", cleared: "2024-02-09 09:10:00"),
        ])
        try await fx.review("I-03", "002", "violation", at: "2024-02-18 10:00:00")
        try await fx.review("I-02", "001", "justified", at: "2024-02-16 09:00:00")
        try await fx.review("I-04", "003", "compliant", at: "2024-02-18 21:00:00")
        try await fx.review("I-01", "001", "compliant", at: "2024-02-17 15:00:00")
        try await fx.review("I-P1", "001", "violation", at: "2024-02-07 10:00:00")
        return fx
    }

    /// One report line as counted by hand: calls judged, with footage, fully covered; findings
    /// no_recording, early_stop, late_start, interruption, late_upload; reviews; verdicts
    /// compliant, violation, justified. `prev` is the same for the previous period.
    struct Expected {
        var scope: String
        var station: String
        var officer: String
        var now: [Int]
        var prev: [Int]

        static func share(_ part: Int, _ whole: Int) -> Double? {
            whole == 0 ? nil : (Double(part) / Double(whole) * 10_000).rounded() / 10_000
        }

        static func text(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "" }

        var csv: [String] {
            let n = now, p = prev
            var cells: [String] = [scope, station, officer, String(n[0]), String(n[1]), Self.text(Self.share(n[1], n[0]))]
            cells += [String(n[2]), Self.text(Self.share(n[2], n[0]))]
            cells += n[3...7].map { String($0) }
            cells += ["0", "0", "0", "0"]  // obscured_video, frozen_video, muted_audio, no_prebuffer: none in this week's fixture
            cells.append(String(n[3...7].reduce(0, +)))
            cells += n[8...11].map { String($0) }
            cells += [String(p[0]), Self.text(Self.share(p[1], p[0])), Self.text(Self.share(p[2], p[0]))]
            cells += [String(p[3...7].reduce(0, +)), String(p[8])]
            return cells
        }
    }

    //                                       judged with fully | norec early late intr upl | rev | comp viol just
    static let weekly: [Expected] = [
        Expected(scope: "total", station: "", officer: "", now: [8, 7, 4, 1, 1, 1, 1, 1, 4, 2, 1, 1], prev: [2, 1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0]),
        Expected(scope: "station", station: a, officer: "", now: [5, 4, 3, 1, 0, 1, 0, 1, 3, 1, 1, 1], prev: [1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0]),
        Expected(scope: "station", station: b, officer: "", now: [2, 2, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0], prev: [1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
        Expected(scope: "station", station: "", officer: "", now: [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], prev: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        Expected(scope: "officer", station: a, officer: "001", now: [3, 3, 2, 0, 0, 1, 0, 1, 2, 1, 0, 1], prev: [1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0]),
        Expected(scope: "officer", station: a, officer: "002", now: [2, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0], prev: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        Expected(scope: "officer", station: b, officer: "003", now: [2, 2, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0], prev: [1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
        Expected(scope: "officer", station: "", officer: "004", now: [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], prev: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    ]

    /// Sunday 18 February against Saturday 17 (only I-07, and the verdict on I-01).
    static let daily: [Expected] = [
        Expected(scope: "total", station: "", officer: "", now: [3, 3, 1, 0, 1, 0, 1, 0, 2, 1, 1, 0], prev: [1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0]),
        Expected(scope: "station", station: a, officer: "", now: [1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0], prev: [1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0]),
        Expected(scope: "station", station: b, officer: "", now: [2, 2, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0], prev: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        Expected(scope: "officer", station: a, officer: "001", now: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], prev: [1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0]),
        Expected(scope: "officer", station: a, officer: "002", now: [1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0], prev: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        Expected(scope: "officer", station: b, officer: "003", now: [2, 2, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0], prev: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    ]

    /// RFC 4180 rows (CRLF, quotes doubled), the byte-order mark dropped.
    static func csvRows(_ data: Data) -> [[String]] {
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" { if chars.first == "\"" { field.unicodeScalars.append(chars.removeFirst()) } else { quoted = false } } else { field.unicodeScalars.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\r" {
                continue
            } else if c == "\n" {
                row.append(field); rows.append(row); row = []; field = ""
            } else {
                field.unicodeScalars.append(c)
            }
        }
        return rows
    }

    func checkCSV(_ data: Data?, _ expected: [Expected], _ name: String) throws {
        let rows = Self.csvRows(try #require(data, "\(name) missing"))
        #expect(rows.first == ["scope", "station", "officer_id", "calls_judged", "with_footage", "with_footage_share", "fully_covered",
                               "fully_covered_share", "no_recording", "early_stop", "late_start", "interruption", "late_upload",
                               // What the cameras saw (issue 14), after the columns that were there before.
                               "obscured_video", "frozen_video", "muted_audio",
                               // The pre-event buffer (issue 16).
                               "no_prebuffer", "findings_total", "reviews", "compliant", "violation", "justified", "prev_calls_judged",
                               "prev_with_footage_share", "prev_fully_covered_share", "prev_findings_total", "prev_reviews",
                               // The handling chain's columns (issue 15): see HandlingReportTests.
                               "handling_calls", "dispatch_median_s", "dispatch_p90_s", "arrival_median_s", "arrival_p90_s",
                               "slow_dispatch", "slow_arrival", "no_arrival", "not_closed", "handling_findings_total",
                               "prev_handling_findings_total"])
        #expect(rows.count == expected.count + 1, "\(name): \(rows.count - 1) lines")
        for (row, want) in zip(rows.dropFirst(), expected) {
            let header = rows[0]
            #expect(row.count == header.count, "\(name) \(want.scope) \(want.station)\(want.officer)")
            for (i, (got, cell)) in zip(row, want.csv).enumerated() {
                #expect(got == cell, "\(name) \(want.scope) \(want.station)\(want.officer) \(header[i]): \(got) ≠ \(cell)")
            }
        }
    }

    func checkJSON(_ data: Data?, _ expected: [Expected], _ name: String, period: String, previous: String) throws {
        let bytes = try #require(data, "\(name) missing")
        let json = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        #expect(json["period"] as? String == period)
        #expect(json["previous_period"] as? String == previous)
        #expect(json["time_zone"] as? String == "Asia/Shanghai")
        let lines = [try #require(json["total"] as? [String: Any])]
            + (json["stations"] as? [[String: Any]] ?? []) + (json["officers"] as? [[String: Any]] ?? [])
        #expect(lines.count == expected.count, "\(name): \(lines.count) lines")
        let kinds = ["no_recording", "early_stop", "late_start", "interruption", "late_upload"]
        let verdicts = ["compliant", "violation", "justified"]
        func figures(_ object: [String: Any]?, _ n: [Int], _ what: String) {
            let o = object ?? [:]
            #expect(o["calls_judged"] as? Int == n[0], "\(what) calls_judged")
            #expect(o["with_footage"] as? Int == n[1], "\(what) with_footage")
            #expect(o["fully_covered"] as? Int == n[2], "\(what) fully_covered")
            #expect(o["with_footage_share"] as? Double == Expected.share(n[1], n[0]), "\(what) with_footage_share")
            #expect(o["fully_covered_share"] as? Double == Expected.share(n[2], n[0]), "\(what) fully_covered_share")
            if Expected.share(n[1], n[0]) == nil { #expect(o["with_footage_share"] is NSNull, "\(what) null share") }
            let f = o["findings"] as? [String: Int] ?? [:]
            #expect(kinds.map { f[$0] } == n[3...7].map { $0 }, "\(what) findings")
            #expect(o["findings_total"] as? Int == n[3...7].reduce(0, +), "\(what) findings_total")
            #expect(o["reviews"] as? Int == n[8], "\(what) reviews")
            let v = o["verdicts"] as? [String: Int] ?? [:]
            #expect(verdicts.map { v[$0] } == n[9...11].map { $0 }, "\(what) verdicts")
        }
        for (line, want) in zip(lines, expected) {
            let what = "\(name) \(want.scope) \(want.station)\(want.officer)"
            if want.scope != "total" {
                #expect((line["station"] as? String ?? "") == want.station, "\(what) station")
                #expect(line["station"] is NSNull == want.station.isEmpty, "\(what) station null")
            }
            if want.scope == "officer" { #expect(line["officer_id"] as? String == want.officer, "\(what) officer") }
            figures(line, want.now, what)
            figures(line["previous"] as? [String: Any], want.prev, what + " previous")
            let change = line["change"] as? [String: Any] ?? [:]
            #expect(change["calls_judged"] as? Int == want.now[0] - want.prev[0], "\(what) change calls")
            #expect(change["findings_total"] as? Int == want.now[3...7].reduce(0, +) - want.prev[3...7].reduce(0, +), "\(what) change findings")
            #expect(change["reviews"] as? Int == want.now[8] - want.prev[8], "\(what) change reviews")
            let now = Expected.share(want.now[1], want.now[0]), before = Expected.share(want.prev[1], want.prev[0])
            let delta = (now != nil && before != nil) ? ((now! - before!) * 10_000).rounded() / 10_000 : nil
            #expect(change["with_footage_share"] as? Double == delta, "\(what) change share")
        }
    }

    @Test func aFixtureWeekGivesTheHandCountedFiguresInEveryCSVAndJSONCell() async throws {
        let fx = try await Self.fixtureWeek("audit-week")
        defer { fx.cleanUp() }
        let out = fx.root.appendingPathComponent("out")
        let run = try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2024-02-18", "--out", out.path])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        // One summary line on stdout; progress on stderr.
        #expect(run.stdoutLines.count == 1)
        #expect(run.stdout.hasPrefix("audit 2024-02-18 (Asia/Shanghai): 3 call(s) judged, 3 with footage (100.0%), 1 fully covered (33.3%), 2 finding(s)"))
        #expect(run.stdout.contains("reports daily-2024-02-18 weekly-2024-W07"))
        #expect(run.stdout.contains("integrity ok"))
        #expect(run.stderr.contains("custody audit: fixity:"))

        for folder in [fx.folder.reports, out] {
            let files = try fx.reportFiles(in: folder)
            #expect(Set(files.keys) == Set(["daily-2024-02-18", "weekly-2024-W07"].flatMap { s in ["json", "csv", "zh.html", "en.html"].map { "\(s).\($0)" } }))
            try checkCSV(files["weekly-2024-W07.csv"], Self.weekly, "weekly CSV")
            try checkJSON(files["weekly-2024-W07.json"], Self.weekly, "weekly JSON", period: "2024-W07", previous: "2024-W06")
            try checkCSV(files["daily-2024-02-18.csv"], Self.daily, "daily CSV")
            try checkJSON(files["daily-2024-02-18.json"], Self.daily, "daily JSON", period: "2024-02-18", previous: "2024-02-17")
            // The bulletin in both languages, with the week's figures.
            let zh = String(decoding: try #require(files["weekly-2024-W07.zh.html"]), as: UTF8.self)
            #expect(zh.contains("2024年第7周（2月12日—2月18日），共研判警情8起，其中有录像7起，占87.5%；全程录像4起，占50.0%。"))
            #expect(zh.contains("<svg") && zh.contains("城关派出所"))
            let en = String(decoding: try #require(files["weekly-2024-W07.en.html"]), as: UTF8.self)
            #expect(en.contains("Week 7 of 2024 (12 February – 18 February): 8 calls were judged; 7 had footage (87.5%) and 4 were fully covered (50.0%)."))
            #expect(en.contains("Compared with the previous week: share with footage up 37.5 points, share fully covered unchanged, 3 more findings."))
        }
    }

    @Test func auditingTheSameDayTwiceChangesNoReportAndAddsNoQueueItem() async throws {
        let fx = try await Self.fixtureWeek("audit-twice")
        defer { fx.cleanUp() }
        let out = fx.root.appendingPathComponent("out")
        func queue() async throws -> [String] {
            try await fx.catalog.queue(state: nil, limit: 500, offset: 0).items.map { "\($0.reason) \($0.incidentID ?? $0.clipSHA256 ?? "") \($0.officerID ?? "") \($0.state)" }
        }
        let first = try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2024-02-18", "--out", out.path])
        #expect(first.status == 0, "\(first.stderr)")
        let reports = try fx.reportFiles(), copies = try fx.reportFiles(in: out)
        let items = try await queue()
        let modified = try reports.keys.map { try FileManager.default.attributesOfItem(atPath: fx.folder.reports.appendingPathComponent($0).path)[.modificationDate] as? Date }

        let second = try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2024-02-18", "--out", out.path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(reports.count == 8)
        #expect(try fx.reportFiles() == reports)
        #expect(try fx.reportFiles(in: out) == copies)
        #expect(copies == reports)
        // Identical bytes are not rewritten at all.
        #expect(try reports.keys.map { try FileManager.default.attributesOfItem(atPath: fx.folder.reports.appendingPathComponent($0).path)[.modificationDate] as? Date } == modified)
        let again = try await queue()
        #expect(again == items)
        #expect(Set(again).count == again.count)
        #expect(first.stdout.components(separatedBy: "; fixity").first == second.stdout.components(separatedBy: "; fixity").first)
        // Each run is on the record, and the chain is whole with both anchors.
        #expect(try await fx.catalog.auditEntries().filter { $0.action == "audited" }.map(\.subject) == ["day:2024-02-18", "day:2024-02-18"])
        #expect(try await fx.catalog.verifyAuditChain().isEmpty)
        let (anchors, unreadable) = ChainAnchor.load(fx.folder.reports.appendingPathComponent(ChainAnchor.fileName))
        #expect(anchors.count == 2 && unreadable.isEmpty)
        #expect(try await fx.catalog.checkAnchors(anchors).isEmpty)
    }
}
