import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation

/// `custody dispatch import [--tz ZONE] [--mapping FILE] [--encoding NAME] [--json] CSV…`
struct Dispatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dispatch (110 / CAD) records.",
        subcommands: [DispatchImportCommand.self])
}

struct DispatchImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load dispatch records (SPEC §3), then link them to footage.",
        discussion: """
            Prints a validation report per file: rows read, imported, rejected (grouped by reason, with \
            line numbers), incidents new and updated, and after linking how many judged calls have footage. \
            Exit status 0 when every row was valid; 3 when some rows were rejected (valid rows are kept); \
            1 when nothing could be imported.
            """)

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("A JSON mapping for another CAD export's columns (SPEC §3).", valueName: "FILE"))
    var mapping: String?

    @Option(help: ArgumentHelp(
        "The files' text encoding when detection (UTF-8, UTF-16 with a byte-order mark, else GBK/GB18030) is not enough: one of \(CSVFile.TextEncoding.names).",
        valueName: "NAME"))
    var encoding: String?

    @Option(help: ArgumentHelp("The sheet of an .xlsx file to read (default: the first).", valueName: "NAME"))
    var sheet: String?

    @Flag(help: "Print one JSON report per file, then a linking summary (JSON Lines).")
    var json = false

    @Argument(help: ArgumentHelp("Dispatch CSV or .xlsx files.", valueName: "FILE"))
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
        var map = DispatchImport.Mapping()
        if let mapping {
            do {
                map = try DispatchImport.Mapping.load(path: mapping)
            } catch {
                Console.error("custody dispatch import: \(error.description)")
                throw ExitCode(1)
            }
        }
        var reports: [ImportReport] = []
        var officers = Set<String>()
        let output = JSONLineWriter()
        let firstImport = try await context.catalog.dispatchRowCount() == 0
        for file in files {
            var (report, changed) = await DispatchImport.run(path: file, catalog: context.catalog, zone: context.zone, mapping: map, encoding: named, sheet: sheet)
            report.timeZone = context.zone.configName
            officers.formUnion(changed)
            reports.append(report)
            if json { output.write(report) } else { Console.out(report.human) }
        }
        if let note = Self.zoneNote(read: context.zone, folder: context.folderZone, firstImport: firstImport,
                                    imported: reports.contains { $0.imported > 0 }, config: context.folder.configPath) {
            Console.error(note)
        }
        try await context.catalog.relinkAndRefreshQueue(officers: officers, policy: context.config.policy, actor: "cli")
        let figures = try await context.catalog.coverageFigures()
        if json {
            var o = JSONObjectBuilder()
            o.add("judged_calls", figures.judged)
            o.add("judged_calls_with_footage", figures.judgedWithFootage)
            o.add("judged_calls_fully_covered", figures.fullyCovered)
            o.add("unlinked_clips", figures.unlinkedClips)
            o.add("unattributed_clips", figures.unattributedClips)
            output.write(JSONValue.object([("linking", o.value)]))
        } else {
            Console.out(LinkCommand.describe(figures))
        }
        let status = ImportReport.exitStatus(reports)
        if status != 0 { throw ExitCode(status) }
    }
}

extension DispatchImportCommand {
    /// What to tell the user about zones (issue 16): the rows' local times were read in `read`,
    /// but days (`custody audit --day`, reports, the handling bulletins) are counted in the data
    /// folder's `time_zone`. Said when they differ, and on the first import into a folder.
    static func zoneNote(read: TimeZone, folder: TimeZone, firstImport: Bool, imported: Bool, config: String) -> String? {
        guard imported else { return nil }
        if read.configName != folder.configName {
            return """
                custody dispatch import: warning: the rows' local times were read in \(read.configName) (--tz), but this data folder \
                counts days in \(folder.configName): custody audit --day, reports and bulletins cut days at \(folder.configName) midnight. \
                If the calls happened in \(read.configName), set time_zone = "\(read.configName)" in \(config).
                """
        }
        if firstImport {
            return """
                custody dispatch import: the rows' local times were read in \(read.configName), the zone of this data folder \
                (time_zone in \(config)), and days are counted in it. If the export is in another zone, set time_zone there \
                (e.g. time_zone = "Asia/Shanghai") and import again: rows read in the wrong zone are updated, not doubled.
                """
        }
        return nil
    }
}

/// `custody link`: recompute every link and finding.
struct LinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Recompute every clip↔incident link and every finding.")

    @OptionGroup var options: DataOptions

    func run() async throws {
        let context = try await options.open()
        let started = Date()
        let summary = try await context.catalog.relink(officers: nil, policy: context.config.policy, actor: "cli")
        Console.out("linked \(summary.officers) officer(s): \(summary.links) link(s), \(summary.findings) finding(s) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        Console.out("(a running custody serve brings its review queue up to date within 5 minutes)")
        await Console.out(Self.describe(try context.catalog.coverageFigures()))
    }

    static func describe(_ f: Catalog.CoverageFigures) -> String {
        let share = f.judged > 0 ? String(format: " (%.1f%%)", 100 * Double(f.judgedWithFootage) / Double(f.judged)) : ""
        return "judged calls: \(f.judged), with footage: \(f.judgedWithFootage)\(share), fully covered: \(f.fullyCovered); "
            + "unlinked clips: \(f.unlinkedClips), unattributed clips: \(f.unattributedClips)"
    }
}

