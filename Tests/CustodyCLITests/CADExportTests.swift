import CustodyCore
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Issue 16, item 6: a US per-unit CAD export as a new user meets it — 12-hour times across noon
/// and midnight, a unit dispatched twice to one call, and `--tz` against the data folder's zone.
@Suite struct CADExportTests {
    static let custody = TestEnvironment.custodyBinary

    /// The export's own column names and 12-hour times, mapped (SPEC §3 mapping file).
    static let mapping = """
        {"columns": {"incident_id": "Incident Number", "officer_id": "Unit", "dispatched_at": "Dispatched",
                     "arrived_at": "On Scene", "cleared_at": "Cleared", "category": "Call Type"},
         "time_formats": ["MM/dd/yyyy hh:mm:ss a"]}
        """

    /// A call across noon (4A), one across midnight (4B), and 4A sent back to I-102 at 3 PM.
    static let export = """
        Incident Number,Unit,Call Type,Dispatched,On Scene,Cleared
        I-100,4A,ALARM,01/10/2009 11:50:00 AM,01/10/2009 11:58:00 AM,01/10/2009 12:20:00 PM
        I-101,4B,DISTURBANCE,01/10/2009 11:40:00 PM,01/10/2009 11:52:00 PM,01/11/2009 12:30:00 AM
        I-102,4A,THEFT,01/10/2009 02:00:00 PM,01/10/2009 02:10:00 PM,01/10/2009 02:40:00 PM
        I-102,4A,THEFT,01/10/2009 03:00:00 PM,01/10/2009 03:05:00 PM,01/10/2009 03:30:00 PM

        """

    struct Folder {
        let root: URL
        var data: String { root.appendingPathComponent("data").path }
        var csv: String { root.appendingPathComponent("units.csv").path }
        var map: String { root.appendingPathComponent("mapping.json").path }
        func cleanUp() { try? FileManager.default.removeItem(at: root) }
        func catalog() async throws -> Catalog { try await Catalog(path: data + "/custody.sqlite") }
    }

    static func folder(_ name: String) throws -> Folder {
        let f = Folder(root: try TestEnvironment.temporaryFolder(name))
        try Data(export.utf8).write(to: URL(fileURLWithPath: f.csv))
        try Data(mapping.utf8).write(to: URL(fileURLWithPath: f.map))
        return f
    }

    func iso(_ date: Date?) -> String { date.map { Timestamp.format($0) } ?? "-" }

