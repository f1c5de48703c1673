public import CustodyCore
public import Foundation
internal import GRDB

extension Catalog {
    /// Figures after a relink.
    public struct LinkSummary: Sendable, Equatable {
        public var officers = 0
        public var links = 0
        public var findings = 0
        public var judged = 0
        public var judgedWithFootage = 0
    }

    /// Recomputes links, coverage and findings (SPEC §6–§7) for `officers`, or for everyone
    /// when nil. Each officer's whole history is recomputed from their rows and clips (a sweep
    /// over a few thousand intervals at most) and replaced in one transaction per batch.
    @discardableResult
    public func relink(officers: Set<String>?, policy: Policy, actor: String) throws -> LinkSummary {
        var summary = LinkSummary()
        if let officers {
            for batch in Array(officers).sorted().chunked(200) {
                try relinkBatch(Set(batch), policy: policy, into: &summary)
            }
        } else {
            try writer.write { db in
                try db.execute(sql: "DELETE FROM links; DELETE FROM coverage; DELETE FROM findings")
            }
            let everyone = try writer.read { db in
                try String.fetchAll(db, sql: "SELECT officer_id FROM dispatch_rows UNION SELECT officer_id FROM evidence WHERE officer_id IS NOT NULL")
            }
            for batch in everyone.sorted().chunked(500) {
                try relinkBatch(Set(batch), policy: policy, into: &summary)
            }
        }
        try audit(actor: actor, action: "relinked", subject: officers.map { $0.count == 1 ? $0.first! : "\($0.count) officers" } ?? "all", detail: .object([
            ("links", .int(Int64(summary.links))), ("findings", .int(Int64(summary.findings))),
        ]))
        return summary
    }

