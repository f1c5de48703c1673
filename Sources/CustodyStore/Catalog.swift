public import CustodyCore
public import Foundation
internal import GRDB

/// The SQLite catalog (WAL mode, busy timeout, short write transactions) of one data folder.
/// GRDB types stay inside this module: callers get plain values.
public final class Catalog: Sendable {
    let writer: any DatabaseWriter
    /// Beside the catalog file: serializes relinks across processes (nil in memory).
    let lockPath: String?
    /// Stands in for the relink lock file in memory.
    let memoryLinkLock = NSLock()

    /// Opens or creates the catalog at `path` and migrates it to the current schema.
    public init(path: String) throws {
        lockPath = path + ".link-lock"
        var config = Configuration()
        // Wait up to 30 s for another writer, checking every millisecond: SQLite's own timeout
        // backs off to 100 ms between checks and so can miss every short gap between the
        // batches of a long relink in another process (a write could then wait for all of it).
        config.busyMode = .callback(Self.busyWait)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        writer = try DatabasePool(path: path, configuration: config)
        try Self.migrator.migrate(writer)
    }

    /// Sleeps 1 ms per try, for about 30 s in all.
    static let busyWait: Database.BusyCallback = { tries in
        guard tries < 30_000 else { return false }
        usleep(1000)
        return true
    }

    /// Over an already opened database (read-only opening).
    init(writer: any DatabaseWriter) {
        lockPath = nil
        self.writer = writer
    }

    /// An in-memory catalog with the real schema, for tests.
    public init(inMemory: Void = ()) throws {
        lockPath = nil
        writer = try DatabaseQueue()
        try Self.migrator.migrate(writer)
    }

    // MARK: - Evidence

    public func evidence(sha256: String) throws -> EvidenceRecord? {
        try writer.read { db in try EvidenceRecord.fetch(db, sha256: sha256) }
    }

    public func allEvidence() throws -> [EvidenceRecord] {
        try writer.read { db in try EvidenceRecord.fetchAll(db) }
    }

    /// The stored paths of the evidence rows with these SHA-256s (by primary key: cheap however
    /// large the catalog), for checking a few vault files against it.
    public func storedPaths(sha256s: [String]) throws -> Set<String> {
        try writer.read { db in
            var paths = Set<String>()
            for chunk in sha256s.chunked(500) {
                paths.formUnion(try String.fetchAll(
                    db, sql: "SELECT stored_path FROM evidence WHERE sha256 IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: StatementArguments(chunk)))
            }
            return paths
        }
    }

    public func evidenceCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM evidence") ?? 0 }
    }

    public func receipts(sha256: String) throws -> [ReceiptRecord] {
        try writer.read { db in try ReceiptRecord.fetchAll(db, sha256: sha256) }
    }

    public func receiptCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM receipts") ?? 0 }
    }

    /// Outcome of recording one hand-in.
    public enum Recorded: Sendable, Equatable {
        case new
        case duplicate
    }

    /// In one transaction: the evidence row (unless that content is already catalogued), the
    /// receipt, and the audit entry; and the pending journal entry, if any, is cleared.
    @discardableResult
    public func record(evidence: EvidenceRecord, receipt: ReceiptRecord, actor: String, pendingID: Int64? = nil, moveID: Int64? = nil) throws -> Recorded {
        try writer.write { db in
            let exists = try EvidenceRecord.fetch(db, sha256: evidence.sha256) != nil
            if !exists {
                try evidence.insert(db)
            }
            var receipt = receipt
            receipt.duplicate = exists
            try receipt.insert(db)
            try db.execute(
                sql: "UPDATE evidence SET first_received_at = MIN(COALESCE(first_received_at, ?), ?) WHERE sha256 = ?",
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
    public func addPending(_ pending: PendingIngest) throws -> Int64 {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO pending_ingest (sha256, staged_path, final_path, evidence_json, receipt_json, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [pending.sha256, pending.stagedPath, pending.finalPath, pending.evidenceJSON, pending.receiptJSON, Date().timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    public func pending() throws -> [PendingIngest] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM pending_ingest ORDER BY id").map { row in
                PendingIngest(
                    id: row["id"], sha256: row["sha256"], stagedPath: row["staged_path"], finalPath: row["final_path"],
                    evidenceJSON: row["evidence_json"], receiptJSON: row["receipt_json"])
            }
        }
    }

    public func removePending(id: Int64) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM pending_ingest WHERE id = ?", arguments: [id]) }
    }

    // MARK: - Move journal (a source renamed into staging)

    /// A source file about to be renamed into staging (`ingest --move`, `watch`): noted first,
    /// so that a crash before the file reaches the vault puts it back where it was.
    public struct MoveEntry: Sendable, Equatable {
        public var id: Int64
        public var sourcePath: [UInt8]
        public var stagedPath: String
    }

    public func addMove(source: [UInt8], staged: String) throws -> Int64 {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO move_journal (source_path, staged_path, created_at) VALUES (?, ?, ?)",
                arguments: [Data(source), staged, Date().timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    public func moves() throws -> [MoveEntry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM move_journal ORDER BY id").map { row in
                let data: Data = row["source_path"]
                return MoveEntry(id: row["id"], sourcePath: Array(data), stagedPath: row["staged_path"])
            }
        }
    }

    public func removeMove(id: Int64) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM move_journal WHERE id = ?", arguments: [id]) }
    }

    // MARK: - Audit

    /// Appends one entry to the hash-chained audit log.
    public func audit(actor: String, action: String, subject: String, detail: JSONValue = .object([])) throws {
        try writer.write { db in
            try AuditLog.append(db, actor: actor, action: action, subject: subject, detail: detail)
        }
    }

    public func auditEntries(since: Date? = nil) throws -> [AuditEntry] {
        try writer.read { db in try AuditLog.entries(db, since: since) }
    }

    /// Walks the chain; every entry whose hash or link does not hold is named.
    public func verifyAuditChain() throws -> [String] {
        try writer.read { db in try AuditLog.verify(db) }
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    /// Runs raw SQL; for tests that tamper with the catalog on purpose.
    public func executeForTesting(_ sql: String) throws {
        try writer.write { db in try db.execute(sql: sql) }
    }
}
