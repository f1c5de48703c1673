public import CustodyCore
public import Foundation

/// One stored original: one row per distinct SHA-256.
public struct EvidenceRecord: Sendable, Equatable {
    public enum Location: String, Sendable, Codable { case vault, quarantine }

    public var sha256: String
    public var size: Int64
    public var ext: String
    public var location: Location
    /// Path relative to the data folder, e.g. `vault/ab/cd/<sha>.mp4`.
    public var storedPath: String
    public var quarantineReason: String?
    public var probe: ProbeRecord
    public var storedAt: Date
    /// The officer the clip is attributed to (SPEC §6), and how: `ingest` (named at hand-in),
    /// `file` (its name or tags), `checkout` (who had the camera); nil when unattributed.
    public var officerID: String?
    public var attribution: String?
    /// When retention deleted the file (the row and its tombstone remain); nil while stored.
    public var purgedAt: Date?

    public init(sha256: String, size: Int64, ext: String, location: Location, storedPath: String,
                quarantineReason: String?, probe: ProbeRecord, storedAt: Date,
                officerID: String? = nil, attribution: String? = nil, purgedAt: Date? = nil) {
        self.sha256 = sha256
        self.size = size
        self.ext = ext
        self.location = location
        self.storedPath = storedPath
        self.quarantineReason = quarantineReason
        self.probe = probe
        self.storedAt = storedAt
        self.officerID = officerID
        self.attribution = attribution
        self.purgedAt = purgedAt
    }
}

/// One hand-in of a file: who, when, how, under what name. Duplicates get receipts too.
public struct ReceiptRecord: Sendable, Equatable, Codable {
    public var sha256: String
    /// When a collection station received it (`--received-at`), else when Custody did.
    public var receivedAt: Date
    /// When Custody recorded it.
    public var recordedAt: Date
    /// `ingest`, `watch`, `upload`, `reconcile`.
    public var method: String
    public var originalName: String
    public var sourcePath: String
    public var handedInBy: String
    public var officerOverride: String?
    public var deviceOverride: String?
    public var duplicate: Bool

    public init(sha256: String, receivedAt: Date, recordedAt: Date, method: String, originalName: String,
                sourcePath: String, handedInBy: String, officerOverride: String? = nil,
                deviceOverride: String? = nil, duplicate: Bool = false) {
        self.sha256 = sha256
        self.receivedAt = receivedAt
        self.recordedAt = recordedAt
        self.method = method
        self.originalName = originalName
        self.sourcePath = sourcePath
        self.handedInBy = handedInBy
        self.officerOverride = officerOverride
        self.deviceOverride = deviceOverride
        self.duplicate = duplicate
    }
}

/// A journal entry for a file between staging and the catalog.
public struct PendingIngest: Sendable, Equatable {
    public var id: Int64?
    public var sha256: String
    public var stagedPath: String
    /// The vault key it goes to (`vault/ab/cd/<sha256>.<ext>`); journals written before the
    /// vault was a type hold the absolute path in the data folder instead.
    public var finalPath: String
    public var evidenceJSON: String
    public var receiptJSON: String

    public init(id: Int64? = nil, sha256: String, stagedPath: String, finalPath: String, evidenceJSON: String, receiptJSON: String) {
        self.id = id
        self.sha256 = sha256
        self.stagedPath = stagedPath
        self.finalPath = finalPath
        self.evidenceJSON = evidenceJSON
        self.receiptJSON = receiptJSON
    }
}

extension EvidenceRecord: Codable {}

extension EvidenceRecord {
    static func fetch(_ db: any SQLDatabase, sha256: String) throws -> EvidenceRecord? {
        try SQLRow.fetchOne(db, sql: "SELECT * FROM evidence WHERE sha256 = ?", arguments: [sha256]).map(Self.init(row:))
    }

    static func fetchAll(_ db: any SQLDatabase) throws -> [EvidenceRecord] {
        try SQLRow.fetchAll(db, sql: "SELECT * FROM evidence ORDER BY sha256").map(Self.init(row:))
    }

    init(row: SQLRow) {
        let probeJSON: String = row["probe_json"]
        let probe = (try? JSONDecoder().decode(ProbeRecord.self, from: Data(probeJSON.utf8)))
            ?? ProbeRecord(path: "", size: row["size"], integrity: .unreadable, error: "catalogued probe record unreadable")
        self.init(
            sha256: row["sha256"], size: row["size"], ext: row["ext"],
            location: Location(rawValue: row["location"]) ?? .quarantine, storedPath: row["stored_path"],
            quarantineReason: row["quarantine_reason"], probe: probe,
            storedAt: Date(timeIntervalSince1970: row["stored_at"]),
            officerID: row["officer_id"], attribution: row["attribution"],
            purgedAt: (row["purged_at"] as Double?).map { Date(timeIntervalSince1970: $0) })
    }

    /// When recording ended, for linking: a truncated file counts only as far as its packets go.
    var recordedEnd: Double? {
        guard let start = probe.startTime?.timeIntervalSince1970 else { return nil }
        let seconds = probe.integrity == .truncated ? (probe.packetDuration ?? probe.duration) : probe.duration
        return seconds.map { start + $0 }
    }

    func insert(_ db: any SQLDatabase) throws {
        let probeJSON = probe.jsonValue.rendered
        try db.execute(
            sql: """
                INSERT INTO evidence (sha256, size, ext, location, stored_path, quarantine_reason, format_name, duration,
                    start_time, end_time, time_source, device_id, officer_id, attribution, integrity, probe_json, stored_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sha256, size, ext, location.rawValue, storedPath, quarantineReason, probe.formatName, probe.duration,
                probe.startTime?.timeIntervalSince1970, recordedEnd, probe.timeSource?.rawValue, probe.deviceID, officerID,
                attribution, probe.integrity.rawValue, probeJSON, storedAt.timeIntervalSince1970,
            ])
        // Every stored clip waits for its content analysis (issue 14), off ingest's path.
        if location == .vault {
            try db.execute(
                sql: "INSERT OR IGNORE INTO content_analysis (sha256, state, queued_at) VALUES (?, 'pending', ?)",
                arguments: [sha256, storedAt.timeIntervalSince1970])
        }
    }
}

extension ReceiptRecord {
    static func fetchAll(_ db: any SQLDatabase, sha256: String) throws -> [ReceiptRecord] {
        try SQLRow.fetchAll(db, sql: "SELECT * FROM receipts WHERE sha256 = ? ORDER BY id", arguments: [sha256]).map { row in
            ReceiptRecord(
                sha256: row["sha256"], receivedAt: Date(timeIntervalSince1970: row["received_at"]),
                recordedAt: Date(timeIntervalSince1970: row["recorded_at"]), method: row["method"],
                originalName: row["original_name"], sourcePath: row["source_path"], handedInBy: row["handed_in_by"],
                officerOverride: row["officer_override"], deviceOverride: row["device_override"], duplicate: row["duplicate"])
        }
    }

    func insert(_ db: any SQLDatabase) throws {
        try db.execute(
            sql: """
                INSERT INTO receipts (sha256, received_at, recorded_at, method, original_name, source_path, handed_in_by,
                    officer_override, device_override, duplicate)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sha256, receivedAt.timeIntervalSince1970, recordedAt.timeIntervalSince1970, method, originalName,
                sourcePath, handedInBy, officerOverride, deviceOverride, duplicate,
            ])
    }
}
