public import Foundation
public import Logging
public import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// The drop-folder daemon: ingests every file that lands complete in the inbox.
///
/// A file is taken once its size and modification time have stayed the same for `settle`
/// seconds; names ending `.part`/`.tmp` and hidden files are ignored, so a docking station
/// that writes under a temporary name and renames at the end is picked up at the rename.
/// Files are moved out of the inbox into the vault (or quarantine). On graceful shutdown
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
    let report: @Sendable (IngestResult) -> Void

    public init(ingestor: Ingestor, inbox: URL, settings: Settings, logger: Logger, report: @escaping @Sendable (IngestResult) -> Void) {
        self.ingestor = ingestor
        self.inbox = inbox
        self.settings = settings
        self.logger = logger
        self.report = report
    }

    struct Observation: Equatable {
        var size: Int64
        var mtimeSeconds: Int
        var mtimeNanos: Int
    }

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
                    if now.timeIntervalSince(previous.since) >= settings.settle { ready.append(file) }
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
                let results = await ingest(batch)
                for (file, result) in zip(batch, results) {
                    seen[file] = nil
                    if result.status == .failed, let observation = Self.observe(file) {
                        failed[file] = observation
                    }
                    report(result)
                }
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(nanoseconds: UInt64(settings.interval * 1_000_000_000))
            }
        }
        logger.info("stopped watching", metadata: ["inbox": "\(inbox.path)"])
    }

    /// Runs the blocking ingests on their own threads, off the cooperative pool.
    private func ingest(_ batch: [RawPath]) async -> [IngestResult] {
        let ingestor = self.ingestor
        return await withTaskGroup(of: (Int, IngestResult).self) { group in
            for (i, file) in batch.enumerated() {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        Thread.detachNewThread {
                            let request = IngestRequest(source: file, move: true, method: "watch", handedInBy: "watch")
                            continuation.resume(returning: (i, ingestor.ingest(request)))
                        }
                    }
                }
            }
            var results = [IngestResult?](repeating: nil, count: batch.count)
            for await (i, result) in group { results[i] = result }
            return results.map { $0! }
        }
    }

    static func observe(_ file: RawPath) -> Observation? {
        var st = stat()
        guard file.withCString({ stat($0, &st) }) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Observation(size: Int64(st.st_size), mtimeSeconds: st.st_mtim.tv_sec, mtimeNanos: st.st_mtim.tv_nsec)
    }
}
