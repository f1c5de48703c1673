import CustodyCore
import Foundation
import Testing

/// Hand-computed cases for SPEC §6–§7 with the default policy. Times are seconds after t0.
@Suite struct CoverageRuleTests {
    static let t0 = 1_707_874_200.0  // 2024-02-14T01:30:00Z
    let policy = Policy()

    func date(_ s: Double) -> Date { Date(timeIntervalSince1970: Self.t0 + s) }

    func row(_ incident: String = "110-1", officer: String = "A", dispatched: Double? = nil, arrived: Double?, cleared: Double?) -> DispatchRow {
        DispatchRow(incidentID: incident, officerID: officer, dispatchedAt: dispatched.map(date), arrivedAt: arrived.map(date), clearedAt: cleared.map(date))
    }

    func clip(_ start: Double, _ end: Double, officer: String? = "A", id: Int64, received: Double? = nil) -> ClipSpan {
        ClipSpan(id: id, sha256: "sha\(id)", officerID: officer, start: Self.t0 + start, end: Self.t0 + end, firstReceipt: received.map { Self.t0 + $0 })
    }

    func kinds(_ outcome: Linker.Outcome) -> [FindingKind] { outcome.findings.map(\.kind) }

    // MARK: late start

    @Test func lateStartOfExactlyThirtySecondsIsNotAFinding() {
        let out = Linker.run(rows: [row(arrived: 0, cleared: 600)], clips: [clip(30, 600, id: 1)], policy: policy)
        #expect(out.findings.isEmpty)
        #expect(abs((out.coverage[0] ?? 0) - 570.0 / 600) < 1e-9)
    }

    @Test func lateStartOfThirtyOneSecondsIsAFinding() throws {
        let out = Linker.run(rows: [row(arrived: 0, cleared: 600)], clips: [clip(31, 600, id: 1)], policy: policy)
        let f = try #require(out.findings.first)
        #expect(out.findings.count == 1)
        #expect(f.kind == .lateStart)
        #expect(f.start == Self.t0 && f.end == Self.t0 + 31)
        #expect(f.seconds == 31)
        #expect(f.windowStart == Self.t0 && f.windowEnd == Self.t0 + 600)
    }

    // MARK: early stop

    @Test func earlyStopIsStrictlyLongerThanThirtySeconds() {
        #expect(Linker.run(rows: [row(arrived: 0, cleared: 600)], clips: [clip(0, 570, id: 1)], policy: policy).findings.isEmpty)
        let out = Linker.run(rows: [row(arrived: 0, cleared: 600)], clips: [clip(0, 569, id: 1)], policy: policy)
        #expect(kinds(out) == [.earlyStop])
        #expect(out.findings.first?.seconds == 31)
    }

    // MARK: splits and interruptions

    @Test func aTwoSecondSplitBetweenFilesMerges() {
        let out = Linker.run(rows: [row(arrived: 0, cleared: 600)], clips: [clip(0, 300, id: 1), clip(302, 600, id: 2)], policy: policy)
        #expect(out.findings.isEmpty)
        #expect(out.coverage[0] == 1)  // the bridged 2 s count as covered
    }

    @Test func aThreeSecondSplitDoesNotMergeButIsTooShortToReport() {
        let out = Linker.run(rows: [row(arrived: 0, cleared: 600)], clips: [clip(0, 300, id: 1), clip(303, 600, id: 2)], policy: policy)
        #expect(out.findings.isEmpty)
        #expect(abs((out.coverage[0] ?? 0) - 597.0 / 600) < 1e-9)
        let judgement = CoverageRule.judge(
            window: Interval(0, 600), clips: [Interval(0, 300), Interval(303, 600)], policy: policy)
        #expect(judgement.uncovered == [Interval(300, 303)])
    }

    @Test func anElevenSecondGapIsAnInterruption() throws {
        let out = Linker.run(rows: [row(arrived: 0, cleared: 600)], clips: [clip(0, 300, id: 1), clip(311, 600, id: 2)], policy: policy)
        let f = try #require(out.findings.first)
        #expect(kinds(out) == [.interruption])
        #expect(f.start == Self.t0 + 300 && f.end == Self.t0 + 311)
        #expect(f.seconds == 11)
    }

    @Test func aTenSecondGapIsNot() {
        let out = Linker.run(rows: [row(arrived: 0, cleared: 600)], clips: [clip(0, 300, id: 1), clip(310, 600, id: 2)], policy: policy)
        #expect(out.findings.isEmpty)
    }

    @Test func overlappingAndNestedClipsCountOnce() {
        let out = Linker.run(
            rows: [row(arrived: 0, cleared: 600)],
            clips: [clip(0, 400, id: 1), clip(100, 200, id: 2), clip(350, 600, id: 3)], policy: policy)
        #expect(out.findings.isEmpty)
        #expect(out.coverage[0] == 1)
    }

