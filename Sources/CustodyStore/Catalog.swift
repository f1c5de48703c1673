public import CustodyCore
public import Foundation

/// The catalog: what is stored, who handed it in, what it covers, the review queue, accounts,
/// retention and the audit trail. One facade over a backend (`CatalogBackend`): the SQLite file
/// of one data folder (the default) or a PostgreSQL database shared by several nodes. Every call
/// is `async`, and the database work runs on the backend's own threads. The facade's calls are
/// grouped by concern in protocols (`EvidenceStore`, `LinkStore`, `ReviewQueueStore`,
/// `AccountStore`, `UploadStore`, `RetentionStore`, `AuditTrail`), so code that needs one
/// concern can say so.
public final class Catalog: Sendable {
    let backend: any CatalogBackend

    init(backend: any CatalogBackend) {
        self.backend = backend
    }

    /// Opens or creates the SQLite catalog at `path` and migrates it to the current schema.
    public convenience init(path: String) throws {
        self.init(backend: try SQLiteBackend(path: path))
    }

    /// An in-memory SQLite catalog with the real schema, for tests.
    public convenience init(inMemory: Void = ()) throws {
        self.init(backend: try SQLiteBackend(inMemory: ()))
    }

    /// The PostgreSQL catalog at `url` (`postgres://USER@HOST:PORT/DB`), created or migrated
    /// to the current schema; several nodes may share it.
    public convenience init(postgres url: String, password: String?, connections: Int = 4) async throws {
        self.init(backend: try await PostgresBackend(url: url, password: password, connections: connections))
    }

    /// Which database this catalog is in.
    public var dialect: SQLDialect { backend.dialect }

    /// Where the catalog is, for messages (a path, or a URL without its password).
    public var location: String { backend.description }

    /// Lets go of the database connections.
    public func close() async throws {
        try await backend.close()
    }

    // MARK: - Evidence

    public func evidence(sha256: String) async throws -> EvidenceRecord? {
        try await backend.read { db in try EvidenceRecord.fetch(db, sha256: sha256) }
    }

    public func allEvidence() async throws -> [EvidenceRecord] {
        try await backend.read { db in try EvidenceRecord.fetchAll(db) }
    }

    /// The stored paths of the evidence rows with these SHA-256s (by primary key: cheap however
    /// large the catalog), for checking a few vault files against it.
    /// After a bulk load (a migration, a seeded benchmark): PostgreSQL's planner statistics
    /// brought up to date at once, not when autovacuum next gets round to the tables (until
    /// then it plans for empty tables). SQLite keeps no statistics here: nothing to do.
    public func refreshStatistics() async throws {
        guard dialect == .postgres else { return }
        try await backend.write { db in try db.execute(sql: "ANALYZE") }
    }

