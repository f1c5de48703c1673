import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation

/// `custody ingest [--officer ID] [--device ID] [--received-at T] [--move] [--json] PATH…`
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store files (folders are walked) as evidence.",
        discussion: """
            Each file is copied (or moved, with --move) into the vault under its SHA-256, probed, \
            and catalogued with a receipt. Unreadable media goes to quarantine with its reason. \
            Exit status 0 when every file was stored, including duplicates and quarantined files; \
            1 when a file could not be stored at all.
            """)

    @OptionGroup var options: DataOptions

    @Option(help: "The officer who recorded these files (overrides the file name).")
    var officer: String?

    @Option(help: "The camera that recorded these files.")
    var device: String?

    @Option(help: ArgumentHelp("When a collection station received the files (ISO 8601), for back-filled imports.", valueName: "T"))
    var receivedAt: String?

    @Flag(help: "Remove each source file once it is safely stored.")
    var move = false

    @Flag(help: "Print one JSON object per file (JSON Lines).")
    var json = false

    @Argument(help: ArgumentHelp("Files or folders to ingest.", valueName: "PATH"))
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("Name at least one file or folder to ingest.") }
        if let receivedAt, Timestamp.parse(receivedAt, zone: TimeZone(identifier: "UTC")!) == nil {
            throw ValidationError("--received-at '\(receivedAt)' is not a time: use ISO 8601, e.g. 2024-02-14T12:00:00Z.")
        }
    }

    func run() async throws {
        let context = try await options.open()
        let ingestor = try context.ingestor(logger: Logs.logger("custody.ingest"))
        try await Reconcile.atStartUp(ingestor)

        let listing = SourceWalker.expand(paths.map(RawPath.init))
        for problem in listing.problems {
            Console.error("\(problem.path): \(problem.reason)")
        }
        let missing = listing.problems.contains { $0.reason == "no such file or folder" }
        let received = receivedAt.flatMap { Timestamp.parse($0, zone: context.zone) }
        let files = listing.files
        let (officer, device, move) = (officer, device, move)
        let request: @Sendable (RawPath) -> IngestRequest = { source in
            IngestRequest(source: source, officer: officer, device: device, receivedAt: received, move: move)
        }
        let output = JSONLineWriter()
        var counts: [IngestResult.Status: Int] = [:]
        var stored: [String] = []
        let progress = Progress(total: files.count, label: "ingested")
        await OrderedParallel.forEach(count: files.count, width: 2, work: { await ingestor.ingest(request(files[$0])) }) { _, result in
            counts[result.status, default: 0] += 1
            if result.changesFindings, let sha = result.sha256 { stored.append(sha) }
            if json {
                output.write(result)
            } else {
                var line = "\(result.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(result.path)"
                if let sha = result.sha256 { line += "  \(sha.prefix(12))…" }
                if let reason = result.reason { line += "  (\(reason))" }
                Console.out(line)
            }
            progress.step(bytes: result.size ?? 0)
        }
        progress.finish()
        let summary = IngestResult.Status.allCases.compactMap { status in
            counts[status].map { "\($0) \(status.rawValue)" }
        }
        Console.error("custody ingest: \(files.count) file(s): " + (summary.isEmpty ? "nothing to do" : summary.joined(separator: ", ")))
        // Stored is stored: a failed relink is said as such, not as a failed hand-in.
        do {
            if ProcessInfo.processInfo.environment["CUSTODY_FAILPOINT"] == "relink-fails" {
                throw StoreFailure(code: .diskFull, path: context.folder.root.path, detail: "injected fault")
            }
            try await context.relink(try context.catalog.officers(ofClips: stored))
        } catch {
            Console.error(
                "custody ingest: the \(stored.count) file(s) ingested above are stored, but linking them to calls failed "
                    + "(\(StoreFailure.explain(error, folder: context.folder.root.path))); the links and findings will be made by "
                    + "the next `custody link` or nightly `custody audit`; run `custody link` once the cause is fixed")
        }
        if (counts[.failed] ?? 0) > 0 || missing {
            throw ExitCode(1)
        }
    }
}

enum Reconcile {
    static func atStartUp(_ ingestor: Ingestor) async throws {
        let report = try await ingestor.reconcile()
        guard !report.isEmpty else { return }
        Console.error(
            "custody: start-up reconciliation finished \(report.finished) interrupted hand-in(s), "
                + "dropped \(report.abandoned), put back \(report.restored) moved source(s), swept \(report.sweptStaging) staging file(s), "
                + "found \(report.orphans) stored file(s) without a catalog row")
        for problem in report.problems {
            Console.error("custody: \(problem)")
        }
    }
}