    private func relinkBatch(_ officers: Set<String>, policy: Policy, into summary: inout LinkSummary) throws {
        try writer.write { db in
            let list = Array(officers)
            let marks = databaseQuestionMarks(count: list.count)
            let rowRecords = try Row.fetchAll(db, sql: "SELECT * FROM dispatch_rows WHERE officer_id IN (\(marks))", arguments: StatementArguments(list))
            let rowIDs: [Int64] = rowRecords.map { $0["id"] }
            let rows = rowRecords.map(Self.dispatchRow)
            let clips = try Row.fetchAll(
                db,
                sql: """
                    SELECT rowid, sha256, officer_id, start_time, end_time, first_received_at FROM evidence
                    WHERE officer_id IN (\(marks)) AND location = 'vault' AND start_time IS NOT NULL AND end_time IS NOT NULL
                    """,
                arguments: StatementArguments(list)
            ).map { r in
                ClipSpan(id: r["rowid"], sha256: r["sha256"], officerID: r["officer_id"], start: r["start_time"], end: r["end_time"], firstReceipt: r["first_received_at"])
            }
            let outcome = Linker.run(rows: rows, clips: clips, policy: policy)

            // Replace what these officers had.
            try db.execute(sql: "DELETE FROM findings WHERE officer_id IN (\(marks))", arguments: StatementArguments(list))
            for chunk in rowIDs.chunked(500) {
                let m = databaseQuestionMarks(count: chunk.count)
                try db.execute(sql: "DELETE FROM links WHERE row_id IN (\(m))", arguments: StatementArguments(chunk))
                try db.execute(sql: "DELETE FROM coverage WHERE row_id IN (\(m))", arguments: StatementArguments(chunk))
            }
            for chunk in clips.map(\.id).chunked(500) {
                try db.execute(sql: "DELETE FROM links WHERE clip_id IN (\(databaseQuestionMarks(count: chunk.count)))", arguments: StatementArguments(chunk))
            }
            let insertLink = try db.cachedStatement(sql: "INSERT OR IGNORE INTO links (clip_id, row_id) VALUES (?, ?)")
            for link in outcome.links {
                try insertLink.execute(arguments: [link.clipID, rowIDs[link.row]])
            }
            let insertCoverage = try db.cachedStatement(sql: "INSERT OR REPLACE INTO coverage (row_id, coverage) VALUES (?, ?)")
            for (row, value) in outcome.coverage {
                try insertCoverage.execute(arguments: [rowIDs[row], value])
            }
            let insertFinding = try db.cachedStatement(sql: """
                INSERT INTO findings (officer_id, incident_id, kind, start, end, window_start, window_end, coverage, clip_sha256)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for f in outcome.findings {
                try insertFinding.execute(arguments: [f.officerID, f.incidentID, f.kind.rawValue, f.start, f.end, f.windowStart, f.windowEnd, f.coverage, f.clipSHA256])
            }
            summary.officers += officers.count
            summary.links += outcome.links.count
            summary.findings += outcome.findings.count
            summary.judged += outcome.judged
            summary.judgedWithFootage += outcome.judgedWithFootage
        }
    }

    /// Filters for `custody gaps` and the findings API.
    public struct FindingQuery: Sendable {
        public var incidentID: String?
        public var officerID: String?
        public var since: Date?
        public var until: Date?
        public init(incidentID: String? = nil, officerID: String? = nil, since: Date? = nil, until: Date? = nil) {
            self.incidentID = incidentID
            self.officerID = officerID
            self.since = since
            self.until = until
        }
    }

    public func findings(_ query: FindingQuery = FindingQuery()) throws -> [Finding] {
        try writer.read { db in
            var clauses: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let v = query.incidentID { clauses.append("incident_id = ?"); arguments.append(v) }
            if let v = query.officerID { clauses.append("officer_id = ?"); arguments.append(v) }
            if let v = query.since { clauses.append("end >= ?"); arguments.append(v.timeIntervalSince1970) }
            if let v = query.until { clauses.append("start <= ?"); arguments.append(v.timeIntervalSince1970) }
            let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM findings \(filter)", arguments: StatementArguments(arguments)).map { r in
                Finding(
                    incidentID: r["incident_id"], officerID: r["officer_id"], kind: FindingKind(rawValue: r["kind"]) ?? .noRecording,
                    start: r["start"], end: r["end"], windowStart: r["window_start"], windowEnd: r["window_end"],
                    coverage: r["coverage"], clipSHA256: r["clip_sha256"])
            }.sorted(by: Finding.printOrder)
        }
    }

    /// Overall figures: judged calls, those with any footage, unattributed and unlinked clips.
    public struct CoverageFigures: Sendable, Equatable {
        public var judged = 0
        public var judgedWithFootage = 0
        public var fullyCovered = 0
        public var unattributedClips = 0
        public var unlinkedClips = 0
    }

    public func coverageFigures() throws -> CoverageFigures {
        try writer.read { db in
            var f = CoverageFigures()
            f.judged = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM coverage") ?? 0
            f.judgedWithFootage = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM coverage WHERE coverage > 0") ?? 0
            f.fullyCovered = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM coverage c WHERE NOT EXISTS (SELECT 1 FROM findings f JOIN dispatch_rows d ON d.incident_id = f.incident_id AND d.officer_id = f.officer_id WHERE d.id = c.row_id AND f.kind != 'late_upload')") ?? 0
            f.unattributedClips = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM evidence WHERE location = 'vault' AND officer_id IS NULL") ?? 0
            f.unlinkedClips = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM evidence e WHERE location = 'vault' AND officer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM links l WHERE l.clip_id = e.rowid)") ?? 0
            return f
        }
    }

    /// Officers of the given clips, for relinking after an ingest.
    public func officers(ofClips sha256s: [String]) throws -> Set<String> {
        try writer.read { db in
            var result = Set<String>()
            for chunk in sha256s.chunked(500) {
                let found = try String.fetchAll(
                    db, sql: "SELECT officer_id FROM evidence WHERE officer_id IS NOT NULL AND sha256 IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: StatementArguments(chunk))
                result.formUnion(found)
            }
            return result
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

extension Catalog {
    /// Incident ids each stored clip links to, keyed by the name it was first handed in under.
    public func linkedIncidentsByOriginalName() throws -> [String: [String]] {
        try writer.read { db in
            var result: [String: [String]] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT (SELECT original_name FROM receipts r WHERE r.sha256 = e.sha256 ORDER BY r.id LIMIT 1) AS name, d.incident_id
                FROM evidence e LEFT JOIN links l ON l.clip_id = e.rowid LEFT JOIN dispatch_rows d ON d.id = l.row_id
                WHERE e.location = 'vault'
                """)
            for row in rows {
                let name: String = row["name"]
                let incident: String? = row["incident_id"]
                result[name, default: []].append(contentsOf: incident.map { [$0] } ?? [])
            }
            return result.mapValues { Array(Set($0)).sorted() }
        }
    }
}
