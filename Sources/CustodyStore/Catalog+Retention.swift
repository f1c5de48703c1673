public import CustodyCore
public import Foundation

/// A legal hold, or a mark as case evidence, on one clip or on every clip of one incident.
/// While it is in force the footage it covers is kept for good.
public struct Hold: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case legalHold = "legal_hold"
        case caseEvidence = "case_evidence"
    }

    public var id: Int64
    public var kind: Kind
    public var clipSHA256: String?
    public var incidentID: String?
    public var reason: String
    public var placedBy: String
    public var placedAt: Date
    public var releasedBy: String?
    public var releasedAt: Date?
    public var releaseReason: String?

    public var isActive: Bool { releasedAt == nil }
}

extension Hold: JSONLineConvertible {
    public var jsonValue: JSONValue {
        var o = JSONObjectBuilder()
        o.add("id", id)
        o.add("kind", kind.rawValue)
        o.add("clip_sha256", clipSHA256, null: true)
        o.add("incident_id", incidentID, null: true)
        o.add("reason", reason)
        o.add("placed_by", placedBy)
        o.add("placed_at", Timestamp.format(placedAt))
        o.add("active", .bool(isActive))
        o.add("released_by", releasedBy, null: true)
        o.add("released_at", releasedAt.map(Timestamp.format), null: true)
        o.add("release_reason", releaseReason, null: true)
        return o.value
    }
}

/// A stored clip's retention: its class, and when it may be deleted.
public struct RetentionItem: Sendable, Equatable {
    public var sha256: String
    public var size: Int64
    public var storedPath: String
    public var officerID: String?
    public var recordedAt: Date
    public var retentionClass: RetentionPolicy.Class
    /// nil: kept for good.
    public var expires: Date?
}

extension RetentionItem: JSONLineConvertible {
    public var jsonValue: JSONValue {
        var o = JSONObjectBuilder()
        o.add("sha256", sha256)
        o.add("size", size)
        o.add("stored_path", storedPath)
        o.add("officer_id", officerID, null: true)
        o.add("recorded_at", Timestamp.format(recordedAt))
        o.add("class", retentionClass.description)
        o.add("expires", expires.map(Timestamp.format), null: true)
        return o.value
    }
}

/// The record left where a file was deleted under retention: what it was, who deleted it,
/// when and why.
public struct Tombstone: Sendable, Equatable {
    public var sha256: String
    public var size: Int64
    public var storedPath: String
    public var officerID: String?
    public var recordedAt: Date?
    public var retentionClass: String
    public var expiredAt: Date
    public var purgedAt: Date
    public var purgedBy: String
    public var reason: String
    /// When the file itself was removed (nil: recorded, file still to be removed).
    public var fileRemovedAt: Date?
}

extension Tombstone: JSONLineConvertible {
    public var jsonValue: JSONValue {
        var o = JSONObjectBuilder()
        o.add("sha256", sha256)
        o.add("size", size)
        o.add("stored_path", storedPath)
        o.add("officer_id", officerID, null: true)
        o.add("recorded_at", recordedAt.map(Timestamp.format), null: true)
        o.add("class", retentionClass)
        o.add("expired_at", Timestamp.format(expiredAt))
        o.add("purged_at", Timestamp.format(purgedAt))
        o.add("purged_by", purgedBy)
        o.add("reason", reason)
        return o.value
    }
}

