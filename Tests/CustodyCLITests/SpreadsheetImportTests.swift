import CustodyCore
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Issue 16, item 4: dispatch and check-out logs as Excel leaves them on a Chinese system — a
/// GB18030 CSV (made by iconv) and an .xlsx workbook (made by openpyxl) — with the same
/// validation report and row numbers as any CSV.
@Suite struct SpreadsheetImportTests {
    static let custody = TestEnvironment.custodyBinary

    /// A Python with openpyxl: $CUSTODY_PYTHON (tools/test sets it from tools/py-tools), else
    /// the one tools/py-tools made.
    static func python() throws -> String {
        if let p = ProcessInfo.processInfo.environment["CUSTODY_PYTHON"], !p.isEmpty { return p }
        let made = TestEnvironment.packageRoot.appendingPathComponent(".build/py-tools/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: made) else {
            throw TestFailure("no Python with openpyxl: run tools/py-tools (tools/test does)")
        }
        return made
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// A workbook like a 110 export: a title row, the header, real date cells, a badge typed as
    /// a number, a row whose clearance is before its arrival (row 5), and a second sheet with the
    /// camera check-outs.
    static let workbook = #"""
        import sys, datetime
        from openpyxl import Workbook
        wb = Workbook()
        ws = wb.active
        ws.title = "110警情"
        ws.append(["110接处警记录 2024年2月"])
        ws.merge_cells("A1:F1")
        ws.append(["警情编号", "警号", "到达时间", "处警结束时间", "警情类别", "地址"])
        d = datetime.datetime
        ws.append(["J2024021400001", 4567, d(2024, 2, 14, 10, 5, 0), d(2024, 2, 14, 10, 40, 0), "纠纷", "人民路 12 号"])
        ws.append(["J2024021400002", "4568", "2024-02-14 11:00:00", "2024-02-14 11:30:00", "盗窃", None])
        ws.append(["J2024021400003", 4569, d(2024, 2, 14, 12, 0, 0), d(2024, 2, 14, 11, 0, 0), "求助", "解放路"])
        ws.append([])
        ws.append(["J2024021400004", 4570, d(2024, 2, 14, 13, 0, 0), None, "交通", "中山路"])
        for row in ws.iter_rows(min_row=3, min_col=3, max_col=4):
            for cell in row:
                if isinstance(cell.value, d):
                    cell.number_format = "yyyy/m/d h:mm:ss"
        devices = wb.create_sheet("领用登记")
        devices.append(["设备编号", "警号", "领用时间", "归还时间"])
        devices.append(["DSJ-0001", 4567, d(2024, 2, 14, 8, 0, 0), d(2024, 2, 14, 20, 0, 0)])
        devices.append(["DSJ-0002", 4568, "不详", None])
        wb.save(sys.argv[1])
        """#

    @Test func anXLSXWorkbookIsImportedWithItsRowNumbers() async throws {
        let dir = try TestEnvironment.temporaryFolder("xlsx")
        defer { try? FileManager.default.removeItem(at: dir) }
        let book = dir.appendingPathComponent("110-2024-02.xlsx").path
        let made = try Run.program(URL(fileURLWithPath: try Self.python()), ["-c", Self.workbook, book])
        #expect(made.status == 0, "\(made.stderr)")
        let data = dir.appendingPathComponent("data").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try Data("time_zone = \"Asia/Shanghai\"\n".utf8).write(to: URL(fileURLWithPath: data + "/config.toml"))

        let run = try Run.program(Self.custody, ["dispatch", "import", "--data", data, book])
        #expect(run.status == 3, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("4 rows read (xlsx, sheet '110警情'), 3 imported (3 new, 0 updated, 0 unchanged), 1 rejected"), "\(run.stdout)")
        #expect(run.stdout.contains("line 5: cleared_at is before arrived_at"), "the spreadsheet's own row number: \(run.stdout)")
        let c = try await Catalog(path: data + "/custody.sqlite")
        let first = try #require(try await c.dispatchRows(incident: "J2024021400001").first)
        #expect(first.officerID == "4567", "a badge typed as a number is 4567, not 4567.0")
        #expect(first.arrivedAt.map { Timestamp.format($0) } == "2024-02-14T02:05:00Z", "a date cell is wall-clock time in the folder's zone")
        #expect(first.category == "纠纷" && first.location == "人民路 12 号")
        let second = try #require(try await c.dispatchRows(incident: "J2024021400002").first)
        #expect(second.clearedAt.map { Timestamp.format($0) } == "2024-02-14T03:30:00Z" && second.location == nil)
        #expect(try await c.dispatchRows(incident: "J2024021400004").first?.clearedAt == nil)

        // The check-out sheet, named; its bad row reported by its row number.
        let devices = try Run.program(Self.custody, ["devices", "import", "--data", data, "--sheet", "领用登记", "--json", book])
        #expect(devices.status == 3, "\(devices.stdout)\(devices.stderr)")
        let line = try #require(devices.stdoutLines.first)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(record["rows"] as? Int == 2 && record["imported"] as? Int == 1 && record["encoding"] as? String == "xlsx, sheet '领用登记'")
        let rejection = try #require((record["rejections"] as? [[String: Any]])?.first)
        #expect(rejection["line"] as? Int == 3 && (rejection["reason"] as? String ?? "").contains("checked_out_at '不详' is not a time"), "\(rejection)")

        // A sheet that is not there, and --sheet on a CSV, are said plainly.
        let missing = try Run.program(Self.custody, ["dispatch", "import", "--data", data, "--sheet", "Sheet9", book])
        #expect(missing.status == 1 && missing.stdout.contains("has no sheet 'Sheet9'; its sheets: '110警情', '领用登记'"), "\(missing.stdout)")
        let csv = dir.appendingPathComponent("calls.csv")
        try Data("incident_id,officer_id\n1,A\n".utf8).write(to: csv)
        let notABook = try Run.program(Self.custody, ["dispatch", "import", "--data", data, "--sheet", "x", csv.path])
        #expect(notABook.status == 1 && notABook.stdout.contains("is not a spreadsheet (.xlsx)"), "\(notABook.stdout)")
        // Bytes that only pretend to be a workbook.
        let fake = dir.appendingPathComponent("fake.xlsx")
        try Data("incident_id,officer_id\n1,A\n".utf8).write(to: fake)
        let refused = try Run.program(Self.custody, ["dispatch", "import", "--data", data, fake.path])
        #expect(refused.status == 1 && refused.stdout.contains("not an .xlsx (ZIP) file"), "\(refused.stdout)")
    }

    @Test func aGB18030ExportFromExcelIsDetectedAndItsBadRowNamed() async throws {
        let dir = try TestEnvironment.temporaryFolder("gb18030")
        defer { try? FileManager.default.removeItem(at: dir) }
        let utf8 = dir.appendingPathComponent("utf8.csv")
        try Data("""
            警情编号,警号,到达时间,处警结束时间,警情类别,地址
            J1,4567,2024-02-14 10:05:00,2024-02-14 10:40:00,纠纷,人民路 12 号
            J2,4568,2024年2月14日,2024-02-14 11:30:00,盗窃,解放路
            J3,4569,2024-02-14 12:00:00,2024-02-14 12:30:00,求助,𠀋街

            """.utf8).write(to: utf8)
        let gb = dir.appendingPathComponent("110.csv")
        // iconv, not this code, writes the GB18030 bytes (𠀋 is outside GBK: four bytes).
        let iconv = try Run.program(URL(fileURLWithPath: "/usr/bin/iconv"), ["-f", "UTF-8", "-t", "GB18030", "-o", gb.path, utf8.path])
        #expect(iconv.status == 0, "\(iconv.stderr)")
        let bytes = try Data(contentsOf: gb)
        #expect(String(data: bytes, encoding: .utf8) == nil, "the file is not UTF-8")
        let data = dir.appendingPathComponent("data").path
        let run = try Run.program(Self.custody, ["dispatch", "import", "--data", data, "--tz", "Asia/Shanghai", gb.path])
        #expect(run.status == 3, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("3 rows read (GB18030), 2 imported"), "\(run.stdout)")
        #expect(run.stdout.contains("line 3: arrived_at '2024年2月14日' is not a time"), "\(run.stdout)")
        let c = try await Catalog(path: data + "/custody.sqlite")
        await #expect(try c.dispatchRows(incident: "J1").first?.location == "人民路 12 号")
        await #expect(try c.dispatchRows(incident: "J3").first?.location == "𠀋街")
        // Named instead of detected: the same.
        let named = try Run.program(Self.custody, ["dispatch", "import", "--data", data, "--tz", "Asia/Shanghai", "--encoding", "GBK", gb.path])
        #expect(named.stdout.contains("0 new, 0 updated, 2 unchanged"), "\(named.stdout)")
    }
}
