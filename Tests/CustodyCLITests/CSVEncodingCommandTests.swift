import CustodyCore
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Issue 11 item 7: `--encoding NAME` on both imports, for files detection cannot tell apart.
@Suite struct CSVEncodingCommandTests {
    static let custody = TestEnvironment.custodyBinary

    @Test func dispatchImportReadsANamedEncodingAndRefusesAnUnknownName() async throws {
        let dir = try TestEnvironment.temporaryFolder("csv-encoding")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        let file = dir.appendingPathComponent("calls.csv")
        // windows-1252: "Café" is 0x43 0x61 0x66 0xE9, neither UTF-8 nor GB18030 before a comma.
        try (Data("incident_id,officer_id,location\n1,A,Caf".utf8) + Data([0xE9]) + Data("\n".utf8)).write(to: file)
        let guessed = try Run.program(Self.custody, ["dispatch", "import", "--data", data, file.path])
        #expect(guessed.status == 1, "\(guessed.stdout)\(guessed.stderr)")
        #expect(guessed.stdout.contains("--encoding"), "\(guessed.stdout)")

        let named = try Run.program(Self.custody, ["dispatch", "import", "--data", data, "--encoding", "windows-1252", "--json", file.path])
        #expect(named.status == 0, "\(named.stdout)\(named.stderr)")
        #expect(named.stdout.contains("\"encoding\":\"windows-1252\""), "\(named.stdout)")
        #expect(try await Catalog(path: data + "/custody.sqlite").dispatchRows(incident: "1").first?.location == "Café")

        let unknown = try Run.program(Self.custody, ["dispatch", "import", "--data", data, "--encoding", "EBCDIC-FI", file.path])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("GB18030"), "\(unknown.stderr)")
    }

    @Test func devicesImportReadsANamedEncoding() throws {
        let dir = try TestEnvironment.temporaryFolder("csv-encoding")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        let file = dir.appendingPathComponent("checkouts.csv")
        let gbk = String.Encoding(rawValue: 0x8000_0632)
        try #require("设备编号,警号,领用时间\nJ1,070707,2024-02-14 08:00:00\n".data(using: gbk)).write(to: file)
        let result = try Run.program(Self.custody, ["devices", "import", "--data", data, "--tz", "UTC", "--encoding", "GBK", "--json", file.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("\"encoding\":\"GB18030\""), "\(result.stdout)")
        #expect(result.stdout.contains("\"imported\":1"), "\(result.stdout)")
        // A name that contradicts the file's byte-order mark is refused, not obeyed.
        try (Data([0xFF, 0xFE]) + Data("device_id\n".utf16LE)).write(to: file)
        let contradicted = try Run.program(Self.custody, ["devices", "import", "--data", data, "--encoding", "GBK", file.path])
        #expect(contradicted.status == 1)
        #expect(contradicted.stdout.contains("byte-order mark"), "\(contradicted.stdout)")
    }
}

private extension String {
    var utf16LE: [UInt8] { utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
}
