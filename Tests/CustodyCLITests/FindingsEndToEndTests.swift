import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Issue 4 end to end: the samples give exactly the findings samples/README.md promises.
@Suite struct FindingsEndToEndTests {
    static let custody = TestEnvironment.custodyBinary
    static let receivedAt = "2024-02-14T12:00:00Z"

    /// A data folder configured for the samples' zone, with the footage ingested.
    static func ingestedSamples(_ dir: URL) throws -> String {
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data("time_zone = \"Asia/Shanghai\"\n".utf8).write(to: data.appendingPathComponent("config.toml"))
        let ingest = try Run.program(custody, ["ingest", "--data", data.path, "--received-at", receivedAt, TestEnvironment.footage.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        // What the cameras saw (issue 14): analysed before the calls are imported and judged.
        let analyse = try Run.program(custody, ["analyze", "--pending", "--data", data.path])
        #expect(analyse.status == 0, "\(analyse.stderr)")
        #expect(analyse.stderr.contains("16 clip(s) analysed, 5 stretch(es) found"), "\(analyse.stderr)")
        return data.path
    }

    /// JSON lines as canonical text (sorted keys, numbers as parsed) for set comparison.
    static func canonical(_ text: String) throws -> [String] {
        try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    static var expected: [String] {
        get throws { try canonical(String(contentsOf: TestEnvironment.samples.appendingPathComponent("expected-findings.jsonl"), encoding: .utf8)) }
    }

    /// The end of the samples' day in their zone: what expected-findings.jsonl judges the
    /// handling chain as of (`tools/expected-findings.py --as-of`).
    static let dayEnd = "2024-02-15T00:00:00+08:00"

    /// The as-of rule (issue 15): the same day judged twice gives the same handling findings;
    /// a late import that closes a call removes its not_closed at the next evaluation, and the
    /// queue withdraws the call's open item.
    @Test func handlingIsJudgedAsOfAnInstantAndALateImportClosesACall() async throws {
        let dir = try TestEnvironment.temporaryFolder("e2e-handling")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        let dispatch = TestEnvironment.samples.appendingPathComponent("dispatch.csv").path
        #expect(try Run.program(Self.custody, ["dispatch", "import", "--data", data, dispatch]).status == 0)
        let asOf = ["gaps", "--data", data, "--json", "--kind", "not_closed", "--kind", "no_arrival", "--as-of", "2024-02-16T00:00:00Z"]
        let first = try Run.program(Self.custody, asOf), second = try Run.program(Self.custody, asOf)
        #expect(first.status == 0 && first.stdout == second.stdout)
        #expect(first.stdout.contains("110-20240213-0051"))
        let catalog = try await Catalog(path: data + "/custody.sqlite")
        let before = try await catalog.queue(state: "open", limit: 100, offset: 0).items
        #expect(before.contains { $0.incidentID == "110-20240213-0051" && $0.reason == "not_closed" })
        // The clearance arrives later: 0051 was cleared on the 14th.
        let text = try String(contentsOfFile: dispatch, encoding: .utf8)
        let late = dir.appendingPathComponent("late.csv")
        let header = text.split(separator: "\n")[0]
        let row = try #require(text.split(separator: "\n").first { $0.hasPrefix("110-20240213-0051,") })
        let closed = row.replacingOccurrences(of: "2024-02-13T15:59:59Z,,", with: "2024-02-13T15:59:59Z,2024-02-14T01:00:00Z,")
        #expect(closed != String(row))
        try "\(header)\n\(closed)\n".write(to: late, atomically: true, encoding: .utf8)
        let imported = try Run.program(Self.custody, ["dispatch", "import", "--data", data, late.path])
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        let after = try Run.program(Self.custody, asOf)
        #expect(!after.stdout.contains("110-20240213-0051"), "\(after.stdout)")
        #expect(after.stdoutLines.count == first.stdoutLines.count - 1)
        let queue = try await catalog.queue(state: "open", limit: 100, offset: 0).items
        #expect(!queue.contains { $0.incidentID == "110-20240213-0051" && $0.reason == "not_closed" })
        let audit = try await catalog.auditEntries()
        #expect(audit.contains { $0.action == "queue-withdrawn" })
    }

    @Test func samplesYieldExactlyTheExpectedFindings() async throws {
        let dir = try TestEnvironment.temporaryFolder("e2e")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.ingestedSamples(dir)
        let imported = try Run.program(Self.custody, ["dispatch", "import", "--data", data, TestEnvironment.samples.appendingPathComponent("dispatch.csv").path])
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        #expect(imported.stdout.contains("21 rows read, 21 imported"))
        #expect(imported.stdout.contains("judged calls: 13, with footage: 11"))
        let gaps = try Run.program(Self.custody, ["gaps", "--data", data, "--json", "--as-of", Self.dayEnd])
        #expect(gaps.status == 0)
        #expect(try Self.canonical(gaps.stdout) == Self.expected)
        // The review queue follows the import, no server needed: one item per call with
        // findings, most urgent first, plus the unreadable and unlinked clips; and, judged as
        // of now (years after the samples' day), every open call: two never reached, five never closed.
        let queue = try await Catalog(path: data + "/custody.sqlite").queue(state: "open", limit: 50, offset: 0)
        let handling = queue.items.filter { $0.reason == "no_arrival" || $0.reason == "not_closed" }
        let calls = queue.items.filter { $0.incidentID != nil && $0.reason != "sample" && !handling.contains($0) }
        // Six calls with coverage findings, and three more for what their cameras saw (a covered
        // lens on 0015, muted sound on 0020, a frozen picture on 0027).
        #expect(calls.count == 9)
        #expect(Set(calls.map(\.reason)).isSuperset(of: ["obscured_video", "muted_audio", "frozen_video"]))
        #expect(calls.first?.reason == "no_recording")
        #expect(Dictionary(grouping: handling, by: \.reason).mapValues(\.count) == ["no_arrival": 2, "not_closed": 5])
        #expect(Set(handling.filter { $0.reason == "no_arrival" }.compactMap(\.incidentID)) == ["110-20240214-0043", "110-20240214-0044"])
        #expect(queue.items.filter { $0.reason == "unreadable" }.count == 1)
        #expect(queue.items.filter { $0.reason == "unlinked" }.count == 2)

        // Filters narrow the list.
        let recording = ["--kind", "early_stop", "--kind", "interruption", "--kind", "no_recording"]
        let one = try Run.program(Self.custody, ["gaps", "--data", data, "--json", "--officer", "034567", "--since", "2024-02-14T02:00:00Z"] + recording)
        // --since keeps findings that end at or after T: the early stop ending exactly at 02:00,
        // the interruption and the no_recording.
        #expect(one.stdoutLines.map { $0.contains("early_stop") || $0.contains("interruption") || $0.contains("no_recording") } == [true, true, true])
        let later = try Run.program(Self.custody, ["gaps", "--data", data, "--json", "--officer", "034567", "--since", "2024-02-14T02:00:01Z"] + recording)
        #expect(later.stdoutLines.count == 2)
        // --kind picks handling kinds too; without --as-of, open calls are judged as of now.
        let slow = try Run.program(Self.custody, ["gaps", "--data", data, "--json", "--kind", "slow_dispatch"])
        #expect(slow.stdoutLines.count == 2 && slow.stdout.contains("110-20240214-0012") && slow.stdout.contains("110-20240214-0020"))
        let open = try Run.program(Self.custody, ["gaps", "--data", data, "--json", "--kind", "not_closed"])
        #expect(open.stdoutLines.count == 7, "\(open.stdout)")
        let wrong = try Run.program(Self.custody, ["gaps", "--data", data, "--kind", "slow"])
        #expect(wrong.status != 0 && wrong.stderr.contains("--kind 'slow' is not a finding kind"))
        let incident = try Run.program(Self.custody, ["gaps", "--data", data, "--json", "--incident", "110-20240214-0008"])
        #expect(incident.stdoutLines.count == 1)
        #expect(incident.stdout.contains("late_start"))
    }

    @Test func chineseHeadersAndLocalTimesYieldTheSame() throws {
        let dir = try TestEnvironment.temporaryFolder("e2e-zh")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.ingestedSamples(dir)
        let imported = try Run.program(Self.custody, ["dispatch", "import", "--data", data, "--tz", "Asia/Shanghai", TestEnvironment.samples.appendingPathComponent("dispatch-zh.csv").path])
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        let gaps = try Run.program(Self.custody, ["gaps", "--data", data, "--json", "--as-of", Self.dayEnd])
        #expect(try Self.canonical(gaps.stdout) == Self.expected)
        // Importing the English file over it changes nothing: the same calls, the same instants.
        let again = try Run.program(Self.custody, ["dispatch", "import", "--data", data, TestEnvironment.samples.appendingPathComponent("dispatch.csv").path])
        #expect(again.stdout.contains("0 new, 0 updated, 21 unchanged"))
        // The JSON record has the same figures, "unchanged" among them (issue 16).
        let json = try Run.program(Self.custody, ["dispatch", "import", "--data", data, "--json", TestEnvironment.samples.appendingPathComponent("dispatch.csv").path])
        let record = try #require(try JSONSerialization.jsonObject(with: Data(json.stdoutLines[0].utf8)) as? [String: Any])
        #expect(record["imported"] as? Int == 21 && record["new"] as? Int == 0 && record["updated"] as? Int == 0 && record["unchanged"] as? Int == 21)
    }

    @Test func linksMatchTheOracleAndRelinkingTwiceChangesNothing() async throws {
        let dir = try TestEnvironment.temporaryFolder("e2e-links")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.ingestedSamples(dir)
        _ = try Run.program(Self.custody, ["dispatch", "import", "--data", data, TestEnvironment.samples.appendingPathComponent("dispatch.csv").path])
        let catalog = try Catalog(path: data + "/custody.sqlite")
        let expectedLines = try String(contentsOf: TestEnvironment.samples.appendingPathComponent("expected-links.jsonl"), encoding: .utf8)
        var expected: [String: [String]] = [:]
        for line in expectedLines.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            expected[object["clip"] as! String] = (object["incidents"] as! [String]).sorted()
        }
        let actual = try await catalog.linkedIncidentsByOriginalName()
        for (clip, incidents) in expected {
            #expect(actual[clip, default: []].sorted() == incidents, "\(clip)")
        }

        let before = try await catalog.findings()
        let first = try Run.program(Self.custody, ["link", "--data", data])
        let second = try Run.program(Self.custody, ["link", "--data", data])
        #expect(first.status == 0 && second.status == 0)
        #expect(try await catalog.findings() == before)
        #expect(try await catalog.linkedIncidentsByOriginalName() == actual)
        #expect(first.stdout.components(separatedBy: " in ").first == second.stdout.components(separatedBy: " in ").first)
    }

    @Test func theSacramentoExportLoadsThroughItsMapping() throws {
        let dir = try TestEnvironment.temporaryFolder("sacramento")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = TestEnvironment.corpus.appendingPathComponent("cad/sacramento_pd_dispatch_jan2019.csv").path
        let mapping = TestEnvironment.samples.appendingPathComponent("mappings/sacramento.json").path
        let result = try Run.program(Self.custody, [
            "dispatch", "import", "--data", dir.appendingPathComponent("data").path, "--tz", "America/Los_Angeles",
            "--mapping", mapping, "--json", csv,
        ], timeout: 300)
        // Some rows rejected, valid rows kept.
        #expect(result.status == 3, "\(result.stderr)")
        let lines = result.stdoutLines
        let report = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        // Pinned against tools/cad-expectations.py, an independent reading of SPEC §3.
        #expect(report["rows"] as? Int == 25_000)
        #expect(report["imported"] as? Int == 18_511)
        #expect(report["rejected"] as? Int == 6_489)
        let byReason = try #require(report["rejected_by_reason"] as? [String: [Int]])
        #expect(Array(byReason.keys) == ["officer_id is missing"])
        #expect(byReason["officer_id is missing"]?.prefix(5) == [2, 4, 5, 12, 14])
        #expect(report["incidents_new"] as? Int == 18_511)
        let linking = try #require((try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])?["linking"] as? [String: Any])
        #expect(linking["judged_calls"] as? Int == 17_386)
        #expect(linking["judged_calls_with_footage"] as? Int == 0)  // no footage in this test
        // The handling chain as of the end of January there, against the same oracle (issue 15).
        let handling = try Run.program(Self.custody, [
            "gaps", "--data", dir.appendingPathComponent("data").path, "--json", "--as-of", "2019-02-01T00:00:00-08:00",
            "--kind", "slow_dispatch", "--kind", "slow_arrival", "--kind", "no_arrival", "--kind", "not_closed",
        ], timeout: 300)
        #expect(handling.status == 0, "\(handling.stderr)")
        var kinds: [String: Int] = [:]
        for line in handling.stdoutLines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            kinds[object["kind"] as? String ?? "?", default: 0] += 1
        }
        #expect(kinds == ["slow_dispatch": 193, "slow_arrival": 97, "not_closed": 3])
    }

    @Test(arguments: [
        ("unterminated", "incident_id,officer_id,arrived_at,cleared_at\n1,A,2024-02-14 10:00:00,2024-02-14 11:00:00\n\"2,B,2024-02-14 10:00:00,2024-02-14 11:00:00\n3,C,,\n", Int32(3), "line 3: unterminated quote", 1),
        ("missing column", "incident,officer_id\n1,A\n", 1, "lacks the required column incident_id", 0),
        ("bad time", "incident_id,officer_id,arrived_at\n1,A,yesterday\n2,B,2024-02-14 10:00:00\n", 3, "line 2: arrived_at 'yesterday' is not a time", 1),
        ("cleared before arrived", "incident_id,officer_id,arrived_at,cleared_at\n1,A,2024-02-14 10:00:00,2024-02-14 09:00:00\n2,B,2024-02-14 10:00:00,2024-02-14 11:00:00\n", 3, "line 2: cleared_at is before arrived_at", 1),
        ("duplicate header", "incident_id,officer_id,officer_id\n1,A,B\n", 1, "names 'officer_id' twice", 0),
        ("empty file", "", 1, "has no header row", 0),
        // Issue 16: every row rejected is "nothing imported" (SPEC §1: exit 1), not "some rejected".
        ("every row rejected", "incident_id,officer_id,arrived_at\n1,A,yesterday\n2,,2024-02-14 10:00:00\n", 1, "nothing imported: every row was rejected", 0),
        ("header only", "incident_id,officer_id,arrived_at\n", 0, "0 rows read", 0),
    ])
    func malformedCSVGetsAClearMessageAndValidRowsAreKept(name: String, text: String, status: Int32, message: String, kept: Int) async throws {
        let dir = try TestEnvironment.temporaryFolder("csv")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("\(name.replacingOccurrences(of: " ", with: "-")).csv")
        try Data(text.utf8).write(to: file)
        let data = dir.appendingPathComponent("data").path
        let result = try Run.program(Self.custody, ["dispatch", "import", "--data", data, file.path])
        #expect(result.status == status, "\(name): \(result.stdout)")
        #expect(result.stdout.contains(message), "\(name): \(result.stdout)")
        #expect(try await Catalog(path: data + "/custody.sqlite").dispatchRowCount() == kept, "\(name)")
    }
}
