import CustodyCore
import CustodyIngest
import CustodyStore
import CustodyTestSupport
import Foundation
import Dispatch
import Testing

@Suite struct DeviceImportTests {
    let utc = TimeZone(identifier: "UTC")!

    func write(_ text: String, in ws: Workspace, name: String = "checkouts.csv") throws -> String {
        let url = ws.root.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func theSampleLogLoadsAndReimportingChangesNothing() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let path = TestEnvironment.samples.appendingPathComponent("devices.csv").path
        let first = await DeviceImport.run(path: path, catalog: ws.catalog, zone: utc).report
        #expect(first.fileError == nil)
        #expect(first.rowsRead == 5)
        #expect(first.imported == 5)
        #expect(first.new == 5)
        #expect(first.rejected == 0)
        let second = await DeviceImport.run(path: path, catalog: ws.catalog, zone: utc).report
        #expect(second.new == 0)
        #expect(second.updated == 0)
        await #expect(try ws.catalog.officer(device: "J0012345", at: Timestamp.parse("2024-02-14T05:00:00Z", zone: utc)!) == "012345")
        // Returned cameras belong to nobody afterwards.
        await #expect(try ws.catalog.officer(device: "J0023456", at: Timestamp.parse("2024-02-14T11:00:00Z", zone: utc)!) == nil)
    }

    @Test func chineseHeadersLocalTimesBOMAndCRLF() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let path = try write("\u{FEFF}设备编号,警号,领用时间,归还时间\r\nJ7,070707,2024-02-14 08:00:00,2024-02-14 18:00:00\r\n", in: ws)
        let report = await DeviceImport.run(path: path, catalog: ws.catalog, zone: TimeZone(identifier: "Asia/Shanghai")!).report
        #expect(report.imported == 1)
        await #expect(try ws.catalog.officer(device: "J7", at: Timestamp.parse("2024-02-14T00:30:00Z", zone: utc)!) == "070707")
        await #expect(try ws.catalog.officer(device: "J7", at: Timestamp.parse("2024-02-13T23:30:00Z", zone: utc)!) == nil)
    }

    @Test func badRowsAreRejectedWithTheirLinesAndGoodRowsKept() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let text = """
            device_id,officer_id,checked_out_at,returned_at
            J1,,2024-01-01 10:00:00,
            J2,7,yesterday,
            "J3
            with a newline",8,2024-01-01 10:00:00,2024-01-01 09:00:00
            J4,9,2024-01-01 10:00:00,
            "J5,1,2024-01-01

            """
        let report = await DeviceImport.run(path: try write(text, in: ws), catalog: ws.catalog, zone: utc).report
        #expect(report.imported == 1)
        #expect(report.rejections.map(\.line) == [2, 3, 4, 7])
        #expect(report.rejections.map(\.reason.group) == [
            "officer_id is missing", "checked_out_at is not a time", "returned_at is before checked_out_at",
            "unterminated quote: this row and every line after it cannot be read",
        ])
        #expect(ImportReport.exitStatus([report]) == 3)
        #expect(report.human.contains("line 3: checked_out_at 'yesterday' is not a time"))
    }

    @Test(arguments: [
        ("", "has no header row"),
        ("device_id,device_id,officer_id,checked_out_at\n", "names 'device_id' twice"),
        ("device,officer_id,checked_out_at\nJ1,1,2024-01-01\n", "lacks the required column device_id"),
    ])
    func fileLevelProblemsImportNothing(text: String, message: String) async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let report = await DeviceImport.run(path: try write(text, in: ws), catalog: ws.catalog, zone: utc).report
        #expect(report.fileError?.contains(message) == true, "\(report.fileError ?? "no error")")
        #expect(ImportReport.exitStatus([report]) == 1)
    }

    @Test func aClipWithoutAnOfficerIsAttributedByCheckoutAtIngestAndLater() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let dir = try ws.source("vendor")
        // A vendor name that carries no officer; the camera id comes from the hand-in.
        let clip = dir.appendingPathComponent("VID_0001.mp4")
        try FileManager.default.copyItem(at: TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214084900_0001.mp4"), to: clip)
        let before = await ws.ingestor.ingest(IngestRequest(source: RawPath(clip.path), device: "J0012345"))
        #expect(before.status == .ingested)
        #expect(before.officerID == nil)
        let sha = try #require(before.sha256)
        await #expect(try ws.catalog.evidence(sha256: sha)?.attribution == nil)

        // The check-out log arrives afterwards: the clip (started 00:49Z) is attributed.
        let report = await DeviceImport.run(path: TestEnvironment.samples.appendingPathComponent("devices.csv").path, catalog: ws.catalog, zone: utc).report
        #expect(report.extra.first { $0.0 == "clips_attributed" }?.1 == 1)
        let evidence = try await #require(try ws.catalog.evidence(sha256: sha))
        #expect(evidence.officerID == "012345")
        #expect(evidence.attribution == "checkout")

        // A second clip ingested after the log is attributed straight away.
        let later = dir.appendingPathComponent("VID_0002.mp4")
        try FileManager.default.copyItem(at: TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214093135_0002.mp4"), to: later)
        let result = await ws.ingestor.ingest(IngestRequest(source: RawPath(later.path), device: "J0012345"))
        #expect(result.officerID == "012345")
        await #expect(try ws.catalog.evidence(sha256: result.sha256 ?? "")?.attribution == "checkout")
    }

    @Test func theOfficerNamedAtHandInWinsOverTheFileName() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let clip = TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214084900_0001.mp4")
        let result = await ws.ingestor.ingest(IngestRequest(source: RawPath(clip.path), officer: "999999"))
        #expect(result.officerID == "999999")
        let evidence = try await #require(try ws.catalog.evidence(sha256: result.sha256 ?? ""))
        #expect(evidence.attribution == "ingest")
        #expect(evidence.probe.officerID == "012345")  // what the file itself says is kept
    }
}

@Suite struct ConcurrentRelinkTests {
    @Test func fullAndIncrementalRelinksAtOnceLeaveNoDuplicates() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        for file in SourceWalker.expand([RawPath(TestEnvironment.footage.path)]).files {
            _ = await ws.ingestor.ingest(IngestRequest(source: file, receivedAt: Timestamp.parse("2024-02-14T12:00:00Z", zone: zone)))
        }
        _ = await DispatchImport.run(path: TestEnvironment.samples.appendingPathComponent("dispatch.csv").path, catalog: ws.catalog, zone: zone)
        try await ws.catalog.relink(officers: nil, policy: Policy(), actor: "test")
        let expected = try await ws.catalog.findings()
        #expect(expected.count == 6)
        // A second connection, as another process would have.
        let other = try Catalog(path: ws.folder.catalogPath)
        await withTaskGroup(of: Void.self) { group in for i in 0..<16 { group.addTask {
            if i % 2 == 0 {
                _ = try? await ws.catalog.relink(officers: nil, policy: Policy(), actor: "full")
            } else {
                _ = try? await other.relink(officers: ["034567", "045678"], policy: Policy(), actor: "incremental")
            }
        } } }
        await #expect(try ws.catalog.findings() == expected)
    }
}
