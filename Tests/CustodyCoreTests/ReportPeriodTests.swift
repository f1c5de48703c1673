import CustodyCore
import Foundation
import Testing

@Suite struct ReportPeriodTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    @Test(arguments: [
        // date, ISO weekday, ISO year, ISO week
        ("2024-02-14", 3, 2024, 7), ("2024-02-18", 7, 2024, 7), ("2024-02-12", 1, 2024, 7),
        ("2021-01-03", 7, 2020, 53), ("2024-12-30", 1, 2025, 1), ("1970-01-01", 4, 1970, 1), ("1969-12-31", 3, 1970, 1),
    ])
    func weekdaysAndISOWeeks(date: String, weekday: Int, year: Int, week: Int) throws {
        let day = try #require(CalendarDay(date))
        #expect(day.description == date)
        #expect(day.isoWeekday == weekday)
        #expect(day.isoWeek == (year, week))
    }

    @Test(arguments: ["2024-02-30", "2023-02-29", "2024-13-01", "24-02-14", "2024-2-14", "2024-02-14T00:00:00Z", ""])
    func impossibleOrMalformedDatesAreRefused(text: String) {
        #expect(CalendarDay(text) == nil)
    }

    @Test func aDayRunsFromLocalMidnightToLocalMidnight() throws {
        let day = try #require(CalendarDay("2024-02-14"))
        let (start, end) = ReportPeriod.day(day).interval(in: shanghai)
        #expect(Timestamp.format(start) == "2024-02-13T16:00:00Z")
        #expect(Timestamp.format(end) == "2024-02-14T16:00:00Z")
        #expect(CalendarDay(containing: start, zone: shanghai) == day)
        #expect(CalendarDay(containing: end.addingTimeInterval(-1), zone: shanghai) == day)
        // A day with a daylight-saving change is 23 hours long.
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let spring = ReportPeriod.day(try #require(CalendarDay("2024-03-31"))).interval(in: berlin)
        #expect(spring.end.timeIntervalSince(spring.start) == 23 * 3600)
    }

    @Test func weeksAreNamedAndSteppedTheISOWay() throws {
        let week = try #require(ReportPeriod("2024-W07"))
        #expect(week.kind == .weekly)
        #expect(week.first.description == "2024-02-12")
        #expect(week.last.description == "2024-02-18")
        #expect(week.description == "2024-W07")
        #expect(week.fileStem == "weekly-2024-W07")
        #expect(week.previous.description == "2024-W06")
        #expect(ReportPeriod("2021-W01")?.previous.description == "2020-W53")
        #expect(ReportPeriod("2021-W53") == nil)  // 2021 has 52 weeks
        #expect(ReportPeriod("2024-W00") == nil)
        #expect(ReportPeriod.week(containing: try #require(CalendarDay("2024-02-14"))) == week)
        #expect(ReportPeriod("2024-02-14")?.previous.description == "2024-02-13")
        #expect(ReportPeriod("2024-02-14")?.fileStem == "daily-2024-02-14")
    }

    @Test func theWeeklyReportCoversTheLastCompleteWeekOnTheConfiguredDay() throws {
        var settings = AuditSettings()
        #expect(settings.weeklyReportWeekday == 7)
        #expect(settings.weeklyPeriod(for: try #require(CalendarDay("2024-02-18")))?.description == "2024-W07")
        #expect(settings.weeklyPeriod(for: try #require(CalendarDay("2024-02-17"))) == nil)
        settings.weeklyReportWeekday = 1
        // A Monday's audit writes the week that ended the day before.
        #expect(settings.weeklyPeriod(for: try #require(CalendarDay("2024-02-19")))?.description == "2024-W07")
    }
}

@Suite struct RetentionPolicyTests {
    let recorded = Date(timeIntervalSince1970: 1_704_848_400)  // 2024-01-10T01:00:00Z

    func days(_ expires: Date?) -> Double? { expires.map { $0.timeIntervalSince(recorded) / 86_400 } }

    @Test func theDefaultIsSixMonthsFromRecording() {
        let (kind, expires) = RetentionPolicy().decide(.init(recordedAt: recorded))
        #expect(kind == .standard(days: 180))
        #expect(days(expires) == 180)
        #expect(Timestamp.format(expires!) == "2024-07-08T01:00:00Z")
    }

    @Test func theLongestApplicableClassWins() {
        var policy = RetentionPolicy()
        policy.categoryDays = ["交通事故": 365, "纠纷": 90, "盗窃": 730]
        policy.permanentCategories = ["刑事案件"]
        // A shorter category period never shortens the default.
        #expect(policy.decide(.init(recordedAt: recorded, categories: ["纠纷"])).class == .standard(days: 180))
        let both = policy.decide(.init(recordedAt: recorded, categories: ["交通事故", "盗窃", "纠纷"]))
        #expect(both.class == .category("盗窃", days: 730))
        #expect(days(both.expires) == 730)
        let permanent = policy.decide(.init(recordedAt: recorded, categories: ["交通事故", "刑事案件"]))
        #expect(permanent.class == .permanentCategory("刑事案件") && permanent.expires == nil)
        #expect(policy.decide(.init(recordedAt: recorded, legalHold: true)) == (.legalHold, nil))
        #expect(policy.decide(.init(recordedAt: recorded, categories: ["刑事案件"], legalHold: true, caseEvidence: true)) == (.caseEvidence, nil))
        #expect(RetentionPolicy.Class.legalHold.isPermanent && !RetentionPolicy.Class.standard(days: 1).isPermanent)
    }
}