    public func storedPaths(sha256s: [String]) async throws -> Set<String> {
        try await backend.read { db in
            var paths = Set<String>()
            for chunk in sha256s.chunked(500) {
                paths.formUnion(try String.fetchAll(
                    db, sql: "SELECT stored_path FROM evidence WHERE sha256 IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: SQLArguments(chunk)))
            }
            return paths
        }
    }

    public func evidenceCount() async throws -> Int {
        try await backend.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM evidence") ?? 0 }
    }

    public func receipts(sha256: String) async throws -> [ReceiptRecord] {
        try await backend.read { db in try ReceiptRecord.fetchAll(db, sha256: sha256) }
    }

    public func receiptCount() async throws -> Int {
        try await backend.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM receipts") ?? 0 }
    }

    /// Outcome of recording one hand-in.
    public enum Recorded: Sendable, Equatable {
        case new
        case duplicate
    }

    /// In one transaction: the evidence row (unless that content is already catalogued), the
    /// receipt, and the audit entry; and the pending journal entry, if any, is cleared.
    @discardableResult
    public func record(evidence: EvidenceRecord, receipt: ReceiptRecord, actor: String, pendingID: Int64? = nil, moveID: Int64? = nil) async throws -> Recorded {
        try await backend.write { db in
            let exists = try EvidenceRecord.fetch(db, sha256: evidence.sha256) != nil
            if !exists {
                try evidence.insert(db)
            }
            var receipt = receipt
            receipt.duplicate = exists
            try receipt.insert(db)
            try db.execute(
                sql: "UPDATE evidence SET first_received_at = \(db.dialect.least)(COALESCE(first_received_at, ?), ?) WHERE sha256 = ?",
                arguments: [receipt.receivedAt.timeIntervalSince1970, receipt.receivedAt.timeIntervalSince1970, evidence.sha256])
            if let pendingID {
                try db.execute(sql: "DELETE FROM pending_ingest WHERE id = ?", arguments: [pendingID])
            }
            if let moveID {
                try db.execute(sql: "DELETE FROM move_journal WHERE id = ?", arguments: [moveID])
            }
            let action = exists ? "received-duplicate" : (evidence.location == .quarantine ? "quarantined" : "received")
            var detail = JSONObjectBuilder()
            detail.add("original_name", receipt.originalName)
            detail.add("method", receipt.method)
            detail.add("size", evidence.size)
            detail.add("reason", exists ? nil : evidence.quarantineReason)
            try AuditLog.append(db, actor: actor, action: action, subject: evidence.sha256, detail: detail.value)
            return exists ? .duplicate : .new
        }
    }

    // MARK: - Pending journal (crash recovery)

    /// Notes, before a staged file is renamed into the vault, what is about to happen, so that
    /// start-up reconciliation can finish the step with the receipt intact.
    public func addPending(_ pending: PendingIngest, node: String = "") async throws -> Int64 {
        try await backend.write { db in
            return try db.insertReturningID(
                sql: "INSERT INTO pending_ingest (sha256, staged_path, final_path, evidence_json, receipt_json, created_at, node) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [pending.sha256, pending.stagedPath, pending.finalPath, pending.evidenceJSON, pending.receiptJSON, Date().timeIntervalSince1970, node])
        }
    }

    /// The unfinished hand-ins; with `node`, only that node's (and those written before nodes
    /// existed): another node's are its own to finish, from its own staging folder.
    public func pending(node: String? = nil) async throws -> [PendingIngest] {
        try await backend.read { db in
            try SQLRow.fetchAll(
                db, sql: "SELECT * FROM pending_ingest \(node == nil ? "" : "WHERE node = ? OR node = ''") ORDER BY id",
                arguments: node.map { [$0] } ?? []
            ).map { row in
                PendingIngest(
                    id: row["id"], sha256: row["sha256"], stagedPath: row["staged_path"], finalPath: row["final_path"],
                    evidenceJSON: row["evidence_json"], receiptJSON: row["receipt_json"])
            }
        }
    }

    public func removePending(id: Int64) async throws {
        try await backend.write { db in try db.execute(sql: "DELETE FROM pending_ingest WHERE id = ?", arguments: [id]) }
    }

    // MARK: - Move journal (a source renamed into staging)

    /// A source file about to be renamed into staging (`ingest --move`, `watch`): noted first,
    /// so that a crash before the file reaches the vault puts it back where it was.
    public struct MoveEntry: Sendable, Equatable {
        public var id: Int64
        public var sourcePath: [UInt8]
        public var stagedPath: String
    }

    public func addMove(source: [UInt8], staged: String, node: String = "") async throws -> Int64 {
        try await backend.write { db in
            return try db.insertReturningID(
                sql: "INSERT INTO move_journal (source_path, staged_path, created_at, node) VALUES (?, ?, ?, ?)",
                arguments: [Data(source), staged, Date().timeIntervalSince1970, node])
        }
    }

    /// Sources renamed into staging and not yet stored; with `node`, only that node's.
    public func moves(node: String? = nil) async throws -> [MoveEntry] {
        try await backend.read { db in
            try SQLRow.fetchAll(
                db, sql: "SELECT * FROM move_journal \(node == nil ? "" : "WHERE node = ? OR node = ''") ORDER BY id",
                arguments: node.map { [$0] } ?? []
            ).map { row in
                let data: Data = row["source_path"]
                return MoveEntry(id: row["id"], sourcePath: Array(data), stagedPath: row["staged_path"])
            }
        }
    }

    public func removeMove(id: Int64) async throws {
        try await backend.write { db in try db.execute(sql: "DELETE FROM move_journal WHERE id = ?", arguments: [id]) }
    }

    // MARK: - Audit

    /// Appends one entry to the hash-chained audit log. On PostgreSQL it does not wait for other
    /// catalog writes, such as a relink's (see `CatalogBackend.auditWrite`).
    public func audit(actor: String, action: String, subject: String, detail: JSONValue = .object([])) async throws {
        try await backend.auditWrite { db in
            try AuditLog.append(db, actor: actor, action: action, subject: subject, detail: detail)
        }
    }

    public func auditEntries(since: Date? = nil) async throws -> [AuditEntry] {
        try await backend.read { db in try AuditLog.entries(db, since: since) }
    }

    /// Walks the chain; every entry whose hash or link does not hold is named.
    public func verifyAuditChain() async throws -> [String] {
        try await backend.read { db in try AuditLog.verify(db) }
    }

    /// The database's own check of its files: "ok" when sound (SQLite's `integrity_check`;
    /// PostgreSQL checks its pages itself, so "ok" once it answers).
    public func integrityCheck() async throws -> String {
        if let sqlite = backend as? SQLiteBackend { return try await sqlite.integrityCheck() }
        return try await backend.read { db in try String.fetchOne(db, sql: "SELECT 'ok'") ?? "ok" }
    }

    /// Runs raw SQL; for tests that tamper with the catalog on purpose.
    public func executeForTesting(_ sql: String) async throws {
        try await backend.write { db in try db.execute(sql: sql) }
    }
}
