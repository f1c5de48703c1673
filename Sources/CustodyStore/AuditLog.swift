import CustodyCore
public import Foundation
internal import Crypto

/// One entry of the append-only audit log.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var actor: String
    public var action: String
    public var subject: String
    /// A JSON object, as text.
    public var detail: String
    public var prevHash: String
    public var hash: String
}

/// The hash chain: each entry stores the SHA-256 of the one before, and its own hash covers
/// that link, so editing, deleting or reordering any entry breaks every hash after it.
enum AuditLog {
    static let genesis = String(repeating: "0", count: 64)

    static func entryHash(id: Int64, at: Double, actor: String, action: String, subject: String, detail: String, prevHash: String) -> String {
        // Fields are length-prefixed so that no two different entries hash the same text.
        var text = ""
        for field in [String(id), String(format: "%.6f", at), actor, action, subject, detail, prevHash] {
            text += "\(field.utf8.count):\(field)\n"
        }
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func append(_ db: any SQLDatabase, actor: String, action: String, subject: String, detail: JSONValue) throws {
        if db.dialect == .postgres {
            // The chain's tail has one writer at a time: writes that append hold the catalog's
            // write lock too, audit-only transactions (`CatalogBackend.auditWrite`) only this.
            try db.execute(sql: "SELECT pg_advisory_xact_lock(\(PostgresBackend.auditLockKey))", arguments: [])
        }
        let last = try SQLRow.fetchOne(db, sql: "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        let prevHash: String = last?["hash"] ?? genesis
        let id: Int64 = (last?["id"] ?? 0) + 1
        let at = (Date().timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000
        let detailText = detail.rendered
        let hash = entryHash(id: id, at: at, actor: actor, action: action, subject: subject, detail: detailText, prevHash: prevHash)
        try db.execute(
            sql: "INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [id, at, actor, action, subject, detailText, prevHash, hash])
    }

    static func entries(_ db: any SQLDatabase, since: Date?) throws -> [AuditEntry] {
        let rows = try SQLRow.fetchAll(
            db, sql: "SELECT * FROM audit_log WHERE at >= ? ORDER BY id", arguments: [since?.timeIntervalSince1970 ?? 0])
        return rows.map(entry(from:))
    }

    static func entry(from row: SQLRow) -> AuditEntry {
        AuditEntry(
            id: row["id"], at: Date(timeIntervalSince1970: row["at"]), actor: row["actor"], action: row["action"],
            subject: row["subject"], detail: row["detail"], prevHash: row["prev_hash"], hash: row["hash"])
    }

    /// Problems found walking the chain from the first entry, each naming the entry.
    static func verify(_ db: any SQLDatabase) throws -> [String] {
        var problems: [String] = []
        var expectedPrev = genesis
        var expectedID: Int64 = 1
        try db.forEachRow(sql: "SELECT * FROM audit_log ORDER BY id", arguments: []) { row in
            let e = entry(from: row)
            let at: Double = row["at"]
            if e.id != expectedID {
                problems.append("audit entry \(expectedID)\(e.id > expectedID + 1 ? "–\(e.id - 1)" : "") is missing")
            }
            if e.prevHash != expectedPrev {
                problems.append("audit entry \(e.id) does not link to the entry before it")
            }
            let recomputed = entryHash(id: e.id, at: at, actor: e.actor, action: e.action, subject: e.subject, detail: e.detail, prevHash: e.prevHash)
            if recomputed != e.hash {
                problems.append("audit entry \(e.id) (\(e.action) \(e.subject)) was altered")
            }
            expectedPrev = e.hash
            expectedID = e.id + 1
        }
        return problems
    }
}
