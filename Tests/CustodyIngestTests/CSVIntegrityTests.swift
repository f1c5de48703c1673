import CustodyCore
import CustodyIngest
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Issue 11 item 7: what a CSV holds is imported as it is, or rejected with its line: encodings
/// detected (UTF-8 with or without a BOM, UTF-16 with a BOM, GBK/GB18030 as Excel writes it on
/// Chinese Windows), NUL bytes, ragged rows, repeated keys and implausible dates refused.
@Suite struct CSVIntegrityTests {
    let utc = TimeZone(identifier: "UTC")!
    static let header = "警情编号,警号,到达时间,处警结束时间,派出所,地址"
    static let chinese = header + "\r\n警2024001,012345,2024-02-14 10:00:00,2024-02-14 11:00:00,城关派出所,解放路100号\r\n"

    func write(_ data: Data, in ws: Workspace, name: String = "calls.csv") throws -> String {
        let url = ws.root.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    func write(_ text: String, in ws: Workspace, name: String = "calls.csv") throws -> String {
        try write(Data(text.utf8), in: ws, name: name)
    }

    /// The bytes iconv (Debian's glibc, an encoder independent of the code under test) makes of `text`.
    func iconv(_ text: String, to encoding: String, in ws: Workspace) throws -> Data {
        let input = ws.root.appendingPathComponent("iconv-in-\(UUID().uuidString)")
        let output = ws.root.appendingPathComponent("iconv-out-\(UUID().uuidString)")
        try Data(text.utf8).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        process.arguments = ["-f", "UTF-8", "-t", encoding, "-o", output.path, input.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try Data(contentsOf: output)
    }

    func expectTheChineseRow(_ report: ImportReport, _ ws: Workspace) async throws {
        #expect(report.fileError == nil, "\(report.human)")
        #expect(report.imported == 1, "\(report.human)")
        #expect(report.rejected == 0, "\(report.human)")
        let rows = try await ws.catalog.dispatchRows(incident: "警2024001")
        #expect(rows.count == 1)
        #expect(rows.first?.officerID == "012345")
        #expect(rows.first?.station == "城关派出所")
        #expect(rows.first?.location == "解放路100号")
    }

    @Test(arguments: ["GBK", "GB18030", "GB2312"])
    func whatExcelWritesOnChineseWindowsIsReadWithoutBeingNamed(encoding: String) async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let path = try write(try iconv(Self.chinese, to: encoding, in: ws), in: ws)
        try await expectTheChineseRow(DispatchImport.run(path: path, catalog: ws.catalog, zone: utc).report, ws)
    }

    @Test(arguments: [("UTF-16LE", [UInt8(0xFF), 0xFE]), ("UTF-16BE", [0xFE, 0xFF])])
    func utf16WithAByteOrderMarkIsRead(encoding: String, bom: [UInt8]) async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let path = try write(Data(bom) + (try iconv(Self.chinese, to: encoding, in: ws)), in: ws)
        try await expectTheChineseRow(DispatchImport.run(path: path, catalog: ws.catalog, zone: utc).report, ws)
    }

    @Test func utf8WithAndWithoutAByteOrderMarkReadsTheSame() async throws {
        for text in [Self.chinese, "\u{FEFF}" + Self.chinese] {
            let ws = try Workspace()
            defer { ws.cleanUp() }
            try await expectTheChineseRow(DispatchImport.run(path: try write(text, in: ws), catalog: ws.catalog, zone: utc).report, ws)
        }
    }