    @Test func twelveHourTimesAcrossNoonAndMidnightAreReadInTheNamedZone() async throws {
        let f = try Self.folder("cad-12h")
        defer { f.cleanUp() }
        try Data("time_zone = \"America/Los_Angeles\"\n".utf8).write(to: URL(fileURLWithPath: f.root.path + "/data/config.toml").creatingFolder())
        let run = try Run.program(Self.custody, ["dispatch", "import", "--data", f.data, "--mapping", f.map, f.csv])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("4 rows read, 4 imported (4 new, 0 updated, 0 unchanged), 0 rejected"), "\(run.stdout)")
        let c = try await f.catalog()
        // Pacific standard time is UTC−8: 12:20 PM is 20:20Z; 11:52 PM on the 10th is 07:52Z on the 11th.
        let noon = try #require(try await c.dispatchRows(incident: "I-100").first)
        #expect(iso(noon.dispatchedAt) == "2009-01-10T19:50:00Z" && iso(noon.arrivedAt) == "2009-01-10T19:58:00Z")
        #expect(iso(noon.clearedAt) == "2009-01-10T20:20:00Z", "12:20 PM is twenty past noon")
        let midnight = try #require(try await c.dispatchRows(incident: "I-101").first)
        #expect(iso(midnight.arrivedAt) == "2009-01-11T07:52:00Z")
        #expect(iso(midnight.clearedAt) == "2009-01-11T08:30:00Z", "12:30 AM on the 11th is half past midnight, after 11:52 PM")
        #expect(midnight.isJudged)
        // The zone matches the folder's and the folder had rows read in it: nothing to warn about
        // the second time.
        let again = try Run.program(Self.custody, ["dispatch", "import", "--data", f.data, "--mapping", f.map, f.csv])
        #expect(again.status == 0 && !again.stderr.contains("time_zone"), "\(again.stderr)")
        #expect(again.stdout.contains("0 new, 0 updated, 4 unchanged"), "\(again.stdout)")
    }

    @Test func aUnitDispatchedTwiceIsTwoAttendancesAndTheSummarySaysSo() async throws {
        let f = try Self.folder("cad-redispatch")
        defer { f.cleanUp() }
        let run = try Run.program(Self.custody, ["dispatch", "import", "--data", f.data, "--tz", "America/Los_Angeles", "--mapping", f.map, f.csv])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("units_redispatched: 1"), "\(run.stdout)")
        #expect(run.stdout.contains("1 unit(s) dispatched to a call more than once") && run.stdout.contains("I-102/4A"), "\(run.stdout)")
        let rows = try await f.catalog().dispatchRows(incident: "I-102")
        #expect(rows.map { iso($0.arrivedAt) } == ["2009-01-10T22:10:00Z", "2009-01-10T23:05:00Z"], "both attendances, neither replacing the other")
        #expect(rows.map(\.attendanceKey) == ["", "n:2"])
        // The JSON record counts it too.
        let json = try Run.program(Self.custody, ["dispatch", "import", "--data", f.data, "--tz", "America/Los_Angeles", "--mapping", f.map, "--json", f.csv])
        let line = try #require(json.stdoutLines.first)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(record["units_redispatched"] as? Int == 1 && record["unchanged"] as? Int == 4 && record["time_zone"] as? String == "America/Los_Angeles")
        // Without a dispatch time to tell them apart, two rows for one unit are a conflict, as before.
        let conflict = f.root.appendingPathComponent("conflict.csv")
        try Data("incident_id,officer_id,arrived_at,cleared_at\n9,A,2024-02-14 10:00:00,2024-02-14 11:00:00\n9,A,2024-02-14 10:30:00,2024-02-14 11:00:00\n".utf8).write(to: conflict)
        let refused = try Run.program(Self.custody, ["dispatch", "import", "--data", f.data, conflict.path])
        #expect(refused.status == 1 && refused.stdout.contains("every row was rejected"), "\(refused.stdout)")
        // A mapping's attendance column tells them apart instead.
        let numbered = f.root.appendingPathComponent("numbered.csv")
        try Data("incident_id,officer_id,run,arrived_at,cleared_at\n9,A,1,2024-02-14 10:00:00,2024-02-14 11:00:00\n9,A,2,2024-02-14 12:00:00,2024-02-14 12:30:00\n".utf8).write(to: numbered)
        let byColumn = f.root.appendingPathComponent("run.json")
        try Data(#"{"columns": {"attendance_id": "run"}}"#.utf8).write(to: byColumn)
        let kept = try Run.program(Self.custody, ["dispatch", "import", "--data", f.data, "--mapping", byColumn.path, numbered.path])
        #expect(kept.status == 0 && kept.stdout.contains("2 new") && kept.stdout.contains("units_redispatched: 1"), "\(kept.stdout)")
        await #expect(try f.catalog().dispatchRows(incident: "9").map(\.attendance) == ["1", "2"])
    }

    @Test func aZoneThatDiffersFromTheFoldersIsSaidWithHowToSetIt() async throws {
        let f = try Self.folder("cad-zone")
        defer { f.cleanUp() }
        // A new folder (time_zone = "UTC" by default), rows read as Pacific time.
        let run = try Run.program(Self.custody, ["dispatch", "import", "--data", f.data, "--tz", "America/Los_Angeles", "--mapping", f.map, f.csv])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("warning: the rows' local times were read in America/Los_Angeles (--tz), but this data folder counts days in UTC"), "\(run.stderr)")
        #expect(run.stderr.contains("set time_zone = \"America/Los_Angeles\" in \(f.data)/config.toml"), "\(run.stderr)")
        // The first import into a new folder without --tz says which zone it read the times in.
        let g = try Self.folder("cad-zone-first")
        defer { g.cleanUp() }
        let first = try Run.program(Self.custody, ["dispatch", "import", "--data", g.data, "--mapping", g.map, g.csv])
        #expect(first.status == 0)
        #expect(first.stderr.contains("the rows' local times were read in UTC, the zone of this data folder"), "\(first.stderr)")
        // Importing again in the right zone after setting it corrects the rows (updated, not doubled).
        try Data("time_zone = \"America/Los_Angeles\"\n".utf8).write(to: URL(fileURLWithPath: g.data + "/config.toml"))
        let fixed = try Run.program(Self.custody, ["dispatch", "import", "--data", g.data, "--mapping", g.map, g.csv])
        #expect(fixed.status == 0 && fixed.stdout.contains("0 new, 4 updated"), "\(fixed.stdout)")
        #expect(!fixed.stderr.contains("time_zone"), "\(fixed.stderr)")
        await #expect(try g.catalog().dispatchRowCount() == 4)
        // Reports state the zone they were cut in.
        let audit = try Run.program(Self.custody, ["audit", "--data", g.data, "--day", "2009-01-10", "--out", g.root.path + "/out"])
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        #expect(audit.stdout.hasPrefix("audit 2009-01-10 (America/Los_Angeles): 4 call(s) judged"), "\(audit.stdout)")
    }
}

extension CADExportTests {
    /// Issue 16, item 5, through the CLI: a check-out log's device_time_at_return column.
    @Test func aCheckOutLogsDeviceTimeAtReturnGivesClockDrift() async throws {
        let f = try Self.folder("cad-drift")
        defer { f.cleanUp() }
        let log = f.root.appendingPathComponent("checkouts.csv")
        try Data("""
            device_id,officer_id,checked_out_at,returned_at,device_time_at_return
            CAM-9,4567,2024-02-14 08:00:00,2024-02-14 20:00:00,2024-02-14 19:58:30
            CAM-10,4568,2024-02-14 08:00:00,2024-02-14 20:00:00,2024-02-14 20:00:12
            CAM-11,4569,2024-02-14 08:00:00,,2024-02-14 20:00:12

            """.utf8).write(to: log)
        let run = try Run.program(Self.custody, ["devices", "import", "--data", f.data, log.path])
        #expect(run.status == 3, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("clock_readings: 2"), "\(run.stdout)")
        #expect(run.stdout.contains("line 4: device_time_at_return is given but returned_at is not"), "\(run.stdout)")
        let gaps = try Run.program(Self.custody, ["gaps", "--data", f.data, "--json", "--kind", "clock_drift"])
        #expect(gaps.status == 0 && gaps.stdoutLines.count == 1, "a 90 s offset is past the 30 s limit, 12 s is not: \(gaps.stdout)")
        let line = try #require(gaps.stdoutLines.first)
        let drift = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(drift["device_id"] as? String == "CAM-9" && drift["officer_id"] as? String == "4567" && drift["clock_offset_seconds"] as? Double == -90)
        #expect(drift["seconds"] as? Int == 90)
    }
}

extension URL {
    /// The URL, its folder created first.
    fileprivate func creatingFolder() throws -> URL {
        try FileManager.default.createDirectory(at: deletingLastPathComponent(), withIntermediateDirectories: true)
        return self
    }
}
