public import CustodyCore
public import Foundation

/// The 110 handling chain (issue 15): findings judged from the dispatch rows as of an instant,
/// never stored (a call open now may be `not_closed` tomorrow), and the queue items a
/// supervisor chases for calls never reached or never closed.
extension Catalog {
    /// Handling findings of every matching dispatch row as of `asOf`, in print order.
    /// `since`/`until` keep findings whose delay ends at or after / starts at or before them.
    public func handlingFindings(
        policy: HandlingPolicy, asOf: Date, incidentID: String? = nil, officerID: String? = nil,
        since: Date? = nil, until: Date? = nil, kinds: Set<HandlingKind>? = nil
    ) async throws -> [HandlingFinding] {
        try await backend.read { db in
            var clauses: [String] = []
            var arguments: [(any SQLBindable)?] = []
            if let v = incidentID { clauses.append("incident_id = ?"); arguments.append(v) }
            if let v = officerID { clauses.append("officer_id = ?"); arguments.append(v) }
            var found: [HandlingFinding] = []
            try db.forEachRow(
                sql: "SELECT * FROM dispatch_rows\(clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))",
                arguments: SQLArguments(arguments)
            ) { r in
                for f in HandlingRule.evaluate(Self.dispatchRow(r), policy: policy, asOf: asOf) {
                    if let kinds, !kinds.contains(f.kind) { continue }
                    if let since, f.end < since.timeIntervalSince1970 { continue }
                    if let until, f.start > until.timeIntervalSince1970 { continue }
                    found.append(f)
                }
            }
            return found.sorted(by: HandlingFinding.printOrder)
        }
    }

    /// Adds or updates one open queue item per call (incident and officer) that is
    /// `no_arrival` or `not_closed` as of `now`, and withdraws open, unclaimed ones whose call
    /// has since been reached and closed; returns those to withdraw (id, subject). Runs inside
    /// `refreshQueue`'s transaction, which counts what it added.
    static func refreshHandlingItems(_ db: any SQLDatabase, policy: HandlingPolicy, now: Date) throws -> [SQLRow] {
        // Only calls with no clearance at all, through their own index (a clearance written
        // ahead of the clock is taken as given here; `custody gaps` judges it as not yet made).
        var wanted: [String: (reason: HandlingKind, row: DispatchRow, since: Double)] = [:]
        let open = try SQLRow.fetchAll(
            db, sql: "SELECT * FROM dispatch_rows INDEXED BY dispatch_open WHERE cleared_at IS NULL", arguments: [])
        for r in open {
            let row = Self.dispatchRow(r)
            let queued = HandlingRule.evaluate(row, policy: policy, asOf: now).filter(\.kind.isQueued)
            // no_arrival before not_closed: a call never reached is the more urgent to chase.
            guard let first = queued.min(by: { ($0.kind == .noArrival ? 0 : 1) < ($1.kind == .noArrival ? 0 : 1) }) else { continue }
            wanted["handling:\(row.incidentID)|\(row.officerID)"] = (first.kind, row, first.start)
        }
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO review_items (subject, reason, priority, incident_id, officer_id, occurred_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(subject) DO UPDATE SET reason = excluded.reason, priority = excluded.priority
                WHERE review_items.state != 'closed' AND review_items.reason != excluded.reason
            """)
        for (subject, item) in wanted.sorted(by: { $0.key < $1.key }) {
            try upsert.execute(arguments: [
                subject, item.reason.rawValue, Review.priorities[item.reason.rawValue] ?? 4, item.row.incidentID, item.row.officerID,
                item.since, now.timeIntervalSince1970,
            ])
        }
        let candidates = try SQLRow.fetchAll(
            db, sql: "SELECT id, subject FROM review_items WHERE subject LIKE 'handling:%' AND state = 'open'", arguments: [])
        return candidates.filter { wanted[$0[1] as String] == nil }
    }
}