    @Test func textInNoKnownEncodingIsRefusedWithItsLineAndWhatToDo() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        // windows-1252 "Café," is neither UTF-8 nor GB18030 (0xE9 0x2C is no GB18030 pair).
        var bytes = Data("incident_id,officer_id,location\n1,A,x\n2,B,Caf".utf8)
        bytes.append(contentsOf: [0xE9, 0x2C, 0x41, 0x0A])
        let report = await DispatchImport.run(path: try write(bytes, in: ws), catalog: ws.catalog, zone: utc).report
        let error = try #require(report.fileError)
        #expect(error.contains("line 3"), "\(error)")
        #expect(error.contains("--encoding"), "\(error)")
        await #expect(try ws.catalog.dispatchRowCount() == 0)
    }

    @Test func aNULByteRejectsItsRowWithItsLineInsteadOfCuttingTheCell() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let text = "incident_id,officer_id,location\n1,A,main st\n2,B,100\u{0}000\n\"3\",C,\"two\nlines\u{0}\"\n4,D,x\n"
        let report = await DispatchImport.run(path: try write(text, in: ws), catalog: ws.catalog, zone: utc).report
        #expect(report.rowsRead == 4)
        #expect(report.imported == 2)
        #expect(report.rejections.map(\.line) == [3, 4])
        #expect(report.rejections.allSatisfy { $0.reason.description.contains("NUL") }, "\(report.human)")
        await #expect(try ws.catalog.dispatchRows(incident: "2").isEmpty)
        await #expect(try ws.catalog.dispatchRows(incident: "3").isEmpty)
        await #expect(try ws.catalog.dispatchRows(incident: "4").first?.location == "x")
    }

    @Test func rowsWithTooFewOrTooManyFieldsAreRejectedWithTheirLines() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let text = """
            incident_id,officer_id,arrived_at,cleared_at
            1,A,2024-02-14 10:00:00,2024-02-14 11:00:00
            2,B,2024-02-14 10:00:00
            3,C,2024-02-14 10:00:00,2024-02-14 11:00:00,spill
            4,D,,

            """
        let report = await DispatchImport.run(path: try write(text, in: ws), catalog: ws.catalog, zone: utc).report
        #expect(report.imported == 2)
        #expect(report.rejections.map(\.line) == [3, 4])
        #expect(report.rejections.map(\.reason.description) == ["has 3 fields, the header 4", "has 5 fields, the header 4"])
        await #expect(try ws.catalog.dispatchRows(incident: "2").isEmpty)
        await #expect(try ws.catalog.dispatchRows(incident: "3").isEmpty)
    }

    @Test func twoRowsForOneIncidentAndOfficerAreReportedWithBothLines() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let text = """
            incident_id,officer_id,arrived_at,cleared_at
            7,A,2024-02-14 10:00:00,2024-02-14 11:00:00
            8,A,2024-02-14 12:00:00,2024-02-14 13:00:00
            7,A,2024-02-14 10:00:00,2024-02-14 12:30:00
            8,A,2024-02-14 12:00:00,2024-02-14 13:00:00
            7,B,2024-02-14 10:00:00,2024-02-14 11:00:00

            """
        let report = await DispatchImport.run(path: try write(text, in: ws), catalog: ws.catalog, zone: utc).report
        // 7/A differs between lines 2 and 4: neither wins. 8/A repeats exactly: imported once, reported.
        #expect(report.rejections.map(\.line) == [2, 4, 5], "\(report.human)")
        let reasons = report.rejections.map(\.reason.description)
        try #require(reasons.count == 3)
        #expect(reasons[0].contains("line 4") && reasons[1].contains("line 2"), "\(reasons)")
        #expect(reasons[2].contains("line 3"), "\(reasons)")
        #expect(report.imported == 2)
        await #expect(try ws.catalog.dispatchRows(incident: "7").map(\.officerID) == ["B"])
        await #expect(try ws.catalog.dispatchRows(incident: "8").count == 1)
    }

    @Test(arguments: ["0001-01-01 10:00:00", "1999-12-31 23:59:59", "2099-02-14 10:00:00", "9999-12-31 23:59:59"])
    func implausibleDatesAreRejectedWithTheirLines(time: String) async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let text = "incident_id,officer_id,arrived_at\n1,A,2024-02-14 10:00:00\n2,B,\(time)\n"
        let report = await DispatchImport.run(path: try write(text, in: ws), catalog: ws.catalog, zone: utc).report
        #expect(report.imported == 1)
        #expect(report.rejections.map(\.line) == [3])
        #expect(report.rejections.first?.reason.description.contains("arrived_at '\(time)'") == true, "\(report.human)")
        await #expect(try ws.catalog.dispatchRows(incident: "2").isEmpty)
    }

    @Test func theWindowReachesOneDayPastTheImport() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        func local(_ offset: TimeInterval) -> String {
            String(Timestamp.format(Date().addingTimeInterval(offset)).prefix(19)).replacingOccurrences(of: "T", with: " ")
        }
        let text = "incident_id,officer_id,arrived_at\n1,A,2000-01-01 00:00:00\n2,B,\(local(12 * 3600))\n3,C,\(local(2 * 86_400))\n"
        let report = await DispatchImport.run(path: try write(text, in: ws), catalog: ws.catalog, zone: utc).report
        #expect(report.imported == 2, "\(report.human)")
        #expect(report.rejections.map(\.line) == [4])
    }

    @Test func theCheckOutLogGetsTheSameChecks() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let text = """
            设备编号,警号,领用时间,归还时间
            J1,070707,2024-02-14 08:00:00,2024-02-14 18:00:00
            J1,080808,2024-02-14 08:00:00,2024-02-14 18:00:00
            J2,090909,9999-01-01 08:00:00,
            J3,101010,2024-02-14 08:00:00,,
            J4,111111,2024-02-14 08:00:00,2024-02-14 18:00:00

            """
        let report = await DeviceImport.run(path: try write(try iconv(text, to: "GBK", in: ws), in: ws), catalog: ws.catalog, zone: utc).report
        #expect(report.fileError == nil, "\(report.human)")
        #expect(report.imported == 1, "\(report.human)")
        #expect(report.rejections.map(\.line) == [2, 3, 4, 5], "\(report.human)")
        await #expect(try ws.catalog.officer(device: "J1", at: Timestamp.parse("2024-02-14T10:00:00Z", zone: utc)!) == nil)
        await #expect(try ws.catalog.officer(device: "J4", at: Timestamp.parse("2024-02-14T10:00:00Z", zone: utc)!) == "111111")
    }

    @Test func theSamplesAndTheRealCADExportLoseNoValidRow() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        for name in ["dispatch.csv", "dispatch-zh.csv"] {
            let report = await DispatchImport.run(
                path: TestEnvironment.samples.appendingPathComponent(name).path, catalog: ws.catalog, zone: TimeZone(identifier: "Asia/Shanghai")!).report
            #expect(report.fileError == nil && report.rejected == 0 && report.rowsRead == 21, "\(report.human)")
        }
        let devices = await DeviceImport.run(path: TestEnvironment.samples.appendingPathComponent("devices.csv").path, catalog: ws.catalog, zone: utc).report
        #expect(devices.fileError == nil && devices.rejected == 0 && devices.imported == 5, "\(devices.human)")
        // Sacramento PD, January 2019 (CRLF, 25,000 rows): only the rows without an officer are refused.
        let sacramento = TestEnvironment.corpus.appendingPathComponent("cad/sacramento_pd_dispatch_jan2019.csv").path
        let mapping = try DispatchImport.Mapping.load(path: TestEnvironment.samples.appendingPathComponent("mappings/sacramento.json").path)
        let report = await DispatchImport.run(path: sacramento, catalog: ws.catalog, zone: TimeZone(identifier: "America/Los_Angeles")!, mapping: mapping).report
        #expect(report.fileError == nil)
        #expect(report.rowsRead == 25_000)
        #expect(report.imported == 18_511)
        #expect(report.groupedRejections.map(\.reason) == ["officer_id is missing"])
    }
}
