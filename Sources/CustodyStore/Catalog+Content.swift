public import CustodyCore
public import Foundation

extension Catalog {
    /// A clip taken from the analysis queue under a lease.
    public struct AnalysisClaim: Sendable, Equatable {
        public var sha256: String
        public var storedPath: String
        /// Attempts including this one.
        public var attempts: Int
        public var officerID: String?
    }

    public struct AnalysisCounts: Sendable, Equatable {
        public var pending = 0
        /// Pending clips some node is working now (lease not yet lapsed).
        public var working = 0
        public var done = 0
        public var failed = 0
        public init() {}
    }

    /// Takes the oldest stored clip waiting for analysis, for `lease` seconds: no other node
    /// takes it until the lease lapses (a node that dies mid-analysis leaves it to another).
    /// Nil when nothing waits.
    public func claimAnalysis(node: String, lease: Double = 600, now: Date = Date()) async throws -> AnalysisClaim? {
        let t = now.timeIntervalSince1970
        return try await backend.write { db in
            // Two nodes may pick the same candidate; the conditional update lets one have it.
            for _ in 0..<8 {
                guard let row = try SQLRow.fetchOne(db, sql: """
                    SELECT c.sha256, c.attempts, e.stored_path, e.officer_id FROM content_analysis c JOIN evidence e ON e.sha256 = c.sha256
                    WHERE c.state = 'pending' AND (c.lease_until IS NULL OR c.lease_until < ?)
                        AND e.location = 'vault' AND e.purged_at IS NULL
                    ORDER BY c.queued_at, c.sha256 LIMIT 1
                    """, arguments: [t])
                else { return nil }
                let sha256: String = row[0]
                try db.execute(sql: """
                    UPDATE content_analysis SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
                    WHERE sha256 = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until < ?)
                    """, arguments: [node, t + lease, sha256, t])
                if db.changesCount == 1 {
                    return AnalysisClaim(sha256: sha256, storedPath: row[2], attempts: (row[1] as Int) + 1, officerID: row[3])
                }
            }
            return nil
        }
    }

    /// Stores a finished analysis (stretches relative to the clip's first frame) and audits it
    /// as `analyzed`. Returns the clip's officer when its stretches changed (so that officer's
    /// findings are to be relinked), else nil.
    @discardableResult
    public func recordAnalysis(_ result: ContentAnalysisResult, node: String, now: Date = Date()) async throws -> String? {
        try await backend.write { db in
            try db.execute(sql: """
                UPDATE content_analysis SET state = 'done', analyzed_at = ?, duration = ?, keyframe_interval = ?, profile = ?, error = NULL,
                    lease_owner = NULL, lease_until = NULL
                WHERE sha256 = ?
                """, arguments: [now.timeIntervalSince1970, result.duration, result.keyframeInterval, result.profileJSON, result.sha256])
            if db.changesCount == 0 {
                try db.execute(sql: """
                    INSERT INTO content_analysis (sha256, state, attempts, queued_at, analyzed_at, duration, keyframe_interval, profile)
                    VALUES (?, 'done', 1, ?, ?, ?, ?, ?)
                    """, arguments: [result.sha256, now.timeIntervalSince1970, now.timeIntervalSince1970, result.duration, result.keyframeInterval, result.profileJSON])
            }
            let before = Set(try SQLRow.fetchAll(
                db, sql: "SELECT kind, start, \"end\" FROM content_stretches WHERE sha256 = ?", arguments: [result.sha256]
            ).compactMap { s in ContentKind(rawValue: s[0]).map { ContentStretch(kind: $0, start: s[1], end: s[2]) } })
            try db.execute(sql: "DELETE FROM content_stretches WHERE sha256 = ?", arguments: [result.sha256])
            try db.executeBatch(
                sql: "INSERT OR IGNORE INTO content_stretches (sha256, kind, start, \"end\") VALUES (?, ?, ?, ?)",
                rows: result.stretches.map { [result.sha256, $0.kind.rawValue, $0.start, $0.end] })
            var counts: [(String, JSONValue)] = []
            for kind in ContentKind.allCases {
                let mine = result.stretches.filter { $0.kind == kind }
                counts.append((kind.rawValue, .double((mine.reduce(0) { $0 + $1.length } * 10).rounded() / 10)))
            }
            try AuditLog.append(db, actor: "system", action: "analyzed", subject: result.sha256, detail: .object([
                ("node", .string(node)), ("stretches", .int(Int64(result.stretches.count))), ("seconds", .object(counts)),
            ]))
            guard before != Set(result.stretches) else { return nil }
            return try String?.fetchOne(db, sql: "SELECT officer_id FROM evidence WHERE sha256 = ?", arguments: [result.sha256]) ?? nil
        }
    }

