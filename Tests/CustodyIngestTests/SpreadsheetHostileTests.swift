import CustodyTestSupport
import Foundation
import Spreadsheet
import Testing

/// The .xlsx reader parses untrusted bytes (issue 16): damaged workbooks, mutants of a real
/// one, and a part that inflates without end are each refused with a sentence, never a crash
/// or a hang.
@Suite struct SpreadsheetHostileTests {
    /// A workbook openpyxl writes (tools/py-tools installs it).
    static func workbook(_ dir: URL) throws -> Data {
        let python = ProcessInfo.processInfo.environment["CUSTODY_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
            ?? TestEnvironment.packageRoot.appendingPathComponent(".build/py-tools/bin/python").path
        let path = dir.appendingPathComponent("seed.xlsx").path
        let made = try Run.program(URL(fileURLWithPath: python), ["-c", """
            import sys, datetime
            from openpyxl import Workbook
            wb = Workbook(); ws = wb.active; ws.title = "calls"
            ws.append(["incident_id", "officer_id", "arrived_at", "cleared_at", "category"])
            for i in range(40):
                ws.append([f"J{i:05d}", 4500 + i, datetime.datetime(2024, 2, 14, 10, i % 60), "2024-02-14 12:00:00", "纠纷"])
            wb.save(sys.argv[1])
            """, path])
        #expect(made.status == 0, "\(made.stderr)")
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    struct Refusal: Error { var description: String }

    /// Rows read, or the sentence the reader refused the file with (any other error is a bug).
    func read(_ path: String) -> Result<Int, Refusal> {
        do {
            var rows = 0
            _ = try XLSXFile.read(path: path, sheet: nil, header: { _ in }, row: { _ in rows += 1 })
            return .success(rows)
        } catch let failure as XLSXFile.Failure {
            return .failure(Refusal(description: failure.description))
        } catch {
            Issue.record("not a sentence: \(error)")
            return .failure(Refusal(description: "\(error)"))
        }
    }

    @Test func mutantsOfARealWorkbookAreReadOrRefusedNeverACrash() throws {
        let dir = try TestEnvironment.temporaryFolder("xlsx-mutants")
        defer { try? FileManager.default.removeItem(at: dir) }
        let seed = try Self.workbook(dir)
        let path = dir.appendingPathComponent("mutant.xlsx").path
        try seed.write(to: URL(fileURLWithPath: path))
        #expect(try read(path).get() == 40)
        var random = SeededRandom(seed: 16)
        var refused = 0, slowest = 0.0
        for n in 0..<300 {
            var bytes = [UInt8](seed)
            switch n % 4 {
            case 0:  // flip bytes
                for _ in 0..<(1 + Int(random.next() % 8)) { bytes[Int(random.next() % UInt64(bytes.count))] ^= UInt8(1 + random.next() % 255) }
            case 1:  // cut short
                bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
            case 2:  // a run of zeros
                let at = Int(random.next() % UInt64(bytes.count)), length = min(bytes.count - at, 1 + Int(random.next() % 512))
                for i in at..<(at + length) { bytes[i] = 0 }
            default:  // a slice repeated
                let at = Int(random.next() % UInt64(bytes.count)), length = min(bytes.count - at, 1 + Int(random.next() % 256))
                bytes.insert(contentsOf: bytes[at..<(at + length)], at: at)
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let started = Date()
            if case .failure(let f) = read(path) {
                refused += 1
                #expect(!f.description.isEmpty && f.description.contains(path), "a refusal names the file: \(f.description)")
            }
            slowest = max(slowest, Date().timeIntervalSince(started))
        }
        #expect(refused > 0, "some mutants must be refused")
        #expect(slowest < 5, "the slowest mutant took \(slowest) s")
    }

    @Test func aPartThatInflatesPastTheCapIsRefused() throws {
        let dir = try TestEnvironment.temporaryFolder("xlsx-bomb")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bomb.xlsx").path
        let python = ProcessInfo.processInfo.environment["CUSTODY_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/bin/python3"
        // A workbook whose sheet is 300 MB of spaces, about 300 KB compressed.
        let made = try Run.program(URL(fileURLWithPath: python), ["-c", """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="s" sheetId="1"/></sheets></workbook>')
                with z.open("xl/worksheets/sheet1.xml", "w") as f:
                    block = b" " * (1 << 20)
                    for _ in range(300):
                        f.write(block)
            """, path], timeout: 120)
        #expect(made.status == 0, "\(made.stderr)")
        guard case .failure(let f) = read(path) else {
            Issue.record("a 300 MB sheet was read")
            return
        }
        #expect(f.description.contains("inflates past 256 MB"), "\(f.description)")
    }

    @Test(arguments: [
        ("not a zip at all", Data("incident_id,officer_id\n".utf8), "not an .xlsx (ZIP) file"),
        ("an empty file", Data(), "not an .xlsx (ZIP) file"),
    ])
    func damagedWorkbooksGetASentence(name: String, bytes: Data, message: String) throws {
        let dir = try TestEnvironment.temporaryFolder("xlsx-damaged")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.xlsx").path
        try bytes.write(to: URL(fileURLWithPath: path))
        guard case .failure(let f) = read(path) else {
            Issue.record("\(name) was read")
            return
        }
        #expect(f.description.contains(message), "\(name): \(f.description)")
    }
}
