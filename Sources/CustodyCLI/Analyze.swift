public import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation

/// `custody analyze [--json] FILE…` and `custody analyze --pending` (issue 14).
struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find where a clip's picture is obscured or frozen, or its sound muted.",
        discussion: """
            With FILEs: prints each file's stretches and stores nothing (the data folder's \
            [content] settings apply when it has a config.toml; else the defaults). Exit status \
            0 when every file was analysed, 1 when any could not be (its line is still printed, \
            with `error`). With --pending: works the data folder's analysis queue in the \
            foreground (every stored clip waits there), then updates the findings of the calls \
            concerned.
            """)

    @OptionGroup var options: DataOptions

    @Flag(help: "Print one JSON object per file (JSON Lines).")
    var json = false

    @Flag(help: "Work the data folder's queue of stored clips waiting for analysis.")
    var pending = false

    @Flag(help: "With --pending: first put clips whose analysis failed back in the queue (e.g. after an FFmpeg upgrade).")
    var retryFailed = false

    @Option(help: "With --pending: analyse at most this many clips.")
    var limit: Int?

    @Argument(help: ArgumentHelp("Media files or folders.", valueName: "FILE"))
    var files: [String] = []

    func validate() throws {
        if pending && !files.isEmpty { throw ValidationError("Give either FILEs or --pending, not both.") }
        if !pending && files.isEmpty { throw ValidationError("Name at least one file or folder to analyse, or use --pending.") }
        if !pending && (retryFailed || limit != nil) { throw ValidationError("--retry-failed and --limit go with --pending.") }
        if let limit, limit <= 0 { throw ValidationError("--limit must be a positive number of clips.") }
    }

    func run() async throws {
        if pending { return try await workQueue() }
        let policy = try contentPolicy()
        let listing = FileWalker.expand(files)
        for problem in listing.problems { Console.error(problem) }
        let paths = listing.files
        let output = JSONLineWriter()
        var failed = 0
        let progress = Progress(total: paths.count, label: "analysed")
        // One file: decoded on several threads; several: one thread each, as many at once as cores.
        let threads = paths.count > 1 ? 1 : 0
        OrderedParallel.forEach(count: paths.count, work: { ContentAnalysis.analyze(path: paths[$0], policy: policy, threads: threads) }) { _, result in
            if result.error != nil { failed += 1 }
            if json {
                output.write(result)
            } else {
                Console.out(Self.describe(result))
            }
            progress.step()
        }
        progress.finish()
        if failed > 0 || !listing.problems.isEmpty { throw ExitCode(1) }
    }

    /// `[content]` of the data folder's config.toml when there is one; nothing is created.
    private func contentPolicy() throws -> ContentPolicy {
        let config = DataFolder.resolve(options.data) + "/config.toml"
        guard FileManager.default.fileExists(atPath: config) else { return ContentPolicy() }
        do {
            return try ConfigFile.loadOrCreate(path: config).policy.content
        } catch {
            Console.error("custody analyze: \(error.description)")
            throw ExitCode(1)
        }
    }

    static func describe(_ r: ContentAnalysis.FileResult) -> String {
        if let error = r.error { return "\(r.path): cannot be analysed: \(error)" }
        let length = r.duration.map { String(format: "%.1f s", $0) } ?? "unknown length"
        guard !r.stretches.isEmpty else { return "\(r.path): \(length), nothing obscured, frozen or muted" }
        let parts = r.stretches.map { s in
            String(format: "%@ %.1f–%.1f s (%.1f s)", s.kind.rawValue, s.start, s.end, s.length)
        }
        return "\(r.path): \(length); " + parts.joined(separator: "; ")
    }

    private func workQueue() async throws {
        let context = try await options.open()
        let catalog = context.catalog
        if retryFailed {
            let n = try await catalog.requeueAnalysis(sha256s: nil, actor: "cli")
            Console.error("custody analyze: \(n) clip(s) whose analysis had failed are queued again")
        }
        let counts = try await catalog.analysisCounts()
        let waiting = counts.pending - counts.working
        guard waiting > 0 else {
            Console.error("custody analyze: nothing waits for analysis (\(counts.done) analysed, \(counts.failed) could not be, \(counts.working) being analysed elsewhere)")
            return
        }
        let total = min(waiting, limit ?? .max)
        let bar = ProgressBar(total: total, label: "analysing")
        let summary = try await ContentAnalysis.workAndRelink(
            catalog: catalog, vault: context.vault, policy: context.config.policy, node: context.config.node.id,
            scratch: context.folder.staging, limit: total, actor: "cli", progress: { bar.update($0) })
        bar.finish()
        Console.error(
            "custody analyze: \(summary.analyzed) clip(s) analysed, \(summary.stretches) stretch(es) found"
                + (summary.failed > 0 ? ", \(summary.failed) attempt(s) failed (\(summary.gaveUp) given up as unreadable)" : "")
                + (summary.officers.isEmpty ? "" : "; findings updated for \(summary.officers.count) officer(s)"))
        if summary.gaveUp > 0 { throw ExitCode(1) }
    }
}

/// A one-line progress bar on stderr, redrawn in place on a terminal and every 10 % elsewhere.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let started = Date()
    private let lock = NSLock()
    private var lastShown = -1
    private let terminal = isatty(2) != 0

    init(total: Int, label: String) {
        self.total = max(1, total)
        self.label = label
    }

    func update(_ done: Int) {
        lock.lock()
        defer { lock.unlock() }
        let percent = min(100, done * 100 / total)
        guard terminal || percent / 10 != lastShown / 10 || done == total else { return }
        lastShown = percent
        let width = 30
        let filled = width * percent / 100
        let elapsed = Date().timeIntervalSince(started)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = String(format: "%@ [%@] %d/%d %3d%% (%.0f s left)", label, bar, done, total, percent, eta)
        FileHandle.standardError.write(Data(((terminal ? "\r" : "") + line + (terminal ? "" : "\n")).utf8))
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