    /// Notes a failed attempt. After `maxAttempts` the clip is `failed` (reported, not retried,
    /// audited `analysis-failed`); before that it waits again. Returns true when it is final.
    @discardableResult
    public func recordAnalysisFailure(sha256: String, message: String, node: String, maxAttempts: Int = 3, now: Date = Date()) async throws -> Bool {
        try await backend.write { db in
            let attempts = try Int.fetchOne(db, sql: "SELECT attempts FROM content_analysis WHERE sha256 = ?", arguments: [sha256]) ?? maxAttempts
            let final = attempts >= maxAttempts
            try db.execute(sql: """
                UPDATE content_analysis SET state = ?, error = ?, lease_owner = NULL, lease_until = NULL, analyzed_at = ?
                WHERE sha256 = ?
                """, arguments: [final ? "failed" : "pending", message, now.timeIntervalSince1970, sha256])
            if final {
                try AuditLog.append(db, actor: "system", action: "analysis-failed", subject: sha256, detail: .object([
                    ("node", .string(node)), ("attempts", .int(Int64(attempts))), ("error", .string(message)),
                ]))
            }
            return final
        }
    }

    public func analysisCounts() async throws -> AnalysisCounts {
        let now = Date().timeIntervalSince1970
        return try await backend.read { db in
            var c = AnalysisCounts()
            for r in try SQLRow.fetchAll(db, sql: """
                SELECT state, CASE WHEN lease_until IS NOT NULL AND lease_until >= ? THEN 1 ELSE 0 END, COUNT(*)
                FROM content_analysis GROUP BY 1, 2
                """, arguments: [now]) {
                let state: String = r[0], leased: Int = r[1], n: Int = r[2]
                switch state {
                case "done": c.done += n
                case "failed": c.failed += n
                default:
                    c.pending += n
                    if leased == 1 { c.working += n }
                }
            }
            return c
        }
    }

    /// A clip's analysis, or nil when it was never queued (not stored in the vault).
    public func contentAnalysis(sha256: String) async throws -> ContentAnalysisResult? {
        try await backend.read { db in
            guard let r = try SQLRow.fetchOne(db, sql: "SELECT * FROM content_analysis WHERE sha256 = ?", arguments: [sha256]) else { return nil }
            let stretches = try SQLRow.fetchAll(
                db, sql: "SELECT kind, start, \"end\" FROM content_stretches WHERE sha256 = ? ORDER BY start, kind", arguments: [sha256]
            ).compactMap { s in ContentKind(rawValue: s[0]).map { ContentStretch(kind: $0, start: s[1], end: s[2]) } }
            let profile = ContentAnalysisResult.profile(from: r["profile"])
            return ContentAnalysisResult(
                sha256: sha256, state: ContentAnalysisResult.State(rawValue: r["state"]) ?? .pending, attempts: r["attempts"],
                duration: r["duration"], keyframeInterval: r["keyframe_interval"], stretches: stretches, luma: profile.luma, level: profile.level,
                error: r["error"], analyzedAt: (r["analyzed_at"] as Double?).map { Date(timeIntervalSince1970: $0) })
        }
    }

    /// Puts clips back in the queue (all failed ones when nil), e.g. after an FFmpeg upgrade;
    /// audited. Returns how many.
    public func requeueAnalysis(sha256s: [String]?, actor: String) async throws -> Int {
        try await backend.write { db in
            if let sha256s {
                var n = 0
                for chunk in sha256s.chunked(500) {
                    try db.execute(
                        sql: "UPDATE content_analysis SET state = 'pending', attempts = 0, lease_owner = NULL, lease_until = NULL WHERE sha256 IN (\(databaseQuestionMarks(count: chunk.count)))",
                        arguments: SQLArguments(chunk))
                    n += db.changesCount
                }
                if n > 0 { try AuditLog.append(db, actor: actor, action: "analysis-requeued", subject: "content", detail: .object([("clips", .int(Int64(n)))])) }
                return n
            }
            try db.execute(sql: "UPDATE content_analysis SET state = 'pending', attempts = 0, lease_owner = NULL, lease_until = NULL WHERE state = 'failed'")
            let n = db.changesCount
            if n > 0 { try AuditLog.append(db, actor: actor, action: "analysis-requeued", subject: "content", detail: .object([("clips", .int(Int64(n)))])) }
            return n
        }
    }
}