@Suite struct ReportRenderingTests {
    /// A station whose name needs quoting in CSV and escaping in HTML.
    func report() throws -> PeriodReport {
        var now = PeriodFigures(), before = PeriodFigures()
        let odd = "城东<派出所>, \"一所\""
        now.add(station: odd, officer: "7") { $0.addCall(coverage: 1, findings: 0) }
        now.add(station: odd, officer: "7") { $0.addCall(coverage: 0, findings: 1) }
        now.add(station: odd, officer: "7") { $0.addFinding(.noRecording) }
        now.add(station: nil, officer: nil) { $0.addReview(verdict: "violation") }
        now.officerStations["7"] = odd
        before.add(station: odd, officer: "7") { $0.addCall(coverage: 0.5, findings: 1) }
        before.add(station: odd, officer: "7") { $0.addFinding(.lateStart) }
        return PeriodReport(period: try #require(ReportPeriod("2024-02-14")), zone: TimeZone(identifier: "Asia/Shanghai")!, current: now, previous: before)
    }

    @Test func csvQuotesAndHasOneRowPerLine() throws {
        let csv = try report().csvText
        #expect(csv.hasPrefix("\u{FEFF}scope,station,officer_id,"))
        let lines = csv.dropFirst().components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 4)  // header, total, station, officer
        #expect(lines[1] == "total,,,2,1,0.5000,1,0.5000,1,0,0,0,0,0,0,0,0,1,1,0,1,0,1,1.0000,0.0000,1,0")
        #expect(lines[2] == "station,\"城东<派出所>, \"\"一所\"\"\",,2,1,0.5000,1,0.5000,1,0,0,0,0,0,0,0,0,1,0,0,0,0,1,1.0000,0.0000,1,0")
        #expect(lines[3].hasPrefix("officer,\"城东<派出所>, \"\"一所\"\"\",7,2,"))
    }

    /// Issue 13, item 10: a station or officer name that a spreadsheet would run as a formula
    /// goes into the CSV as text.
    @Test func csvCellsThatWouldBeFormulasAreNeutralised() throws {
        var now = PeriodFigures()
        for (station, officer) in [("=HYPERLINK(\"http://x\",\"点我\")", "+1"), ("@SUM(A1)", "-2"), ("\tTab", "\rCR"), ("城西派出所", "012345")] {
            now.add(station: station, officer: officer) { $0.addCall(coverage: 1, findings: 0) }
            now.officerStations[officer] = station
        }
        let csv = PeriodReport(period: try #require(ReportPeriod("2024-02-14")), zone: TimeZone(identifier: "UTC")!, current: now, previous: PeriodFigures()).csvText
        #expect(csv.contains("station,\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\","))
        #expect(csv.contains("station,'@SUM(A1),,"))
        #expect(csv.contains("officer,'@SUM(A1),'-2,"))
        #expect(csv.contains("officer,\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\",'+1,"))
        #expect(csv.contains("station,'\tTab,,") && csv.contains("\"'\rCR\""))
        #expect(csv.contains("station,城西派出所,,") && csv.contains("officer,城西派出所,012345,"))
        for line in csv.dropFirst().components(separatedBy: "\r\n").dropFirst() where !line.isEmpty {
            for cell in line.split(separator: ",") where cell.first.map({ "=+@".contains($0) }) == true {
                Issue.record("a cell starts a formula: \(cell)")
            }
        }
    }

    @Test func htmlEscapesNamesAndSaysTheChangeInBothLanguages() throws {
        let r = try report()
        let zh = r.htmlDocument(.zh), en = r.htmlDocument(.en)
        #expect(!zh.contains("城东<派出所>") && zh.contains("城东&lt;派出所&gt;, &quot;一所&quot;"))
        #expect(zh.contains("<html lang=\"zh-CN\">") && en.contains("<html lang=\"en\">"))
        #expect(r.bulletin(.zh) == "2024年2月14日（星期三），共研判警情2起，其中有录像1起，占50.0%；全程录像1起，占50.0%。发现问题1个：无录像1个。完成审查1件，其中违规1件、情有可原0件、合规0件。与前一日相比，有录像占比下降50.0个百分点，全程录像占比上升50.0个百分点，问题数持平。")
        #expect(r.bulletin(.en) == "Wednesday 14 February 2024: 2 calls were judged; 1 had footage (50.0%) and 1 was fully covered (50.0%). 1 finding: 1 no recording. 1 review done (1 violation, 0 justified, 0 compliant). Compared with the previous day: share with footage down 50.0 points, share fully covered up 50.0 points, as many findings.")
        // Nothing in a report depends on when it was rendered.
        #expect(r.htmlDocument(.zh) == zh && r.jsonText == r.jsonText && r.csvText == r.csvText)
        #expect(!zh.contains(Timestamp.format(Date()).prefix(10)))
    }
}
