import ArgumentParser
import CustodyCore
import CustodyIngest
import Foundation

/// `custody devices import [--tz ZONE] [--encoding NAME] [--json] CSV…`
struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The camera check-out log.",
        subcommands: [DevicesImport.self])
}

struct DevicesImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load camera check-out records (SPEC §4) and attribute clips by them.",
        discussion: "Exit status 0 when every row was valid; 3 when some rows were rejected (valid rows are kept); 1 when nothing could be imported.")

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp(
        "The files' text encoding when detection (UTF-8, UTF-16 with a byte-order mark, else GBK/GB18030) is not enough: one of \(CSVFile.TextEncoding.names).",
        valueName: "NAME"))
    var encoding: String?

    @Option(help: ArgumentHelp("The sheet of an .xlsx file to read (default: the first).", valueName: "NAME"))
    var sheet: String?

    @Flag(help: "Print one JSON report per file.")
    var json = false

    @Argument(help: ArgumentHelp("Check-out CSV or .xlsx files.", valueName: "FILE"))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("Name at least one CSV file to import.") }
        if let encoding, CSVFile.TextEncoding.named(encoding) == nil {
            throw ValidationError("--encoding '\(encoding)' is not an encoding custody reads: use one of \(CSVFile.TextEncoding.names).")
        }
    }

    func run() async throws {
        let context = try await options.open()
        let named = encoding.flatMap(CSVFile.TextEncoding.named)
        var reports: [ImportReport] = []
        var officers = Set<String>()
        for file in files {
            let (report, changed) = await DeviceImport.run(path: file, catalog: context.catalog, zone: context.zone, encoding: named, sheet: sheet)
            officers.formUnion(changed)
            if json { JSONLineWriter().write(report) } else { Console.out(report.human) }
            reports.append(report)
        }
        try await context.relink(officers)
        let status = ImportReport.exitStatus(reports)
        if status != 0 { throw ExitCode(status) }
    }
}
