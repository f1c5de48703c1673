import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation
import ServiceLifecycle
import UnixSignals

/// `custody watch [INBOX]`: the drop-folder daemon.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest every file that lands complete in INBOX (default DATA/inbox).",
        discussion: "Runs until SIGINT or SIGTERM, then finishes the files in flight and exits 0.")

    @OptionGroup var options: DataOptions

    @Option(help: "Seconds a file's size and modification time must stay unchanged before it is taken.")
    var settle: Double = 2

    @Option(help: "Seconds between scans of the inbox.")
    var interval: Double = 1

    @Flag(help: "Print one JSON object per file (JSON Lines).")
    var json = false

    @Argument(help: "The folder to watch.")
    var inbox: String?

    func validate() throws {
        if settle < 0 || interval <= 0 { throw ValidationError("--settle must be ≥ 0 and --interval > 0 seconds.") }
    }

    func run() async throws {
        let context = try await options.open()
        let inboxURL = inbox.map { URL(fileURLWithPath: $0) } ?? context.folder.inbox
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: inboxURL.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            Console.error("custody watch: \(inboxURL.path) is not a folder")
            throw ExitCode(1)
        }
        let logger = Logs.logger("custody.watch")
        let ingestor = try context.ingestor(logger: logger)
        let catalog = context.catalog, policy = context.config.policy
        try await Reconcile.atStartUp(ingestor)

        var settings = InboxWatcher.Settings()
        settings.settle = settle
        settings.interval = interval
        let json = self.json
        let watcher = InboxWatcher(ingestor: ingestor, inbox: inboxURL, settings: settings, logger: logger) { result in
            if result.changesFindings, let sha = result.sha256,
               let officers = try? await catalog.officers(ofClips: [sha]), !officers.isEmpty {
                _ = try? await catalog.relinkAndRefreshQueue(officers: officers, policy: policy, actor: "watch")
            }
            if json {
                JSONLineWriter().write(result)
            } else {
                var line = "\(result.status.rawValue) \(result.path)"
                if let reason = result.reason { line += "  (\(reason))" }
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
        Console.error("custody watch: watching \(inboxURL.path) (Ctrl-C or SIGTERM to stop)")
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: watcher), .init(service: context.analysisService(logger: logger))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        Console.error("custody watch: stopped")
    }
}
