public import Foundation
public import Logging
public import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// The drop-folder daemon: ingests every file that lands complete in the inbox.
///
/// The drop-folder protocol, so that a file still being written is never sealed:
/// - names a writer uses while it writes (`.part`, `.tmp`, `.crdownload`, hidden, `~`; see
///   `SourceWalker.isIgnorableName`) are ignored: a station that writes under a temporary
///   name and renames at the end is picked up at the rename;
/// - a file is taken once its inode, size and modification time have stayed the same for
///   `settle` seconds *and* no process has it open for writing (asked of the kernel with a
///   read lease, where the file system allows one), so a slow copy that pauses longer than
///   the settle time is waited for;
/// - it is sealed by a copy into staging (a new inode: later writes can never reach the vault
///   file), hashed in the same pass, and the copy is thrown away if the source changed
///   meanwhile; the stored file is read-only;
/// - the inbox file is removed only once the vault file and its catalog row are durable, and
///   only if it is still the file that was copied. On graceful shutdown
/// (SIGTERM) no new file is started and the ones in flight are finished before `run` returns.
public struct InboxWatcher: Service {
    public struct Settings: Sendable {
        public var interval: Double = 1
        public var settle: Double = 2
        public var width: Int = 2
        public init() {}
    }

    let ingestor: Ingestor
    let inbox: URL
    let settings: Settings
    let logger: Logger
    let report: @Sendable (IngestResult) async -> Void

    public init(ingestor: Ingestor, inbox: URL, settings: Settings, logger: Logger, report: @escaping @Sendable (IngestResult) async -> Void) {
        self.ingestor = ingestor
        self.inbox = inbox
        self.settings = settings
        self.logger = logger
        self.report = report
    }

    typealias Observation = SourceState

    public func run() async throws {
        logger.info("watching", metadata: ["inbox": "\(inbox.path)"])
        var seen: [RawPath: (observation: Observation, since: Date)] = [:]
        var failed: [RawPath: Observation] = [:]
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = Date()
            var ready: [RawPath] = []
            let files = SourceWalker.expand([RawPath(inbox.path)]).files
            for file in files {
                guard let observation = Self.observe(file) else { continue }
                if failed[file] == observation { continue }  // failed before and unchanged since
                if let previous = seen[file], previous.observation == observation {
                    guard now.timeIntervalSince(previous.since) >= settings.settle else { continue }
                    if WriterProbe.hasWriter(file) == true {
                        seen[file] = (observation, now)  // a writer that only paused: wait again
                        continue
                    }
                    ready.append(file)
                } else {
                    seen[file] = (observation, now)
                }
            }
            let present = Set(files)
            seen = seen.filter { present.contains($0.key) }
            failed = failed.filter { present.contains($0.key) }

            // Bounded batches; each batch runs to completion even if shutdown starts meanwhile.
            var index = 0
            while index < ready.count && !Task.isShuttingDownGracefully {
                let batch = Array(ready[index..<min(index + settings.width, ready.count)])
                index += batch.count
                let results = await ingest(batch.map { ($0, seen[$0]?.observation) })
                for (file, result) in zip(batch, results) {
                    seen[file] = nil
                    if result.unsettled { continue }  // still being written: it settles again first
                    if result.status == .failed, let observation = Self.observe(file) {
                        failed[file] = observation
                    }
                    await report(result)
                }
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(nanoseconds: UInt64(settings.interval * 1_000_000_000))
            }
        }
        logger.info("stopped watching", metadata: ["inbox": "\(inbox.path)"])
    }

    /// Runs a batch of ingests at once (their blocking parts run on threads of their own).
    private func ingest(_ batch: [(RawPath, Observation?)]) async -> [IngestResult] {
        let ingestor = self.ingestor
        return await withTaskGroup(of: (Int, IngestResult).self) { group in
            for (i, (file, settled)) in batch.enumerated() {
                group.addTask {
                    var request = IngestRequest(source: file, move: true, method: "watch", handedInBy: "watch")
                    request.settled = settled
                    return (i, await ingestor.ingest(request))
                }
            }
            var results = [IngestResult?](repeating: nil, count: batch.count)
            for await (i, result) in group { results[i] = result }
            return results.map { $0! }
        }
    }

    static func observe(_ file: RawPath) -> Observation? {
        SourceState.of(file)
    }
}
