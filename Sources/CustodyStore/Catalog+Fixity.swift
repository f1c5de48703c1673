public import CustodyCore
public import Foundation

/// A stored file the nightly audit re-hashes, and why it is due.
public struct FixityTarget: Sendable, Equatable {
    public enum Why: String, Sendable, Equatable, CaseIterable {
        /// Handed in on the audited day.
        case received
        /// Its turn in the rotation: one share of the store per day of the cycle.
        case rotation
        /// Its last check is a whole cycle old (audits were missed).
        case overdue
        /// Its last check found a problem: checked until it is resolved.
        case failedBefore = "failed_before"
    }

    public var sha256: String
    public var storedPath: String
    public var size: Int64
    public var why: Why
}

extension Catalog {
    /// The stored files (vault and quarantine, not purged) to re-hash for `day`: those handed in
    /// that day, the day's share of the rotation (`rowid mod cycle` = the day's number mod cycle,
    /// so every file comes round once per cycle), any whose last check failed, and up to one
    /// more share of those whose last check is a cycle old (nights were missed). In path order.
    public func fixityDue(day: CalendarDay, zone: TimeZone, cycleDays: Int, now: Date = Date()) async throws -> [FixityTarget] {
        let cycle = Int64(max(1, cycleDays))
        let bucket = ((day.number % cycle) + cycle) % cycle
        let (start, end) = ReportPeriod.day(day).interval(in: zone)
        // Half a day of slack: a check made at 01:30 one cycle ago is due at tonight's run.
        let overdue = now.timeIntervalSince1970 - Double(cycle) * 86_400 + 43_200
        return try await backend.read { db in
            var due: [String: FixityTarget] = [:]
            let received = try SQLRow.fetchAll(db, sql: """
                SELECT DISTINCT e.sha256, e.stored_path, e.size FROM receipts r JOIN evidence e ON e.sha256 = r.sha256
                WHERE e.purged_at IS NULL AND ((r.received_at >= ? AND r.received_at < ?) OR (r.recorded_at >= ? AND r.recorded_at < ?))
                """, arguments: [start.timeIntervalSince1970, end.timeIntervalSince1970, start.timeIntervalSince1970, end.timeIntervalSince1970])
            for r in received {
                due[r[0]] = FixityTarget(sha256: r[0], storedPath: r[1], size: r[2], why: .received)
            }
            let others = try SQLRow.fetchAll(db, sql: """
                SELECT e.sha256, e.stored_path, e.size, f.problem IS NOT NULL FROM evidence e
                LEFT JOIN fixity_checks f ON f.sha256 = e.sha256
                WHERE e.purged_at IS NULL AND (f.problem IS NOT NULL OR e.rowid % ? = ?)
                """, arguments: [cycle, bucket])
            for r in others where due[r[0]] == nil {
                due[r[0]] = FixityTarget(sha256: r[0], storedPath: r[1], size: r[2], why: (r[3] as Bool) ? .failedBefore : .rotation)
            }
            // Catching up after missed nights (or a store older than its first audit) takes at
            // most one more day's share per night, oldest first, rather than the whole vault at once.
            let stored = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM evidence WHERE purged_at IS NULL") ?? 0
            let share = (stored + cycle - 1) / cycle
            let late = try SQLRow.fetchAll(db, sql: """
                SELECT e.sha256, e.stored_path, e.size FROM evidence e LEFT JOIN fixity_checks f ON f.sha256 = e.sha256
                WHERE e.purged_at IS NULL AND COALESCE(f.checked_at, e.stored_at) < ? AND e.rowid % ? != ? AND f.problem IS NULL
                ORDER BY COALESCE(f.checked_at, e.stored_at), e.rowid LIMIT ?
                """, arguments: [overdue, cycle, bucket, share])
            for r in late where due[r[0]] == nil {
                due[r[0]] = FixityTarget(sha256: r[0], storedPath: r[1], size: r[2], why: .overdue)
            }
            return due.values.sorted { $0.storedPath < $1.storedPath }
        }
    }

    /// Records re-hash results (nil problem: intact); each problem is also an audit entry.
    public func recordFixity(_ results: [(target: FixityTarget, problem: String?)], actor: String, now: Date = Date()) async throws {
        for chunk in results.chunked(500) {
            try await backend.write { db in
                let upsert = try db.cachedStatement(sql: """
                    INSERT INTO fixity_checks (sha256, checked_at, problem) VALUES (?, ?, ?)
                    ON CONFLICT(sha256) DO UPDATE SET checked_at = excluded.checked_at, problem = excluded.problem
                    """)
                for (target, problem) in chunk {
                    try upsert.execute(arguments: [target.sha256, now.timeIntervalSince1970, problem])
                    if let problem {
                        try AuditLog.append(db, actor: actor, action: "fixity-failed", subject: target.sha256, detail: .object([
                            ("stored_path", .string(target.storedPath)), ("problem", .string(problem)),
                        ]))
                    }
                }
            }
        }
    }
}