    @Test func lateStartInterruptionAndEarlyStopTogether() {
        let out = Linker.run(
            rows: [row(arrived: 0, cleared: 1000)], clips: [clip(60, 300, id: 1), clip(400, 900, id: 2)], policy: policy)
        #expect(kinds(out) == [.earlyStop, .interruption, .lateStart])  // printed by kind name
        #expect(abs((out.coverage[0] ?? 0) - 740.0 / 1000) < 1e-9)
    }

    // MARK: no recording, judged or not

    @Test func anOfficerWithNoClipsGetsOneNoRecordingSpanningTheWindow() throws {
        let out = Linker.run(rows: [row(arrived: 0, cleared: 600)], clips: [clip(0, 600, officer: "B", id: 1)], policy: policy)
        #expect(out.findings.count == 1)
        let f = try #require(out.findings.first)
        #expect(f.kind == .noRecording)
        #expect(f.officerID == "A")
        #expect(f.start == Self.t0 && f.end == Self.t0 + 600 && f.seconds == 600)
        #expect(f.coverage == 0)
    }

    @Test func aClipThatOnlyTouchesTheWindowDoesNotCoverIt() {
        let out = Linker.run(rows: [row(arrived: 0, cleared: 600)], clips: [clip(-100, 0, id: 1)], policy: policy)
        #expect(kinds(out) == [.noRecording])
    }

    @Test func openCallsAndCallsWithoutArrivalAreNotJudged() {
        let rows = [row("open", arrived: 0, cleared: nil), row("noarrival", dispatched: 0, arrived: nil, cleared: 600)]
        let out = Linker.run(rows: rows, clips: [], policy: policy)
        #expect(out.findings.isEmpty)
        #expect(out.judged == 0)
    }

    @Test func aCallWithoutArrivalStillLinksItsFootage() {
        let out = Linker.run(rows: [row(dispatched: 0, arrived: nil, cleared: 600)], clips: [clip(100, 200, id: 1)], policy: policy)
        #expect(out.links.map(\.clipID) == [1])
        #expect(out.findings.isEmpty)
    }

    @Test func theWindowCanStartAtDispatch() {
        var byDispatch = Policy()
        byDispatch.windowStart = .dispatched
        let rows = [row(dispatched: 0, arrived: 300, cleared: 900)]
        let clips = [clip(300, 900, id: 1)]
        #expect(Linker.run(rows: rows, clips: clips, policy: policy).findings.isEmpty)
        let out = Linker.run(rows: rows, clips: clips, policy: byDispatch)
        #expect(kinds(out) == [.lateStart])
        #expect(out.findings.first?.seconds == 300)
    }

    @Test func aZeroLengthWindowIsCoveredOnlyByAClipSpanningIt() {
        #expect(Linker.run(rows: [row(arrived: 0, cleared: 0)], clips: [clip(-10, 10, id: 1)], policy: policy).findings.isEmpty)
        #expect(kinds(Linker.run(rows: [row(arrived: 0, cleared: 0)], clips: [], policy: policy)) == [.noRecording])
    }

    // MARK: linking

    @Test func aClipCoveringTwoConsecutiveIncidentsLinksToBoth() {
        let rows = [row("110-1", dispatched: 0, arrived: 60, cleared: 600), row("110-2", dispatched: 700, arrived: 760, cleared: 1200)]
        let out = Linker.run(rows: rows, clips: [clip(60, 1200, id: 7)], policy: policy)
        #expect(out.links == [Linker.Link(clipID: 7, row: 0), Linker.Link(clipID: 7, row: 1)])
        #expect(out.findings.isEmpty)
    }

    @Test func theLinkSpanIsFiveMinutesBeforeDispatchToTenAfterClearance() {
        let r = row(dispatched: 1000, arrived: 1100, cleared: 2000)
        // Ends exactly 5 min before dispatch: links (closed interval). One second earlier: does not.
        #expect(Linker.run(rows: [r], clips: [clip(0, 700, id: 1)], policy: policy).links.count == 1)
        #expect(Linker.run(rows: [r], clips: [clip(0, 699, id: 1)], policy: policy).links.isEmpty)
        // Starts exactly 10 min after clearance: links. One second later: does not.
        #expect(Linker.run(rows: [r], clips: [clip(2600, 2700, id: 1)], policy: policy).links.count == 1)
        #expect(Linker.run(rows: [r], clips: [clip(2601, 2700, id: 1)], policy: policy).links.isEmpty)
        // Without a dispatch time the span starts 5 min before arrival.
        let noDispatch = row(arrived: 1100, cleared: 2000)
        #expect(Linker.run(rows: [noDispatch], clips: [clip(0, 800, id: 1)], policy: policy).links.count == 1)
        #expect(Linker.run(rows: [noDispatch], clips: [clip(0, 799, id: 1)], policy: policy).links.isEmpty)
    }

