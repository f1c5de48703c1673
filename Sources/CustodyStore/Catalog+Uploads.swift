import CustodyCore
public import Foundation

/// A resumable (tus) upload: who sends it, for whom, how long it is and how much is safely in.
public struct UploadRecord: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Bytes are arriving; `offset` of `length` are on disk.
        case receiving
        /// Every byte is in; the ingest has not finished (a crash, or it failed and is retried).
        case complete
        /// Handed to the ingest pipeline: `sha256` and `status` say what became of it.
        case ingested
        /// Cancelled by its uploader (tus termination).
        case terminated
        /// Untouched for longer than the configured time and removed.
        case expired
    }

    public var id: String
    public var userID: Int64
    public var uploader: String
    public var officerID: String?
    public var deviceID: String?
    public var filename: String
    /// The `Upload-Metadata` header as sent, echoed on HEAD.
    public var metadata: String
    public var length: Int64
    public var offset: Int64
    public var state: State
    public var sha256: String?
    public var status: String?
    public var reason: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, userID: Int64, uploader: String, officerID: String?, deviceID: String?, filename: String,
                metadata: String, length: Int64, createdAt: Date) {
        self.id = id
        self.userID = userID
        self.uploader = uploader
        self.officerID = officerID
        self.deviceID = deviceID
        self.filename = filename
        self.metadata = metadata
        self.length = length
        self.offset = 0
        self.state = .receiving
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    init(row r: SQLRow) {
        id = r["id"]
        userID = r["user_id"]
        uploader = r["uploader"]
        officerID = r["officer_id"]
        deviceID = r["device_id"]
        filename = r["filename"]
        metadata = r["metadata"]
        length = r["length"]
        offset = r["offset"]
        state = State(rawValue: r["state"]) ?? .receiving
        sha256 = r["sha256"]
        status = r["status"]
        reason = r["reason"]
        createdAt = Date(timeIntervalSince1970: r["created_at"])
        updatedAt = Date(timeIntervalSince1970: r["updated_at"])
    }
}

extension Catalog {
    /// Records a new upload, audited as `upload-created`.
    public func addUpload(_ upload: UploadRecord) async throws {
        try await backend.write { db in
            try db.execute(
                sql: """
                    INSERT INTO uploads (id, user_id, uploader, officer_id, device_id, filename, metadata, length, "offset", state, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 'receiving', ?, ?)
                    """,
                arguments: [upload.id, upload.userID, upload.uploader, upload.officerID, upload.deviceID, upload.filename,
                            upload.metadata, upload.length, upload.createdAt.timeIntervalSince1970, upload.updatedAt.timeIntervalSince1970])
            var detail = JSONObjectBuilder()
            detail.add("filename", upload.filename)
            detail.add("length", upload.length)
            detail.add("officer_id", upload.officerID)
            detail.add("device_id", upload.deviceID)
            try AuditLog.append(db, actor: upload.uploader, action: "upload-created", subject: upload.id, detail: detail.value)
        }
    }

    public func upload(id: String) async throws -> UploadRecord? {
        try await backend.read { db in try SQLRow.fetchOne(db, sql: "SELECT * FROM uploads WHERE id = ?", arguments: [id]).map(UploadRecord.init(row:)) }
    }

    /// Advances the durable offset (the bytes up to it are fsynced); `complete` when all are in.
    /// Only moves forward from `from`, so a late writer cannot undo a newer one.
    @discardableResult
    public func advanceUpload(id: String, from: Int64, to offset: Int64, complete: Bool, now: Date = Date()) async throws -> Bool {
        try await backend.write { db in
            try db.execute(
                sql: "UPDATE uploads SET \"offset\" = ?, state = ?, updated_at = ? WHERE id = ? AND \"offset\" = ? AND state = 'receiving'",
                arguments: [offset, complete ? "complete" : "receiving", now.timeIntervalSince1970, id, from])
            return db.changesCount == 1
        }
    }

    /// What the ingest made of a complete upload.
    public func finishUpload(id: String, sha256: String?, status: String, reason: String?, now: Date = Date()) async throws {
        try await backend.write { db in
            try db.execute(
                sql: "UPDATE uploads SET state = 'ingested', sha256 = ?, status = ?, reason = ?, updated_at = ? WHERE id = ? AND state = 'complete'",
                arguments: [sha256, status, reason, now.timeIntervalSince1970, id])
        }
    }

    /// A complete upload whose ingest failed: kept complete (retried later), with the reason.
    public func noteUploadProblem(id: String, reason: String, now: Date = Date()) async throws {
        try await backend.write { db in
            try db.execute(sql: "UPDATE uploads SET reason = ?, updated_at = ? WHERE id = ?", arguments: [reason, now.timeIntervalSince1970, id])
        }
    }

