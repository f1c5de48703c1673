public import CustodyCore
public import CustodyStore
public import Foundation
import MediaProbe
#if canImport(Glibc)
import Glibc
#endif

/// What the camera saw (issue 14): a file's obscured, frozen and muted stretches, and the
/// worker that analyses stored clips from the catalog's queue, off ingest's path.
public enum ContentAnalysis {
    /// One file analysed: nothing stored.
    public struct FileResult: Sendable, JSONLineConvertible {
        public var path: String
        public var duration: Double?
        public var keyframeInterval: Double?
        public var stretches: [ContentStretch]
        public var luma: [Double?]
        public var level: [Double?]
        public var error: String?

        /// `{"path":…,"duration":…,"stretches":[…],"error":null}` (issue 14's contract).
        public var jsonValue: JSONValue {
            var o = JSONObjectBuilder()
            o.add("path", path)
            o.add("duration", duration.map { ($0 * 1000).rounded() / 1000 }, null: true)
            o.add("stretches", .array(stretches.map { s in
                .object([("kind", .string(s.kind.rawValue)), ("start", .double(Self.round(s.start))), ("end", .double(Self.round(s.end)))])
            }))
            o.add("error", error, null: true)
            return o.value
        }

        static func round(_ x: Double) -> Double { (x * 100).rounded() / 100 }
    }

    static func thresholds(_ policy: ContentPolicy) -> SignalThresholds {
        var t = SignalThresholds()
        t.obscuredSeconds = policy.obscuredSeconds
        t.frozenSeconds = policy.frozenSeconds
        t.mutedSeconds = policy.mutedSeconds
        t.mutedLevelDB = policy.mutedLevelDB
        t.prebufferGraceSeconds = policy.prebufferGraceSeconds
        return t
    }

    /// Analyses one file (blocking: call it off the cooperative pool, e.g. `Blocking.run`).
    /// - Parameter background: one decoder thread at a lower scheduling priority, so that a
    ///   background worker leaves the cores to hand-ins and requests.
    public static func analyze(path: String, policy: ContentPolicy, threads: Int = 0, background: Bool = false) -> FileResult {
        var options = SignalOptions()
        options.threads = background ? 1 : threads
        #if canImport(Glibc)
        // On Linux a niceness belongs to a thread: who = 0 is this (blocking, throw-away) thread.
        if background { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10) }
        #endif
        do {
            let profile = try SignalAnalyzer.analyze(path: path, options: options)
            if ProcessInfo.processInfo.environment["CUSTODY_TRACE_SIGNAL"] == "1" {
                for v in profile.video {
                    FileHandle.standardError.write(Data(String(
                        format: "%@ t=%.2f mean=%.1f spread=%.1f dark=%.2f change=%.2f\n", path, v.time, v.mean, v.spread, v.darkShare, v.change ?? -1).utf8))
                }
            }
            let stretches = profile.stretches(thresholds(policy)).map {
                ContentStretch(kind: ContentKind(rawValue: $0.kind.rawValue)!, start: $0.start, end: $0.end)
            }
            let seconds = profile.perSecond()
            return FileResult(
                path: path, duration: profile.duration, keyframeInterval: profile.keyframeInterval, stretches: stretches,
                luma: seconds.luma, level: seconds.level, error: nil)
        } catch {
            return FileResult(path: path, duration: nil, keyframeInterval: nil, stretches: [], luma: [], level: [], error: error.message)
        }
    }

    /// Figures of one run of the queue.
    public struct WorkSummary: Sendable, Equatable {
        public var analyzed = 0
        public var failed = 0
        /// Clips given up for good in this run (unreadable after every attempt).
        public var gaveUp = 0
        public var stretches = 0
        public var officers: Set<String> = []
        public init() {}
    }

    /// Works the catalog's analysis queue: takes one clip at a time under a lease (so several
    /// nodes share the queue, each clip analysed once), analyses it where the vault keeps it
    /// (a remote original is fetched into `scratch` for the moment), and stores the result.
    /// Stops after `limit` clips, when nothing waits, or when `shouldStop` says so. Relinking
    /// the officers concerned is the caller's (`relinkAfterAnalysis`).
    public static func work(
        catalog: Catalog, vault: any Vault, policy: ContentPolicy, node: String, scratch: URL, limit: Int = .max,
        maxAttempts: Int = 3, background: Bool = false, progress: (@Sendable (Int) -> Void)? = nil,
        shouldStop: @Sendable () -> Bool = { false }
    ) async throws -> WorkSummary {
        var summary = WorkSummary()
        // `limit` counts clips finished (analysed, or given up after their attempts), not attempts.
        while summary.analyzed + summary.gaveUp < limit, !shouldStop() {
            guard let claim = try await catalog.claimAnalysis(node: node) else { break }
            let result: FileResult
            do {
                result = try await analyzeStored(claim, vault: vault, policy: policy, scratch: scratch, background: background)
            } catch {
                // The vault could not be read just now: try again later, not counted as the file's fault.
                _ = try await catalog.recordAnalysisFailure(
                    sha256: claim.sha256, message: "The vault could not be read: \(error)", node: node, maxAttempts: maxAttempts + claim.attempts)
                summary.failed += 1
                break
            }
            if let error = result.error {
                summary.failed += 1
                if try await catalog.recordAnalysisFailure(sha256: claim.sha256, message: error, node: node, maxAttempts: maxAttempts) {
                    summary.gaveUp += 1
                }
            } else {
                let record = ContentAnalysisResult(
                    sha256: claim.sha256, attempts: claim.attempts, duration: result.duration, keyframeInterval: result.keyframeInterval,
                    stretches: result.stretches, luma: result.luma, level: result.level)
                if let officer = try await catalog.recordAnalysis(record, node: node) {
                    summary.officers.insert(officer)
                }
                summary.analyzed += 1
                summary.stretches += result.stretches.count
            }
            progress?(summary.analyzed + summary.gaveUp)
        }
        return summary
    }

    private static func analyzeStored(
        _ claim: Catalog.AnalysisClaim, vault: any Vault, policy: ContentPolicy, scratch: URL, background: Bool
    ) async throws -> FileResult {
        // FFmpeg reads a file: a remote original is fetched into scratch for the moment.
        try await vault.withLocalFile(claim.storedPath, scratch: scratch) { file in
            let path = file.path
            return await Blocking.run { analyze(path: path, policy: policy, background: background) }
        }
    }

    /// Works the queue, then recomputes the findings of the officers whose clips were analysed
    /// (queued for a relink running elsewhere) and refreshes their queue items.
    public static func workAndRelink(
        catalog: Catalog, vault: any Vault, policy: Policy, node: String, scratch: URL, limit: Int = .max, actor: String,
        background: Bool = false, progress: (@Sendable (Int) -> Void)? = nil, shouldStop: @Sendable () -> Bool = { false }
    ) async throws -> WorkSummary {
        let summary = try await work(
            catalog: catalog, vault: vault, policy: policy.content, node: node, scratch: scratch, limit: limit, background: background,
            progress: progress, shouldStop: shouldStop)
        if !summary.officers.isEmpty {
            _ = try await catalog.relinkAndRefreshQueue(officers: summary.officers, policy: policy, actor: actor)
        }
        return summary
    }
}
