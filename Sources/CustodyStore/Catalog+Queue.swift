public import CustodyCore
public import Foundation
internal import Crypto

/// One item of the review queue: a call with findings, a clip that needs a person, or a
/// randomly sampled clean call for a conduct check.
public struct ReviewItem: Sendable, Equatable {
    public var id: Int64
    /// A finding kind (`no_recording` … `late_upload`), `unreadable`, `unattributed`, `unlinked`,
    /// `sample`, or `requested` (put up for review by hand, `Catalog.requestReview`).
    public var reason: String
    public var priority: Int
    public var incidentID: String?
    public var officerID: String?
    public var clipSHA256: String?
    public var occurredAt: Date?
    /// `open`, `claimed` or `closed` (an expired lease reads as open).
    public var state: String
    public var claimedBy: String?
    public var leaseUntil: Date?
    public var verdict: String?
    public var checklist: [String]
    public var note: String?
    public var reviewedBy: String?
    public var reviewedAt: Date?
}

extension ReviewItem: JSONLineConvertible {
    /// SPEC §8's item shape, then Custody's extra fields.
    public var jsonValue: JSONValue {
        var o = JSONObjectBuilder()
        o.add("id", id)
        o.add("incident_id", incidentID, null: true)
        o.add("reason", reason)
        o.add("priority", priority)
        o.add("state", state)
        o.add("claimed_by", claimedBy, null: true)
        o.add("lease_until", leaseUntil.map(Timestamp.format), null: true)
        o.add("officer_id", officerID, null: true)
        o.add("clip_sha256", clipSHA256, null: true)
        o.add("occurred_at", occurredAt.map(Timestamp.format), null: true)
        o.add("verdict", verdict, null: true)
        o.add("checklist", .array(checklist.map { .string($0) }))
        o.add("note", note, null: true)
        o.add("reviewed_by", reviewedBy, null: true)
        o.add("reviewed_at", reviewedAt.map(Timestamp.format), null: true)
        return o.value
    }
}

/// The verdicts a reviewer records, and the checklist codes they may tick.
public enum Review {
    public static let verdicts: Set<String> = ["compliant", "violation", "justified"]
    public static let checklistCodes: [String] = [
        "late_activation", "early_deactivation", "interruption", "no_recording", "not_identified", "appearance",
        "camera_angle", "lens_obscured", "video_frozen", "audio_muted", "wrong_incident", "not_entered_in_system", "late_upload", "professionalism",
        "safety_concern", "other",
    ]
    /// Queue order: finding kinds first, then clips that need a person, then samples. A call
    /// put up for review by hand (after a complaint) ranks with an interruption.
    public static let priorities: [String: Int] = [
        "no_recording": 0, "early_stop": 1, "late_start": 2, "obscured_video": 2, "interruption": 3, "frozen_video": 3,
        "muted_audio": 3, "requested": 3, "no_prebuffer": 4, "clock_drift": 4, "late_upload": 4,
        "no_arrival": 4, "not_closed": 4, "slow_dispatch": 4, "slow_arrival": 4,
        "unreadable": 5, "unattributed": 6, "unlinked": 7, "sample": 8,
    ]
}

extension Catalog {
    /// Why a queue action was refused.
    public enum QueueError: Error, Sendable, Equatable, CustomStringConvertible {
        case notFound(Int64)
        case heldByOther(String)
        case notHeld
        case closed
        case notClosed
        case invalid(String)

        public var description: String {
            switch self {
            case .notFound(let id): return "Queue item \(id) does not exist."
            case .heldByOther(let name): return "The item is claimed by \(name)."
            case .notHeld: return "You do not hold this item: claim it first."
            case .closed: return "The item is closed; a supervisor can reopen it."
            case .notClosed: return "Only a closed item can be reopened."
            case .invalid(let text): return text
            }
        }
    }

