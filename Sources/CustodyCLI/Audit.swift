import ArgumentParser
import CustodyCore
import CustodyStore
import Foundation

/// `custody audit [--day YYYY-MM-DD] [--out DIR] [--purge]`: the nightly compliance audit.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The nightly compliance audit: relink a day, check fixity and the audit chain, apply retention, write reports.",
        discussion: """
            Relinks the day's calls and clips and adds their review items; re-hashes the files handed in \
            that day and a rotating share of the rest (each at least once per audit.fixity_cycle_days); \
            walks the audit chain and checks it against the anchors earlier audits wrote; lists footage \
            whose retention has run out (deleted only with --purge, never when held); and writes the day's \
            report (and the ISO week's, on audit.weekly_report_day) as JSON, CSV and HTML in Chinese and \
            English under DATA/reports and --out. One summary line goes to stdout, progress to stderr. \
            Exit status 0 when the audit ran; 2 when an integrity failure was found (each is named).
            """)

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("The day to audit, in the configured zone (default: yesterday).", valueName: "YYYY-MM-DD"))
    var day: String?

    @Option(help: ArgumentHelp("Also write the reports to this folder.", valueName: "DIR"))
    var out: String?

    @Flag(help: "Delete footage whose retention has run out (never held footage); each leaves an audited tombstone.")
    var purge = false

    @Option(help: ArgumentHelp("Who runs the audit, for the audit log and the tombstones (default: the system user).", valueName: "NAME"))
    var by: String?

    func validate() throws {
        if let day, CalendarDay(day) == nil {
            throw ValidationError("--day '\(day)' is not a date: use YYYY-MM-DD, e.g. 2024-02-14.")
        }
    }

    func run() async throws {
        let context = try await options.open()
        let today = CalendarDay(containing: Date(), zone: context.zone)
        let audited = day.flatMap(CalendarDay.init) ?? today.adding(days: -1)
        guard audited <= today else {
            Console.error("custody audit: \(audited) async is after today (\(today) in \(context.zone.configName)): nothing has happened yet.")
            throw ExitCode(1)
        }
        var outFolders: [URL] = []
        if let out {
            let url = URL(fileURLWithPath: out)
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                Console.error("custody audit: cannot create \(out): \(error.localizedDescription)")
                throw ExitCode(1)
            }
            outFolders.append(url)
        }
        var audit = NightlyAudit(context: context, day: audited)
        audit.purge = purge
        audit.outFolders = outFolders
        audit.actor = by ?? "audit:\(ProcessInfo.processInfo.userName)"
        let outcome = try await audit.run()
        Console.out(NightlyAudit.summaryLine(audited, zone: context.zone, outcome))
        if !outcome.integrityProblems.isEmpty { throw ExitCode(2) }
    }
}

/// The audit chain's anchors (written by each audit) as `custody verify` checks them.
enum AuditChainCheck {
    static func anchorProblems(_ context: Context) async throws -> [String] {
        let (anchors, unreadable) = ChainAnchor.load(context.folder.reports.appendingPathComponent(ChainAnchor.fileName))
        return unreadable + (try await context.catalog.checkAnchors(anchors))
    }
}