    @Test func clipsLinkOnlyToTheirOwnOfficersCalls() {
        let out = Linker.run(rows: [row(officer: "A", arrived: 0, cleared: 600)], clips: [clip(0, 600, officer: "B", id: 1)], policy: policy)
        #expect(out.links.isEmpty)
        #expect(out.unlinked == [1])
    }

    @Test func unattributedAndUnlinkedClipsAreListed() {
        let rows = [row(arrived: 0, cleared: 600)]
        let clips = [clip(0, 600, id: 1), clip(50_000, 50_600, id: 2), clip(0, 600, officer: nil, id: 3)]
        let out = Linker.run(rows: rows, clips: clips, policy: policy)
        #expect(out.unlinked == [2])
        #expect(out.unattributed == [3])
        #expect(out.links.map(\.clipID) == [1])
    }

    // MARK: late upload

    @Test func lateUploadIsStrictlyMoreThanADayAfterTheClipEnds() throws {
        let rows = [row(arrived: 0, cleared: 600)]
        let onTime = Linker.run(rows: rows, clips: [clip(0, 600, id: 1, received: 600 + 86_400)], policy: policy)
        #expect(onTime.findings.isEmpty)
        let late = Linker.run(rows: rows, clips: [clip(0, 600, id: 1, received: 600 + 86_401)], policy: policy)
        let f = try #require(late.findings.first)
        #expect(f.kind == .lateUpload)
        #expect(f.incidentID == "110-1")
        #expect(f.clipSHA256 == "sha1")
        #expect(f.seconds == 86_401)
        #expect(f.windowStart == nil && f.coverage == nil)
    }

    @Test func anUnlinkedLateClipIsStillALateUpload() {
        let out = Linker.run(rows: [], clips: [clip(0, 600, id: 1, received: 200_000)], policy: policy)
        #expect(out.findings.map(\.kind) == [.lateUpload])
        #expect(out.findings.first?.incidentID == nil)
    }

    @Test func findingsPrintInSpecShape() throws {
        let f = Finding(incidentID: "110-20240214-0031", officerID: "012345", kind: .lateStart, start: Self.t0, end: Self.t0 + 95,
                        windowStart: Self.t0, windowEnd: Self.t0 + 1330, coverage: 0.9128)
        #expect(f.jsonValue.rendered == #"{"incident_id":"110-20240214-0031","officer_id":"012345","kind":"late_start","start":"2024-02-14T01:30:00Z","end":"2024-02-14T01:31:35Z","seconds":95,"window_start":"2024-02-14T01:30:00Z","window_end":"2024-02-14T01:52:10Z","coverage":0.91}"#)
    }
}

@Suite struct DispatchRowTests {
    let utc = TimeZone(identifier: "UTC")!

    func parse(_ header: String, _ line: String, nulls: Set<String> = [], formats: [String] = []) throws -> Result<DispatchRow, RejectionReason> {
        let columns = try ColumnMap(header: header.components(separatedBy: ","), specs: DispatchRow.columns)
        return DispatchRow.parse(line.components(separatedBy: ","), columns: columns, times: try TimeReader(zone: utc, formats: formats), nullValues: nulls)
    }

    @Test func aValidRowParses() throws {
        let row = try parse("incident_id,officer_id,arrived_at,cleared_at", "110-1,012345,2024-02-14T01:30:00Z,2024-02-14T01:52:10Z").get()
        #expect(row.incidentID == "110-1")
        #expect(row.isJudged)
    }

    @Test func headersMatchWithoutCaseOrSpaces() throws {
        #expect(throws: Never.self) { try parse(" Incident_ID , OFFICER_ID ", "1,2").get() }
    }

    @Test func clearedBeforeArrivalOrDispatchIsRejected() throws {
        let h = "incident_id,officer_id,dispatched_at,arrived_at,cleared_at"
        #expect(try parse(h, "1,2,,2024-02-14 10:00:00,2024-02-14 09:00:00") == .failure(.order("cleared_at", "arrived_at")))
        #expect(try parse(h, "1,2,2024-02-14 10:00:00,,2024-02-14 09:00:00") == .failure(.order("cleared_at", "dispatched_at")))
    }

    @Test func missingRequiredValuesAndBadTimesAreRejected() throws {
        let h = "incident_id,officer_id,arrived_at"
        #expect(try parse(h, ",2,") == .failure(.missing("incident_id")))
        #expect(try parse(h, "1, ,") == .failure(.missing("officer_id")))
        #expect(try parse(h, "1,2,soon") == .failure(.badTime("arrived_at", "soon")))
    }

    @Test func nullMarkersAndCustomFormats() throws {
        let row = try parse("incident_id,officer_id,arrived_at,cleared_at", "1,2,01/05/2019,1900-01-01", nulls: ["1900-01-01"], formats: ["MM/dd/yyyy"]).get()
        #expect(row.arrivedAt == Timestamp.parse("2019-01-05T00:00:00Z", zone: utc))
        #expect(row.clearedAt == nil)
    }
}