extension Catalog {
    public struct HoldError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        /// True when the thing named does not exist (an API answers 404), false for a bad request.
        public var notFound = false
    }

    // MARK: - Holds

    /// Places a legal hold or a case-evidence mark on a clip or an incident (exactly one).
    public func placeHold(kind: Hold.Kind, clip: String?, incident: String?, reason: String, by actor: String, now: Date = Date()) async throws -> Hold {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (clip == nil) != (incident == nil) else { throw HoldError(description: "Name either one clip (SHA-256) or one incident.") }
        guard !reason.isEmpty else { throw HoldError(description: "Give the reason for the hold.") }
        return try await backend.write { db in
            if let clip {
                guard let row = try SQLRow.fetchOne(db, sql: "SELECT purged_at FROM evidence WHERE sha256 = ?", arguments: [clip]) else {
                    throw HoldError(description: "No stored clip has the SHA-256 \(clip).", notFound: true)
                }
                if (row[0] as Double?) != nil { throw HoldError(description: "Clip \(clip) was already deleted under retention.") }
            }
            if let incident, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM dispatch_rows WHERE incident_id = ?)", arguments: [incident]) != true {
                throw HoldError(description: "No dispatch record has the incident id \(incident).", notFound: true)
            }
            let id = try db.insertReturningID(
                sql: "INSERT INTO holds (kind, clip_sha256, incident_id, reason, placed_by, placed_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [kind.rawValue, clip, incident, reason, actor, now.timeIntervalSince1970])
            try AuditLog.append(db, actor: actor, action: "hold-placed", subject: clip ?? "incident:\(incident!)", detail: .object([
                ("hold", .int(id)), ("kind", .string(kind.rawValue)), ("reason", .string(reason)),
            ]))
            return try Self.fetchHold(db, id)!
        }
    }

    /// Ends a hold; the footage falls back to its other retention classes.
    public func releaseHold(_ id: Int64, reason: String, by actor: String, now: Date = Date()) async throws -> Hold {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw HoldError(description: "Give the reason for releasing the hold.") }
        return try await backend.write { db in
            guard let hold = try Self.fetchHold(db, id) else { throw HoldError(description: "Hold \(id) does not exist.", notFound: true) }
            guard hold.isActive else { throw HoldError(description: "Hold \(id) was already released.") }
            try db.execute(
                sql: "UPDATE holds SET released_by = ?, released_at = ?, release_reason = ? WHERE id = ?",
                arguments: [actor, now.timeIntervalSince1970, reason, id])
            try AuditLog.append(db, actor: actor, action: "hold-released", subject: hold.clipSHA256 ?? "incident:\(hold.incidentID!)", detail: .object([
                ("hold", .int(id)), ("kind", .string(hold.kind.rawValue)), ("reason", .string(reason)),
            ]))
            return try Self.fetchHold(db, id)!
        }
    }

    /// Holds, newest first; released ones too unless `activeOnly`.
    public func holds(activeOnly: Bool = false) async throws -> [Hold] {
        try await backend.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM holds \(activeOnly ? "WHERE released_at IS NULL" : "") ORDER BY id DESC").map(Self.hold)
        }
    }

    static func fetchHold(_ db: any SQLDatabase, _ id: Int64) throws -> Hold? {
        try SQLRow.fetchOne(db, sql: "SELECT * FROM holds WHERE id = ?", arguments: [id]).map(hold)
    }

    static func hold(_ r: SQLRow) -> Hold {
        func date(_ c: String) -> Date? { (r[c] as Double?).map { Date(timeIntervalSince1970: $0) } }
        return Hold(
            id: r["id"], kind: Hold.Kind(rawValue: r["kind"]) ?? .legalHold, clipSHA256: r["clip_sha256"], incidentID: r["incident_id"],
            reason: r["reason"], placedBy: r["placed_by"], placedAt: date("placed_at")!, releasedBy: r["released_by"],
            releasedAt: date("released_at"), releaseReason: r["release_reason"])
    }

    // MARK: - Retention

    /// Stored clips whose retention has run out by `reference` (due), and those past the
    /// default period that a longer class keeps (kept). Both in recording order.
    public func retentionReview(policy: RetentionPolicy, reference: Date) async throws -> (due: [RetentionItem], kept: [RetentionItem]) {
        try await backend.read { db in
            let cutoff = policy.earliestCandidateCutoff(reference: reference).timeIntervalSince1970
            let candidates = try SQLRow.fetchAll(db, sql: """
                SELECT rowid, sha256, size, stored_path, officer_id, \(Self.recordedAt) AS recorded FROM evidence
                WHERE location = 'vault' AND purged_at IS NULL AND \(Self.recordedAt) < ? ORDER BY recorded, sha256
                """, arguments: [cutoff])
            var due: [RetentionItem] = [], kept: [RetentionItem] = []
            for row in candidates {
                let item = try Self.retentionItem(db, row, policy: policy)
                if let expires = item.expires, expires <= reference { due.append(item) } else { kept.append(item) }
            }
            return (due, kept)
        }
    }

    /// When a clip counts as recorded, for retention: its start, else its first receipt, else storage.
    static let recordedAt = "COALESCE(start_time, first_received_at, stored_at)"

    static func retentionItem(_ db: any SQLDatabase, _ row: SQLRow, policy: RetentionPolicy) throws -> RetentionItem {
        let clipID: Int64 = row["rowid"]
        let sha: String = row["sha256"]
        let categories = try String.fetchAll(db, sql: """
            SELECT DISTINCT d.category FROM links l JOIN dispatch_rows d ON d.id = l.row_id WHERE l.clip_id = ? AND d.category IS NOT NULL
            """, arguments: [clipID])
        let kinds = try String.fetchAll(db, sql: """
            SELECT DISTINCT kind FROM holds WHERE released_at IS NULL AND (clip_sha256 = ? OR incident_id IN (
                SELECT d.incident_id FROM links l JOIN dispatch_rows d ON d.id = l.row_id WHERE l.clip_id = ?))
            """, arguments: [sha, clipID])
        let recorded = Date(timeIntervalSince1970: row["recorded"])
        let facts = RetentionPolicy.Facts(
            recordedAt: recorded, categories: Set(categories),
            legalHold: kinds.contains(Hold.Kind.legalHold.rawValue), caseEvidence: kinds.contains(Hold.Kind.caseEvidence.rawValue))
        let (retentionClass, expires) = policy.decide(facts)
        return RetentionItem(
            sha256: sha, size: row["size"], storedPath: row["stored_path"], officerID: row["officer_id"], recordedAt: recorded,
            retentionClass: retentionClass, expires: expires)
    }

    /// Records the deletion of one clip under retention, in one transaction: its class is
    /// decided again (a hold placed since the listing wins), then the tombstone, the row's
    /// `purged_at` and the audit entry are written. Returns nil when the clip is no longer due.
    /// The caller then removes the file and calls `fileRemoved`.
    public func recordPurge(sha256: String, policy: RetentionPolicy, reference: Date, by actor: String, context: String, now: Date = Date()) async throws -> Tombstone? {
        try await backend.write { db in
            guard let row = try SQLRow.fetchOne(db, sql: """
                SELECT rowid, sha256, size, stored_path, officer_id, \(Self.recordedAt) AS recorded FROM evidence
                WHERE sha256 = ? AND location = 'vault' AND purged_at IS NULL
                """, arguments: [sha256])
            else { return nil }
            let item = try Self.retentionItem(db, row, policy: policy)
            guard let expires = item.expires, expires <= reference else { return nil }
            let reason = "retention \(item.retentionClass) from recording at \(Timestamp.format(item.recordedAt)) ran out at \(Timestamp.format(expires)); \(context)"
            let t = now.timeIntervalSince1970
            try db.execute(
                sql: """
                    INSERT INTO tombstones (sha256, size, stored_path, officer_id, recorded_at, retention_class, expired_at, purged_at, purged_by, reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [item.sha256, item.size, item.storedPath, item.officerID, item.recordedAt.timeIntervalSince1970,
                            item.retentionClass.description, expires.timeIntervalSince1970, t, actor, reason])
            try db.execute(sql: "UPDATE evidence SET purged_at = ? WHERE sha256 = ?", arguments: [t, sha256])
            try AuditLog.append(db, actor: actor, action: "purged", subject: sha256, detail: .object([
                ("size", .int(item.size)), ("stored_path", .string(item.storedPath)), ("class", .string(item.retentionClass.description)),
                ("recorded_at", .string(Timestamp.format(item.recordedAt))), ("expired_at", .string(Timestamp.format(expires))),
                ("reason", .string(reason)),
            ]))
            return try Self.fetchTombstone(db, sha256)
        }
    }

    /// Notes that a purged clip's file is gone from the vault.
    public func fileRemoved(sha256: String, now: Date = Date()) async throws {
        try await backend.write { db in
            try db.execute(sql: "UPDATE tombstones SET file_removed_at = ? WHERE sha256 = ? AND file_removed_at IS NULL",
                           arguments: [now.timeIntervalSince1970, sha256])
        }
    }

    /// Purges recorded whose file removal did not finish (a crash in between): to be finished.
    public func unfinishedPurges() async throws -> [Tombstone] {
        try await backend.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM tombstones WHERE file_removed_at IS NULL ORDER BY sha256").map(Self.tombstone)
        }
    }

    public func tombstones() async throws -> [Tombstone] {
        try await backend.read { db in try SQLRow.fetchAll(db, sql: "SELECT * FROM tombstones ORDER BY purged_at, sha256").map(Self.tombstone) }
    }

    public func tombstone(sha256: String) async throws -> Tombstone? {
        try await backend.read { db in try Self.fetchTombstone(db, sha256) }
    }

    static func fetchTombstone(_ db: any SQLDatabase, _ sha256: String) throws -> Tombstone? {
        try SQLRow.fetchOne(db, sql: "SELECT * FROM tombstones WHERE sha256 = ?", arguments: [sha256]).map(tombstone)
    }

    static func tombstone(_ r: SQLRow) -> Tombstone {
        func date(_ c: String) -> Date? { (r[c] as Double?).map { Date(timeIntervalSince1970: $0) } }
        return Tombstone(
            sha256: r["sha256"], size: r["size"], storedPath: r["stored_path"], officerID: r["officer_id"], recordedAt: date("recorded_at"),
            retentionClass: r["retention_class"], expiredAt: date("expired_at")!, purgedAt: date("purged_at")!, purgedBy: r["purged_by"],
            reason: r["reason"], fileRemovedAt: date("file_removed_at"))
    }
}
