import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation
import Logging

/// `--data DIR` (SPEC §1) and the zone in which local times are read.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Data folder (default: $CUSTODY_DATA, else ./custody-data).", valueName: "DIR"))
    var data: String?

    @Option(help: ArgumentHelp("Zone in which file-name and other local times are read (IANA name; default UTC).", valueName: "ZONE"))
    var tz: String?

    func validate() throws {
        if let tz, TimeZone(identifier: tz) == nil {
            throw ValidationError("Unknown time zone '\(tz)': use an IANA name such as Asia/Shanghai.")
        }
    }

    /// The data folder, its catalog and its configuration (`--tz` overrides the zone), for a
    /// command that writes (see `open(_:)` in DataFolderGate.swift).
    func open() async throws -> Context {
        try await open(.write)
    }
}

/// What every command that touches stored data works with.
struct Context {
    let folder: DataFolder
    let catalog: Catalog
    let config: CustodyConfiguration
    /// Where stored files are: `[vault]` in config.toml, default the data folder.
    let vault: any Vault
    /// The zone config.toml names (`time_zone`), in which days are counted whatever `--tz` says.
    let folderZone: TimeZone

    var zone: TimeZone { config.timeZone }

    func naming() throws -> FileNameConvention {
        try config.fileNaming()
    }

    func ingestor(logger: Logger) throws -> Ingestor {
        Ingestor(folder: folder, catalog: catalog, inspector: ClipInspector(naming: try naming()), logger: logger, node: config.node.id, vault: vault)
    }

    /// The background worker of the content-analysis queue (issue 14) for `watch` and `serve`.
    func analysisService(logger: Logger) -> ContentAnalysisService {
        ContentAnalysisService(
            catalog: catalog, vault: vault, policy: config.policy, node: config.node.id, scratch: folder.staging, logger: logger)
    }

    /// Recomputes links and findings for these officers and says so on stderr.
    func relink(_ officers: Set<String>) async throws {
        guard !officers.isEmpty else { return }
        let started = Date()
        let summary = try await catalog.relinkAndRefreshQueue(officers: officers, policy: config.policy, actor: "cli")
        let ms = Int(Date().timeIntervalSince(started) * 1000)
        if summary.queuedOfficers > 0 {
            Console.error(
                "custody: another process is relinking (custody link, an ingest or the nightly audit): linking \(summary.queuedOfficers) officer(s) "
                    + "is queued for it and happens before it ends (or at the next relink); nothing to do")
        } else {
            Console.error("custody: relinked \(officers.count) officer(s) in \(ms) ms: \(summary.links) link(s), \(summary.findings) finding(s)")
        }
    }
}

enum Logs {
    /// Only the executable bootstraps logging: warnings and worse to stderr.
    static let bootstrap: Void = {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
    }()

    static func logger(_ label: String) -> Logger {
        _ = bootstrap
        return Logger(label: label)
    }
}