    /// Ends an unfinished upload as `terminated` or `expired`, audited with who and why.
    @discardableResult
    public func endUpload(id: String, state: UploadRecord.State, actor: String, reason: String, now: Date = Date()) async throws -> Bool {
        precondition(state == .terminated || state == .expired)
        return try await backend.write { db in
            guard let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM uploads WHERE id = ? AND state = 'receiving'", arguments: [id]) else {
                return false
            }
            let upload = UploadRecord(row: row)
            try db.execute(
                sql: "UPDATE uploads SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
                arguments: [state.rawValue, reason, now.timeIntervalSince1970, id])
            var detail = JSONObjectBuilder()
            detail.add("filename", upload.filename)
            detail.add("received", upload.offset)
            detail.add("length", upload.length)
            detail.add("reason", reason)
            try AuditLog.append(db, actor: actor, action: state == .expired ? "upload-expired" : "upload-terminated", subject: id, detail: detail.value)
            return true
        }
    }

    /// Unfinished uploads not touched since `before`.
    public func staleUploads(before: Date) async throws -> [UploadRecord] {
        try await backend.read { db in
            try SQLRow.fetchAll(
                db, sql: "SELECT * FROM uploads WHERE state = 'receiving' AND updated_at < ? ORDER BY updated_at",
                arguments: [before.timeIntervalSince1970]
            ).map(UploadRecord.init(row:))
        }
    }

    /// Uploads with every byte in but no finished ingest.
    public func completeUploads() async throws -> [UploadRecord] {
        try await backend.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM uploads WHERE state = 'complete' ORDER BY updated_at").map(UploadRecord.init(row:))
        }
    }

    /// Uploads of one account, newest first (the "My footage" page).
    public func uploads(userID: Int64, limit: Int = 50) async throws -> [UploadRecord] {
        try await backend.read { db in
            try SQLRow.fetchAll(
                db, sql: "SELECT * FROM uploads WHERE user_id = ? ORDER BY created_at DESC LIMIT ?", arguments: [userID, limit]
            ).map(UploadRecord.init(row:))
        }
    }

    /// The receipt an upload's ingest wrote, if it got that far (found by the staged path).
    public func uploadReceipt(sourcePath: String) async throws -> (sha256: String, duplicate: Bool)? {
        try await backend.read { db in
            try SQLRow.fetchOne(
                db, sql: "SELECT sha256, duplicate FROM receipts WHERE method = 'upload' AND source_path = ? LIMIT 1",
                arguments: [sourcePath]
            ).map { ($0[0], $0[1]) }
        }
    }
}

extension Catalog {
    /// One of an officer's clips as the "My footage" page lists it.
    public struct OfficerClip: Sendable {
        public var sha256: String
        public var originalName: String?
        public var start: Date?
        public var duration: Double?
        public var integrity: String
        public var quarantined: Bool
        public var receivedAt: Date?
        /// Incidents the clip is linked to (empty: unlinked).
        public var incidents: [String]
        /// The officer's findings on those incidents, by kind.
        public var findingKinds: [String]
        /// Where `start` came from (`container`, `filename`, `mtime`); `mtime` is an estimate
        /// (for an upload, the moment it arrived).
        public var timeSource: String? = nil
    }

    /// An officer's own clips, newest recording first, with link status and findings.
    public func clips(ofOfficer officer: String, limit: Int = 100) async throws -> [OfficerClip] {
        try await backend.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT e.sha256, e.start_time, e.duration, e.integrity, e.location, e.first_received_at, e.time_source,
                        (SELECT r.original_name FROM receipts r WHERE r.sha256 = e.sha256 ORDER BY r.id LIMIT 1) AS name,
                        (SELECT \(db.dialect == .sqlite ? "group_concat(incident_id, ' ')" : "string_agg(incident_id, ' ' ORDER BY incident_id)") FROM (
                            SELECT DISTINCT d.incident_id FROM links l JOIN dispatch_rows d ON d.id = l.row_id
                            WHERE l.clip_id = e.rowid ORDER BY d.incident_id) AS q) AS incidents
                    FROM evidence e WHERE e.officer_id = ? ORDER BY e.start_time DESC\(db.dialect.nullsLast) LIMIT ?
                    """,
                arguments: [officer, limit]
            ).map { r in
                let incidents = ((r["incidents"] as String?) ?? "").split(separator: " ").map(String.init)
                var kinds: [String] = []
                if !incidents.isEmpty {
                    kinds = try String.fetchAll(
                        db,
                        sql: "SELECT kind FROM findings WHERE officer_id = ? AND incident_id IN (\(databaseQuestionMarks(count: incidents.count))) ORDER BY start",
                        arguments: SQLArguments([officer] + incidents))
                }
                return OfficerClip(
                    sha256: r["sha256"], originalName: r["name"], start: (r["start_time"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    duration: r["duration"], integrity: r["integrity"], quarantined: (r["location"] as String) == "quarantine",
                    receivedAt: (r["first_received_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    incidents: incidents, findingKinds: kinds, timeSource: r["time_source"])
            }
        }
    }
}
