public import Foundation

/// Which audit entries a page of the audit trail shows. Every field narrows; nil matches all.
public struct AuditFilter: Sendable, Equatable {
    /// The exact subject (see `Catalog.auditEntries(_:limit:offset:)` for what subjects are).
    public var subject: String?
    /// The exact actor: an account name, `system`, `cli`, `test`…
    public var actor: String?
    /// The exact action (`Catalog.auditActions()` lists those present).
    public var action: String?
    /// Entries at or after this instant.
    public var from: Date?
    /// Entries before this instant.
    public var to: Date?

    public init(subject: String? = nil, actor: String? = nil, action: String? = nil, from: Date? = nil, to: Date? = nil) {
        self.subject = subject
        self.actor = actor
        self.action = action
        self.from = from
        self.to = to
    }
}

/// Reading the audit log back: filtered pages, a clip's chain of custody, a queue item's history.
///
/// The subjects the catalog and its callers write:
/// - a clip's SHA-256: `received`, `received-duplicate`, `quarantined`, `attributed`,
///   `hold-placed` / `hold-released` on the clip, `purged`, `fixity-failed`, and the server's
///   `viewed` and `played`;
/// - `incident:ID`: holds on an incident (`hold-placed`, `hold-released`) and the server's `viewed`;
/// - `queue:ID`: a review item's `claimed`, `renewed`, `released`, `lease-expired`, `verdict`,
///   `reopened`, `reassigned`, `review-requested`, `queue-withdrawn` (whose detail names the
///   item's own subject, `call:…`, `clip:SHA`…) and the server's `viewed`;
/// - an account name: `user-added`, `user-disabled`, `user-enabled`, `password-reset`,
///   `user-changed`, `token-issued`, `token-revoked`, `tokens-revoked`;
/// - a dispatch or checkout file's source name: `dispatch-imported`, `checkouts-imported`;
/// - an upload's id: `upload-created`, `upload-expired`, `upload-terminated`;
/// - `session` (`signed-in`, `signed-out`, refused sign-ins), `day:YYYY-MM-DD` (`audited`),
///   `vault` (`verified`), `catalog` (`catalog-rebuilt`), and for `relinked` an officer id,
///   `N officers` or `all`.
extension Catalog {
    /// A page of the entries `filter` matches, newest first, and how many match in all.
    public func auditEntries(_ filter: AuditFilter, limit: Int, offset: Int) async throws -> (entries: [AuditEntry], total: Int) {
        var clauses: [String] = []
        var arguments: [(any SQLBindable)?] = []
        if let v = filter.subject { clauses.append("subject = ?"); arguments.append(v) }
        if let v = filter.actor { clauses.append("actor = ?"); arguments.append(v) }
        if let v = filter.action { clauses.append("action = ?"); arguments.append(v) }
        if let v = filter.from { clauses.append("at >= ?"); arguments.append(v.timeIntervalSince1970) }
        if let v = filter.to { clauses.append("at < ?"); arguments.append(v.timeIntervalSince1970) }
        let condition = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        let filtered = arguments
        return try await backend.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log\(condition)", arguments: SQLArguments(filtered)) ?? 0
            let rows = try SQLRow.fetchAll(
                db, sql: "SELECT * FROM audit_log\(condition) ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: SQLArguments(filtered + [limit, offset]))
            return (rows.map(AuditLog.entry(from:)), total)
        }
    }

    /// The actions present in the log, sorted (for a filter's choices).
    public func auditActions() async throws -> [String] {
        try await backend.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT action FROM audit_log").sorted()
        }
    }

    /// A clip's chain of custody, oldest first: every entry whose subject is the clip's
    /// SHA-256 (its receipt or quarantine, attribution, holds on the clip, views and plays,
    /// fixity failures, purge); every entry about a review item of the clip (`queue:ID` of the
    /// items whose `clip_sha256` it is: claims, verdicts, reopenings…); and the holds placed
    /// on or released from an incident the clip is linked to (`incident:ID`, which hold the
    /// clip too). Not included: items since withdrawn from the queue (their row, and so their
    /// link to the clip, is gone; the `queue-withdrawn` entry names `clip:SHA` in its detail),
    /// and items about the clip's calls rather than the clip itself.
    public func chainOfCustody(sha256: String) async throws -> [AuditEntry] {
        try await backend.read { db in
            var subjects = [sha256]
            subjects += try Int64.fetchAll(db, sql: "SELECT id FROM review_items WHERE clip_sha256 = ?", arguments: [sha256]).map { "queue:\($0)" }
            let incidents = try String.fetchAll(db, sql: """
                SELECT DISTINCT d.incident_id FROM evidence e JOIN links l ON l.clip_id = e.rowid JOIN dispatch_rows d ON d.id = l.row_id
                WHERE e.sha256 = ?
                """, arguments: [sha256]).map { "incident:\($0)" }
            var sql = "SELECT * FROM audit_log WHERE subject IN (\(databaseQuestionMarks(count: subjects.count)))"
            var arguments = SQLArguments(subjects)
            if !incidents.isEmpty {
                sql += " OR (subject IN (\(databaseQuestionMarks(count: incidents.count))) AND action IN ('hold-placed', 'hold-released'))"
                arguments += SQLArguments(incidents)
            }
            return try SQLRow.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments).map(AuditLog.entry(from:))
        }
    }

    /// Everything that happened to one review item, oldest first: every entry whose subject is
    /// `queue:ID` (requested, claimed, renewed, released, lease expired, reassigned, verdict with
    /// its checklist and note, reopened with the verdict it cleared, viewed).
    public func itemHistory(_ id: Int64) async throws -> [AuditEntry] {
        try await backend.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM audit_log WHERE subject = ? ORDER BY id", arguments: ["queue:\(id)"]).map(AuditLog.entry(from:))
        }
    }
}