/// `custody gaps [--json] [--incident ID] [--officer ID] [--since T] [--until T] [--as-of T] [--kind K]…`
struct Gaps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List findings: the recording (SPEC §7) and the 110 handling of calls.")

    @OptionGroup var options: DataOptions

    @Flag(help: "Print one JSON object per finding (JSON Lines).")
    var json = false

    @Option(help: "Only this incident.")
    var incident: String?

    @Option(help: "Only this officer.")
    var officer: String?

    @Option(help: ArgumentHelp("Only findings that end at or after T (ISO 8601).", valueName: "T"))
    var since: String?

    @Option(help: ArgumentHelp("Only findings that start at or before T (ISO 8601).", valueName: "T"))
    var until: String?

    @Option(name: .customLong("as-of"), help: ArgumentHelp(
        "Judge the handling of calls as of T (ISO 8601; default now): a call open at T for longer than its limit is not_closed.",
        valueName: "T"))
    var asOf: String?

    @Option(help: ArgumentHelp(
        "Only this kind (repeatable): \((FindingKind.allCases.map(\.rawValue) + HandlingKind.allCases.map(\.rawValue)).joined(separator: ", ")).",
        valueName: "K"))
    var kind: [String] = []

    func validate() throws {
        let known = FindingKind.allCases.map(\.rawValue) + HandlingKind.allCases.map(\.rawValue)
        if let wrong = kind.first(where: { !known.contains($0) }) {
            throw ValidationError("--kind '\(wrong)' is not a finding kind: use one of \(known.joined(separator: ", ")).")
        }
        for (name, value) in [("--since", since), ("--until", until), ("--as-of", asOf)] {
            if let value, Timestamp.parse(value, zone: TimeZone(identifier: "UTC")!) == nil {
                throw ValidationError("\(name) '\(value)' is not a time: use ISO 8601, e.g. 2024-02-14T00:00:00Z.")
            }
        }
    }

    func run() async throws {
        let context = try await options.open()
        let query = Catalog.FindingQuery(
            incidentID: incident, officerID: officer,
            since: since.flatMap { Timestamp.parse($0, zone: context.zone) },
            until: until.flatMap { Timestamp.parse($0, zone: context.zone) })
        let kinds = Set(kind)
        let findings = try await context.catalog.findings(query).filter { kinds.isEmpty || kinds.contains($0.kind.rawValue) }
        let handlingKinds = Set(HandlingKind.allCases.filter { kinds.isEmpty || kinds.contains($0.rawValue) })
        let handling = handlingKinds.isEmpty ? [] : try await context.catalog.handlingFindings(
            policy: context.config.policy.handling,
            asOf: asOf.flatMap { Timestamp.parse($0, zone: context.zone) } ?? Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)),
            incidentID: incident, officerID: officer, since: query.since, until: query.until, kinds: handlingKinds)
        // One list in print order (incident, officer, kind, start): the recording findings keep
        // their order, the handling ones fall in beside them.
        enum Line { case recording(Finding), handling(HandlingFinding) }
        func key(_ line: Line) -> (String, String, String, Double) {
            switch line {
            case .recording(let f): (f.incidentID ?? "", f.officerID, f.kind.rawValue, f.start)
            case .handling(let f): (f.incidentID, f.officerID, f.kind.rawValue, f.start)
            }
        }
        let lines = (findings.map(Line.recording) + handling.map(Line.handling)).sorted { key($0) < key($1) }
        if json {
            let output = JSONLineWriter()
            for line in lines {
                switch line {
                case .recording(let f): output.write(f)
                case .handling(let f): output.write(f)
                }
            }
            return
        }
        guard !lines.isEmpty else {
            Console.out("no findings")
            return
        }
        let header = ["incident", "officer", "kind", "start", "end", "seconds", "coverage / limit"]
        var table = [header]
        for line in lines {
            switch line {
            case .recording(let f):
                table.append([
                    f.incidentID ?? "-", f.officerID, f.kind.rawValue,
                    Timestamp.format(Date(timeIntervalSince1970: f.start)), Timestamp.format(Date(timeIntervalSince1970: f.end)),
                    String(f.seconds),
                    (f.coverage.map { String(format: "%.0f%%", $0 * 100) } ?? (f.kind == .clockDrift ? "device \(f.deviceID ?? "?")" : "-"))
                        + (f.clockOffset.map { String(format: f.kind == .clockDrift ? ", clock %+.0f s" : " (clock corrected %+.0f s)", $0) } ?? ""),
                ])
            case .handling(let f):
                table.append([
                    f.incidentID, f.officerID, f.kind.rawValue,
                    Timestamp.format(Date(timeIntervalSince1970: f.start)), Timestamp.format(Date(timeIntervalSince1970: f.end)),
                    String(f.seconds), "limit \(Int(f.limitSeconds.rounded())) s",
                ])
            }
        }
        let widths = header.indices.map { c in table.map { $0[c].count }.max() ?? 0 }
        for row in table {
            Console.out(row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
        let counts = Dictionary(grouping: lines.map { key($0).2 }, by: { $0 }).map { "\($0.value.count) \($0.key)" }.sorted()
        Console.out("\n\(lines.count) finding(s): \(counts.joined(separator: ", "))")
    }
}