    /// Adds the items the current findings call for (idempotent). Open items follow their
    /// call's most urgent finding; closed ones are left as reviewed. Returns how many are new.
    @discardableResult
    public func refreshQueue(
        officers: Set<String>? = nil, handling: HandlingPolicy = HandlingPolicy(), sampleShare: Double = 0.05, seed: String = "custody",
        now: Date = Date()
    ) async throws -> Int {
        try await backend.write { db in
            let before = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM review_items") ?? 0
            let t = now.timeIntervalSince1970
            // Only these officers' calls and clips (after an ingest or import), or everyone's.
            let list = officers.map { Array($0) } ?? []
            let scope = officers == nil ? "1 = 1" : "officer_id IN (\(databaseQuestionMarks(count: list.count)))"
            let scoped = { (args: [(any SQLBindable)?]) in SQLArguments(args + list.map { $0 as (any SQLBindable)? }) }
            if officers?.isEmpty == true { return 0 }
            // A call's reason is its most urgent finding (FindingKind's order); its priority that
            // reason's (`Review.priorities`: the content kinds rank beside the coverage kinds).
            let ranked = FindingKind.allCases
            let kindRank = "CASE kind " + ranked.enumerated().map { "WHEN '\($0.element.rawValue)' THEN \($0.offset)" }.joined(separator: " ")
                + " ELSE \(ranked.count - 1) END"
            let reasonOfRank = "CASE MIN(\(kindRank)) " + ranked.enumerated().map { "WHEN \($0.offset) THEN '\($0.element.rawValue)'" }.joined(separator: " ")
                + " ELSE 'late_upload' END"
            let priorityOfRank = "CASE MIN(\(kindRank)) " + ranked.enumerated().map { "WHEN \($0.offset) THEN \(Review.priorities[$0.element.rawValue] ?? 4)" }.joined(separator: " ")
                + " ELSE 4 END"
            // One item per call with findings.
            try db.execute(sql: """
                INSERT INTO review_items (subject, reason, priority, incident_id, officer_id, occurred_at, created_at)
                SELECT 'call:' || incident_id || '|' || officer_id,
                    \(reasonOfRank),
                    \(priorityOfRank), incident_id, officer_id, MIN(COALESCE(window_start, start)), ?
                FROM findings WHERE incident_id IS NOT NULL AND \(scope) GROUP BY incident_id, officer_id
                ON CONFLICT(subject) DO UPDATE SET reason = excluded.reason, priority = excluded.priority
                    WHERE review_items.state != 'closed' AND review_items.reason != excluded.reason
                """, arguments: scoped([t]))
            // A camera whose clock was off (issue 16): the supervisor's, on the camera's latest clip.
            try db.execute(sql: """
                INSERT OR IGNORE INTO review_items (subject, reason, priority, officer_id, clip_sha256, occurred_at, created_at)
                SELECT 'drift:' || device_id || '|' || CAST(CAST("end" AS BIGINT) AS TEXT), 'clock_drift', \(Review.priorities["clock_drift"] ?? 4),
                    officer_id, (SELECT e.sha256 FROM evidence e WHERE e.device_id = findings.device_id AND e.location = 'vault'
                        ORDER BY e.start_time DESC LIMIT 1), "end", ?
                FROM findings WHERE kind = 'clock_drift' AND device_id IS NOT NULL AND \(scope)
                """, arguments: scoped([t]))
            // Clips that need a person: unreadable, unattributed, unlinked.
            try db.execute(sql: """
                INSERT OR IGNORE INTO review_items (subject, reason, priority, officer_id, clip_sha256, occurred_at, created_at)
                SELECT 'clip:' || sha256, 'unreadable', 5, officer_id, sha256, COALESCE(start_time, stored_at), ?
                FROM evidence WHERE officer_id IS NULL AND location = 'quarantine'
                """, arguments: [t])
            try db.execute(sql: """
                INSERT OR IGNORE INTO review_items (subject, reason, priority, officer_id, clip_sha256, occurred_at, created_at)
                SELECT 'clip:' || sha256, 'unreadable', 5, officer_id, sha256, COALESCE(start_time, stored_at), ?
                FROM evidence INDEXED BY evidence_officer_start WHERE \(officers == nil ? "officer_id IS NOT NULL" : scope) AND location = 'quarantine'
                """, arguments: scoped([t]))
            try db.execute(sql: """
                INSERT OR IGNORE INTO review_items (subject, reason, priority, clip_sha256, occurred_at, created_at)
                SELECT 'clip:' || sha256, 'unattributed', 6, sha256, start_time, ?
                FROM evidence WHERE location = 'vault' AND officer_id IS NULL
                """, arguments: [t])
            try db.execute(sql: """
                INSERT OR IGNORE INTO review_items (subject, reason, priority, officer_id, clip_sha256, occurred_at, created_at)
                SELECT 'clip:' || sha256, 'unlinked', 7, officer_id, sha256, start_time, ?
                FROM evidence e WHERE location = 'vault' AND officer_id IS NOT NULL AND \(scope)
                    AND NOT EXISTS (SELECT 1 FROM links l WHERE l.clip_id = e.rowid)
                """, arguments: scoped([t]))
            // Withdraw open, unclaimed items whose reason has gone: a clip now linked or attributed,
            // a call whose findings a later import or ingest cleared. Claimed and closed items stay,
            // and so do items requested by hand ('request:…': their reason is a person's, not a finding).
            // Candidates come through the officer index (plus the few items with no officer).
            let stale = """
                state = 'open' AND (
                    (reason = 'unlinked' AND EXISTS (SELECT 1 FROM evidence e JOIN links l ON l.clip_id = e.rowid WHERE e.sha256 = r.clip_sha256))
                    OR (reason = 'unattributed' AND EXISTS (SELECT 1 FROM evidence e WHERE e.sha256 = r.clip_sha256 AND e.officer_id IS NOT NULL))
                    OR (subject LIKE 'call:%' AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.incident_id = r.incident_id AND f.officer_id = r.officer_id))
                    OR (subject LIKE 'drift:%' AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.kind = 'clock_drift' AND f.officer_id = r.officer_id)))
                """
            var withdrawn = try SQLRow.fetchAll(db, sql: "SELECT id, subject FROM review_items r WHERE officer_id IS NULL AND \(stale)")
            withdrawn += try SQLRow.fetchAll(
                db, sql: "SELECT id, subject FROM review_items r INDEXED BY review_officer WHERE \(officers == nil ? "officer_id IS NOT NULL" : scope) AND \(stale)",
                arguments: SQLArguments(list))
            // Calls never reached or never closed (issue 15), and those since closed: everyone's
            // (a call becomes overdue with time alone; open calls have an index of their own).
            withdrawn += try Self.refreshHandlingItems(db, policy: handling, now: now)
            for row in withdrawn {
                let id: Int64 = row[0]
                try db.execute(sql: "DELETE FROM review_items WHERE id = ?", arguments: [id])
                try AuditLog.append(db, actor: "system", action: "queue-withdrawn", subject: "queue:\(id)", detail: .object([("subject", .string(row[1]))]))
            }

            // A reproducible random share of fully covered calls, for conduct review: a call is
            // sampled when the hash of (seed, incident, officer) falls below the share.
            let clean = try SQLRow.fetchAll(db, sql: """
                SELECT d.incident_id, d.officer_id, d.arrived_at FROM coverage c JOIN dispatch_rows d ON d.id = c.row_id
                WHERE c.findings = 0 AND c.coverage > 0 AND \(officers == nil ? "1 = 1" : "d." + scope)
                """, arguments: SQLArguments(list))
            let sample = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO review_items (subject, reason, priority, incident_id, officer_id, occurred_at, created_at)
                VALUES (?, 'sample', 8, ?, ?, ?, ?)
                """)
            for row in clean {
                let incident: String = row[0], officer: String = row[1]
                if Self.sampled(seed: seed, incident: incident, officer: officer, share: sampleShare) {
                    try sample.execute(arguments: ["sample:\(incident)|\(officer)", incident, officer, row[2] as Double?, t])
                }
            }
            let after = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM review_items") ?? 0
            return after - before + withdrawn.count
        }
    }

    /// After these officers' clips or calls changed: their links and findings, then their
    /// queue items. The one step every ingest, import and the watcher take. When another
    /// process is relinking, the officers are queued for it (`relinkOrQueue`) and the summary
    /// says so in `queuedOfficers`: the hand-in does not wait for that relink.
    @discardableResult
    public func relinkAndRefreshQueue(officers: Set<String>, policy: Policy, actor: String) async throws -> LinkSummary {
        guard !officers.isEmpty else { return LinkSummary() }
        switch try await relinkOrQueue(officers: officers, policy: policy, actor: actor) {
        case .done(let summary):
            try await refreshQueue(officers: officers, handling: policy.handling)
            return summary
        case .queued(let count):
            var summary = LinkSummary()
            summary.queuedOfficers = count
            return summary
        }
    }

    static func sampled(seed: String, incident: String, officer: String, share: Double) -> Bool {
        let digest = Array(SHA256.hash(data: Data("\(seed)|\(incident)|\(officer)".utf8)))
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(value) / Double(UInt64.max) < share
    }

    /// A page of the queue in review order (priority, then oldest, then id): one walk of the
    /// `review_queue` index. Expired leases are first returned to the open list.
    public func queue(state: String?, limit: Int, offset: Int, now: Date = Date()) async throws -> (items: [ReviewItem], total: Int) {
        try await expireLeases(now: now)
        return try await backend.read { db in
            let total: Int
            let rows: [SQLRow]
            if let state {
                total = try Int.fetchOne(db, sql: "SELECT n FROM queue_counts WHERE state = ?", arguments: [state]) ?? 0
                rows = try SQLRow.fetchAll(
                    db, sql: "SELECT \(Self.itemColumns) FROM review_items WHERE state = ? ORDER BY priority, occurred_at\(db.dialect.nullsFirst), id LIMIT ? OFFSET ?",
                    arguments: [state, limit, offset])
            } else {
                total = try Int.fetchOne(db, sql: "SELECT SUM(n) FROM queue_counts WHERE state != 'version'") ?? 0
                rows = try SQLRow.fetchAll(db, sql: "SELECT \(Self.itemColumns) FROM review_items ORDER BY priority, occurred_at\(db.dialect.nullsFirst), id LIMIT ? OFFSET ?", arguments: [limit, offset])
            }
            return (rows.map { Self.item($0, now: now) }, total)
        }
    }

    /// A number that changes whenever any queue item changes (in any process), after lapsed
    /// claims are returned to the open list: what a cached queue page is keyed on.
    public func queueVersion(now: Date = Date()) async throws -> Int {
        let (version, lapsed) = try await backend.read { db -> (Int, Bool) in
            let row = try SQLRow.fetchOne(db, sql: """
                SELECT (SELECT n FROM queue_counts WHERE state = 'version'),
                    EXISTS (SELECT 1 FROM review_items WHERE state = 'claimed' AND lease_until < ?)
                """, arguments: [now.timeIntervalSince1970])
            return (row?[0] ?? 0, row?[1] ?? false)
        }
        guard lapsed else { return version }
        try await expireLeases(now: now)
        return try await backend.read { db in try Int.fetchOne(db, sql: "SELECT n FROM queue_counts WHERE state = 'version'") ?? 0 }
    }

    /// Returns lapsed claims to the open list. Cheap when there are none: claimed items are few.
    public func expireLeases(now: Date = Date()) async throws {
        let t = now.timeIntervalSince1970
        let any = try await backend.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM review_items WHERE state = 'claimed' AND lease_until < ?)", arguments: [t]) ?? false
        }
        guard any else { return }
        try await backend.write { db in
            let lapsed = try SQLRow.fetchAll(db, sql: "SELECT id, claimed_by FROM review_items WHERE state = 'claimed' AND lease_until < ?", arguments: [t])
            try db.execute(sql: "UPDATE review_items SET state = 'open', claimed_by = NULL, lease_until = NULL WHERE state = 'claimed' AND lease_until < ?", arguments: [t])
            for row in lapsed {
                let id: Int64 = row[0]
                let holder: String? = row[1]
                try AuditLog.append(db, actor: "system", action: "lease-expired", subject: "queue:\(id)", detail: .object([("holder", holder.map { .string($0) } ?? .null)]))
            }
        }
    }

    public func reviewItem(_ id: Int64, now: Date = Date()) async throws -> ReviewItem? {
        try await backend.read { db in try Self.fetchItem(db, id, now: now) }
    }

    static func fetchItem(_ db: any SQLDatabase, _ id: Int64, now: Date) throws -> ReviewItem? {
        try SQLRow.fetchOne(db, sql: "SELECT \(itemColumns) FROM review_items WHERE id = ?", arguments: [id]).map { item($0, now: now) }
    }

    /// The columns `item(_:now:)` reads, by position (name lookups cost a case-insensitive
    /// search per column, which shows up when a page of 50 is served thousands of times a second).
    static let itemColumns = "id, reason, priority, incident_id, officer_id, clip_sha256, occurred_at, state, claimed_by, lease_until, verdict, checklist, note, reviewed_by, reviewed_at"

    static func item(_ r: SQLRow, now: Date) -> ReviewItem {
        let lease: Double? = r[9]
        var state: String = r[7]
        var holder: String? = r[8]
        if state == "claimed", let lease, lease < now.timeIntervalSince1970 {
            state = "open"
            holder = nil
        }
        let checklist = (r[11] as String?).flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        return ReviewItem(
            id: r[0], reason: r[1], priority: r[2], incidentID: r[3], officerID: r[4], clipSHA256: r[5],
            occurredAt: (r[6] as Double?).map { Date(timeIntervalSince1970: $0) },
            state: state, claimedBy: holder, leaseUntil: state == "claimed" ? lease.map { Date(timeIntervalSince1970: $0) } : nil,
            verdict: r[10], checklist: checklist, note: r[12], reviewedBy: r[13],
            reviewedAt: (r[14] as Double?).map { Date(timeIntervalSince1970: $0) })
    }

    /// Claims an open item (or renews the caller's own lease).
    public func claim(_ id: Int64, by user: String, lease: TimeInterval, now: Date = Date()) async throws -> ReviewItem {
        try await mutate(id, now: now) { db, item in
            switch item.state {
            case "closed": throw QueueError.closed
            case "claimed" where item.claimedBy != user: throw QueueError.heldByOther(item.claimedBy ?? "someone")
            default: break
            }
            try db.execute(
                sql: "UPDATE review_items SET state = 'claimed', claimed_by = ?, lease_until = ? WHERE id = ?",
                arguments: [user, now.timeIntervalSince1970 + lease, id])
            try AuditLog.append(db, actor: user, action: "claimed", subject: "queue:\(id)", detail: .object([]))
        }
    }

    /// The holder of an unexpired claim extends it to `lease` from now (a reviewer still
    /// watching the footage). Anyone else, or a lapsed claim, is `notHeld`.
    public func renew(_ id: Int64, by user: String, lease: TimeInterval, now: Date = Date()) async throws -> ReviewItem {
        try await mutate(id, now: now) { db, item in
            guard item.state != "closed" else { throw QueueError.closed }
            guard item.state == "claimed", item.claimedBy == user else { throw QueueError.notHeld }
            let until = now.timeIntervalSince1970 + lease
            try db.execute(sql: "UPDATE review_items SET lease_until = ? WHERE id = ?", arguments: [until, id])
            try AuditLog.append(db, actor: user, action: "renewed", subject: "queue:\(id)", detail: .object([
                ("lease_until", .string(Timestamp.format(Date(timeIntervalSince1970: until)))),
            ]))
        }
    }

    /// Gives an item back. The holder may; a supervisor may release anyone's.
    public func release(_ id: Int64, by user: String, asSupervisor: Bool, now: Date = Date()) async throws -> ReviewItem {
        try await mutate(id, now: now) { db, item in
            guard item.state == "claimed" else { throw item.state == "closed" ? QueueError.closed : QueueError.notHeld }
            if item.claimedBy != user && !asSupervisor { throw QueueError.heldByOther(item.claimedBy ?? "someone") }
            try db.execute(sql: "UPDATE review_items SET state = 'open', claimed_by = NULL, lease_until = NULL WHERE id = ?", arguments: [id])
            try AuditLog.append(db, actor: user, action: "released", subject: "queue:\(id)", detail: .object([]))
        }
    }

    /// Records the holder's verdict and closes the item.
    public func recordVerdict(_ id: Int64, by user: String, verdict: String, checklist: [String], note: String?, now: Date = Date()) async throws -> ReviewItem {
        guard Review.verdicts.contains(verdict) else {
            throw QueueError.invalid("verdict must be one of \(Review.verdicts.sorted().joined(separator: ", ")).")
        }
        if let unknown = checklist.first(where: { !Review.checklistCodes.contains($0) }) {
            throw QueueError.invalid("unknown checklist code '\(unknown)'.")
        }
        return try await mutate(id, now: now) { db, item in
            guard item.state == "claimed" else { throw item.state == "closed" ? QueueError.closed : QueueError.notHeld }
            guard item.claimedBy == user else { throw QueueError.heldByOther(item.claimedBy ?? "someone") }
            let list = String(decoding: try JSONEncoder().encode(checklist), as: UTF8.self)
            let t = now.timeIntervalSince1970
            try db.execute(
                sql: """
                    UPDATE review_items SET state = 'closed', lease_until = NULL, claimed_by = NULL, verdict = ?, checklist = ?, note = ?,
                        reviewed_by = ?, reviewed_at = ? WHERE id = ?
                    """,
                arguments: [verdict, list, note, user, t, id])
            try db.execute(
                sql: "INSERT INTO reviews (item_id, reviewer, verdict, checklist, note, at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [id, user, verdict, list, note, t])
            try AuditLog.append(db, actor: user, action: "verdict", subject: "queue:\(id)", detail: .object([
                ("verdict", .string(verdict)), ("checklist", .array(checklist.map { .string($0) })), ("note", note.map { .string($0) } ?? .null),
            ]))
        }
    }

    /// A supervisor reopens a closed item, saying why (`reason`). Its earlier verdicts stay in
    /// the review history (`reviews`), and the audit entry carries the verdict, checklist,
    /// note, reviewer and time it clears, so the item's history never loses them.
    public func reopen(_ id: Int64, by supervisor: String, reason: String? = nil, now: Date = Date()) async throws -> ReviewItem {
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        return try await mutate(id, now: now) { db, item in
            guard item.state == "closed" else { throw QueueError.notClosed }
            try Self.reopenClosed(db, item)
            var detail = [("reason", reason.flatMap { $0.isEmpty ? nil : JSONValue.string($0) } ?? .null)]
            detail += Self.clearedReview(item)
            try AuditLog.append(db, actor: supervisor, action: "reopened", subject: "queue:\(id)", detail: .object(detail))
        }
    }

    /// Starts a closed item afresh; the earlier verdict stays in `reviews`.
    static func reopenClosed(_ db: any SQLDatabase, _ item: ReviewItem) throws {
        try db.execute(
            sql: """
                UPDATE review_items SET state = 'open', claimed_by = NULL, lease_until = NULL, verdict = NULL, checklist = NULL,
                    note = NULL, reviewed_by = NULL, reviewed_at = NULL WHERE id = ?
                """,
            arguments: [item.id])
    }

    /// What reopening `item` clears, for the audit entry that says so.
    static func clearedReview(_ item: ReviewItem) -> [(String, JSONValue)] {
        [
            ("verdict", item.verdict.map { .string($0) } ?? .null),
            ("checklist", .array(item.checklist.map { .string($0) })),
            ("note", item.note.map { .string($0) } ?? .null),
            ("reviewed_by", item.reviewedBy.map { .string($0) } ?? .null),
            ("reviewed_at", item.reviewedAt.map { .string(Timestamp.format($0)) } ?? .null),
        ]
    }

    /// Puts a call up for review by hand (after a complaint, say): one item per incident and
    /// officer (or the whole incident, `officer` nil), reason `requested`, dated by the call's
    /// earliest received time. An item already waiting is returned as it is; a closed one is
    /// reopened (its verdict kept in the audit entry, as `reopen` does). Every request is
    /// audited with its reason. The queue refresh never withdraws or rewrites these items.
    public func requestReview(incident: String, officer: String?, reason: String, by actor: String, now: Date = Date()) async throws -> ReviewItem {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw QueueError.invalid("Give the reason for the review.") }
        let officer = officer.flatMap { $0.isEmpty ? nil : $0 }
        return try await backend.write { db in
            let when = try SQLRow.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*), MIN(received_at), MIN(COALESCE(received_at, dispatched_at, arrived_at)) FROM dispatch_rows
                    WHERE incident_id = ?\(officer == nil ? "" : " AND officer_id = ?")
                    """,
                arguments: SQLArguments([incident] + (officer.map { [$0] } ?? [])))
            guard let when, (when[0] as Int) > 0 else {
                throw QueueError.invalid(
                    officer.map { "No dispatch record has officer \($0) on incident \(incident)." } ?? "No dispatch record has the incident id \(incident).")
            }
            let occurred: Double? = when[1] ?? when[2]
            let subject = "request:\(incident)|\(officer ?? "")"
            var detail: [(String, JSONValue)] = [("reason", .string(reason))]
            let id: Int64
            if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM review_items WHERE subject = ?", arguments: [subject]) {
                id = existing
                let item = try Self.fetchItem(db, id, now: now)!
                if item.state == "closed" {
                    try Self.reopenClosed(db, item)
                    detail.append(("outcome", .string("reopened")))
                    detail += Self.clearedReview(item)
                } else {
                    detail.append(("outcome", .string("pending")))
                }
            } else {
                id = try db.insertReturningID(
                    sql: """
                        INSERT INTO review_items (subject, reason, priority, incident_id, officer_id, occurred_at, created_at)
                        VALUES (?, 'requested', ?, ?, ?, ?, ?)
                        """,
                    arguments: [subject, Review.priorities["requested"]!, incident, officer, occurred, now.timeIntervalSince1970])
                detail.append(("outcome", .string("created")))
            }
            try AuditLog.append(db, actor: actor, action: "review-requested", subject: "queue:\(id)", detail: .object(detail))
            return try Self.fetchItem(db, id, now: now)!
        }
    }

    /// A supervisor hands an item to a reviewer, with a fresh lease.
    public func reassign(_ id: Int64, to reviewer: String, by supervisor: String, lease: TimeInterval, now: Date = Date()) async throws -> ReviewItem {
        try await mutate(id, now: now) { db, item in
            guard item.state != "closed" else { throw QueueError.closed }
            guard let role = try String.fetchOne(db, sql: "SELECT role FROM users WHERE name = ?", arguments: [reviewer]),
                  role == "reviewer" || role == "supervisor"
            else { throw QueueError.invalid("'\(reviewer)' is not a reviewer.") }
            try db.execute(
                sql: "UPDATE review_items SET state = 'claimed', claimed_by = ?, lease_until = ? WHERE id = ?",
                arguments: [reviewer, now.timeIntervalSince1970 + lease, id])
            try AuditLog.append(db, actor: supervisor, action: "reassigned", subject: "queue:\(id)", detail: .object([("to", .string(reviewer))]))
        }
    }

    private func mutate(_ id: Int64, now: Date, _ change: @escaping @Sendable (any SQLDatabase, ReviewItem) throws -> Void) async throws -> ReviewItem {
        try await backend.write { db in
            guard let item = try Self.fetchItem(db, id, now: now) else { throw QueueError.notFound(id) }
            try change(db, item)
            return try Self.fetchItem(db, id, now: now)!
        }
    }
}
