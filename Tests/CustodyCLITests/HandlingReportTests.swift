import CustodyCore
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Issue 15, build 4: the handling section of the daily report of the samples' day, in every
/// output, judged as of the day's end; the same day audited twice; and again after a late
/// import closes a call.
@Suite struct HandlingReportTests {
    static let custody = TestEnvironment.custodyBinary

    @Test func theSamplesDayReportsItsHandlingInEveryFormatAndALateClearanceTakesACallOff() async throws {
        let fx = try AuditFixture("handling-report")
        defer { fx.cleanUp() }
        let dispatch = TestEnvironment.samples.appendingPathComponent("dispatch.csv").path
        #expect(try Run.program(Self.custody, ["dispatch", "import", "--data", fx.data, dispatch]).status == 0)
        let first = try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2024-02-14"])
        #expect(first.status == 0, "\(first.stderr)")
        let files = try fx.reportFiles()

        // JSON: calls received on the 14th (Beijing), the kinds, the open list as of its end.
        let jsonData = try #require(files["daily-2024-02-14.json"])
        let json = try #require(try JSONSerialization.jsonObject(with: jsonData) as? [String: Any])
        let handling = try #require(json["handling"] as? [String: Any])
        #expect(handling["as_of"] as? String == "2024-02-14T16:00:00Z")
        let total = try #require(handling["total"] as? [String: Any])
        #expect(total["calls"] as? Int == 18)
        #expect(total["findings"] as? [String: Int] == ["slow_dispatch": 2, "slow_arrival": 1, "no_arrival": 1, "not_closed": 1])
        // Nearest rank over the day's 18 dispatch and 15 arrival delays (worked out from dispatch.csv by hand).
        #expect(total["dispatch_median_seconds"] as? Int == 120 && total["dispatch_p90_seconds"] as? Int == 181)
        #expect(total["arrival_median_seconds"] as? Int == 480 && total["arrival_p90_seconds"] as? Int == 900)
        let previous = try #require(total["previous"] as? [String: Any])
        #expect(previous["calls"] as? Int == 3)  // 0042, 0050, 0051 came in on the 13th
        let stations = try #require(handling["stations"] as? [[String: Any]])
        #expect(stations.map { $0["station"] as? String } == ["城关派出所", "城西派出所"])
        #expect(stations.map { ($0["findings"] as? [String: Int])?["slow_dispatch"] } == [0, 2])
        let open = try #require(handling["open"] as? [[String: Any]])
        #expect(open.map { "\($0["incident_id"]!) \($0["kind"]!) \($0["seconds"]!)" } == ["110-20240213-0051 not_closed 86401", "110-20240214-0044 no_arrival 7201"])

        // CSV: the handling columns on the total line.
        let csv = String(decoding: try #require(files["daily-2024-02-14.csv"]), as: UTF8.self)
        let rows = csv.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = rows[0], totalRow = rows[1]
        func cell(_ name: String) -> String? { header.firstIndex(of: name).map { totalRow[$0] } }
        #expect(cell("handling_calls") == "18" && cell("dispatch_p90_s") == "181" && cell("not_closed") == "1" && cell("handling_findings_total") == "5")

        // HTML in both languages: the section, and the bulletin's sentences.
        let zh = String(decoding: try #require(files["daily-2024-02-14.zh.html"]), as: UTF8.self)
        #expect(zh.contains("接处警环节（接警、派警、出警、处警）"))
        #expect(zh.contains("接、调、出、处环节不规范4起：派警超时2起，到场超时1起，派警后未到场1起。"))
        #expect(zh.contains("截至2024-02-15 00:00，不闭环警情1起（110-20240213-0051）"))
        let en = String(decoding: try #require(files["daily-2024-02-14.en.html"]), as: UTF8.self)
        #expect(en.contains("110 handling (received, dispatched, arrived, handled)"))
        #expect(en.contains("Steps that fell short: 2 slow dispatch, 1 slow arrival, 1 never reached."))
        #expect(en.contains("As of 2024-02-15 00:00, 1 call was never closed (110-20240213-0051)"))

        // The same day again: the same bytes.
        #expect(try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2024-02-14"]).status == 0)
        #expect(try fx.reportFiles() == files)

        // 0051's clearance arrives late (it was cleared at 09:00 on the 14th): off the list.
        let text = try String(contentsOfFile: dispatch, encoding: .utf8)
        let lines = text.split(separator: "\n")
        let row = try #require(lines.first { $0.hasPrefix("110-20240213-0051,") })
        let late = fx.root.appendingPathComponent("late.csv")
        try "\(lines[0])\n\(row.replacingOccurrences(of: "2024-02-13T15:59:59Z,,", with: "2024-02-13T15:59:59Z,2024-02-14T01:00:00Z,"))\n"
            .write(to: late, atomically: true, encoding: .utf8)
        #expect(try Run.program(Self.custody, ["dispatch", "import", "--data", fx.data, late.path]).status == 0)
        #expect(try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2024-02-14"]).status == 0)
        let afterData = try #require(try fx.reportFiles()["daily-2024-02-14.json"])
        let after = try #require(try JSONSerialization.jsonObject(with: afterData) as? [String: Any])
        let afterHandling = try #require(after["handling"] as? [String: Any])
        #expect((afterHandling["open"] as? [[String: Any]])?.map { $0["incident_id"] as? String } == ["110-20240214-0044"])
        #expect(((afterHandling["total"] as? [String: Any])?["findings"] as? [String: Int])?["not_closed"] == 0)
    }
}

/// The nearest-rank percentile the handling figures use.
@Suite struct HandlingFiguresTests {
    @Test func percentilesAreDelaysSomeCallHad() {
        #expect(HandlingFigures.percentile([], 0.5) == nil)
        #expect(HandlingFigures.percentile([300], 0.9) == 300)
        #expect(HandlingFigures.percentile([10, 20, 30, 40], 0.5) == 20)
        #expect(HandlingFigures.percentile([40, 10, 30, 20], 0.9) == 40)
        #expect(HandlingFigures.percentile(Array(stride(from: 1.0, through: 10, by: 1)), 0.9) == 9)
    }
}
