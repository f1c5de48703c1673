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
                try relinkBatch(Set(batch), policy: policy, replacing: true, into: &summary)
            }
        } else {
            // Everything: empty the tables, fill them without their secondary indexes, and
            // build those once at the end (much cheaper than millions of index updates).
            try writer.write { db in
                try db.execute(sql: "DELETE FROM links; DELETE FROM coverage; DELETE FROM findings")
                for index in Self.derivedIndexes { try db.execute(sql: "DROP INDEX IF EXISTS \(index.name)") }
            }
            let everyone = try writer.read { db in
                try String.fetchAll(db, sql: "SELECT officer_id FROM dispatch_rows UNION SELECT officer_id FROM evidence WHERE officer_id IS NOT NULL")
            }
            do {
                for batch in everyone.sorted().chunked(250) {
                    try relinkBatch(Set(batch), policy: policy, replacing: false, into: &summary)
                }
            } catch {
                try? restoreDerivedIndexes()
                throw error
            }
            try restoreDerivedIndexes()
        }
        try audit(actor: actor, action: "relinked", subject: officers.map { $0.count == 1 ? $0.first! : "\($0.count) officers" } ?? "all", detail: .object([
            ("links", .int(Int64(summary.links))), ("findings", .int(Int64(summary.findings))),
        ]))
        return summary
    }

    /// CUSTODY_TRACE=1 prints each relink batch's timings on stderr.
    static let trace = ProcessInfo.processInfo.environment["CUSTODY_TRACE"] == "1"

    /// Secondary indexes of the tables `relink` rebuilds (the schema's own definitions).
    static let derivedIndexes: [(name: String, sql: String)] = [
        ("links_row", "CREATE INDEX IF NOT EXISTS links_row ON links(row_id)"),
        ("findings_officer", "CREATE INDEX IF NOT EXISTS findings_officer ON findings(officer_id, start)"),
        ("findings_incident", "CREATE INDEX IF NOT EXISTS findings_incident ON findings(incident_id)"),
        ("findings_start", "CREATE INDEX IF NOT EXISTS findings_start ON findings(start)"),
    ]

    private func restoreDerivedIndexes() throws {
        try writer.write { db in
            for index in Self.derivedIndexes { try db.execute(sql: index.sql) }
        }
    }

    private func relinkBatch(_ officers: Set<String>, policy: Policy, replacing: Bool, into summary: inout LinkSummary) throws {
        try writer.write { db in
            let started = Date()
            let list = Array(officers)
            let marks = databaseQuestionMarks(count: list.count)
            var rowIDs: [Int64] = []
            var rows: [DispatchRow] = []
            let rowCursor = try Row.fetchCursor(
                db, sql: "SELECT id, incident_id, officer_id, dispatched_at, arrived_at, cleared_at FROM dispatch_rows WHERE officer_id IN (\(marks))",
                arguments: StatementArguments(list))
            func date(_ value: Double?) -> Date? { value.map { Date(timeIntervalSince1970: $0) } }
            while let r = try rowCursor.next() {
                rowIDs.append(r[0])
                rows.append(DispatchRow(incidentID: r[1], officerID: r[2], dispatchedAt: date(r[3]), arrivedAt: date(r[4]), clearedAt: date(r[5])))
            }
            // Intervals come from the covering index evidence_link; the SHA-256 is fetched only
            // for the few clips that are late uploads.
            var clips: [ClipSpan] = []
            var late: [Int] = []
            let clipCursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT rowid, officer_id, start_time, end_time, first_received_at FROM evidence INDEXED BY evidence_link
                    WHERE officer_id IN (\(marks)) AND location = 'vault' AND start_time IS NOT NULL AND end_time IS NOT NULL
                    """,
                arguments: StatementArguments(list))
            while let r = try clipCursor.next() {
                let end: Double = r[3]
                let received: Double? = r[4]
                if let received, received - end > policy.lateUploadSeconds { late.append(clips.count) }
                clips.append(ClipSpan(id: r[0], sha256: "", officerID: r[1], start: r[2], end: end, firstReceipt: received))
            }
            let lookup = try db.cachedStatement(sql: "SELECT sha256 FROM evidence WHERE rowid = ?")
            for i in late {
                clips[i].sha256 = try String.fetchOne(lookup, arguments: [clips[i].id]) ?? ""
            }
            let loaded = Date()
            let outcome = Linker.run(rows: rows, clips: clips, policy: policy)
            let computed = Date()
            defer {
                if Self.trace {
                    FileHandle.standardError.write(Data(String(
                        format: "relink batch: %d officers, %d rows, %d clips: load %.2f s, compute %.2f s, write %.2f s\n",
                        officers.count, rows.count, clips.count, loaded.timeIntervalSince(started),
                        computed.timeIntervalSince(loaded), Date().timeIntervalSince(computed)).utf8))
                }
            }

            if replacing {
                try db.execute(sql: "DELETE FROM findings WHERE officer_id IN (\(marks))", arguments: StatementArguments(list))
                for chunk in rowIDs.chunked(500) {
                    let m = databaseQuestionMarks(count: chunk.count)
                    try db.execute(sql: "DELETE FROM links WHERE row_id IN (\(m))", arguments: StatementArguments(chunk))
                    try db.execute(sql: "DELETE FROM coverage WHERE row_id IN (\(m))", arguments: StatementArguments(chunk))
                }
                for chunk in clips.map(\.id).chunked(500) {
                    try db.execute(sql: "DELETE FROM links WHERE clip_id IN (\(databaseQuestionMarks(count: chunk.count)))", arguments: StatementArguments(chunk))
                }
            }
            let insertLink = try db.cachedStatement(sql: "INSERT OR IGNORE INTO links (clip_id, row_id) VALUES (?, ?)")
            for link in outcome.links {
                insertLink.setUncheckedArguments([link.clipID, rowIDs[link.row]])
                try insertLink.execute()
            }
            var findingsPerRow: [String: Int] = [:]  // "incident|officer" → coverage findings
            for f in outcome.findings where f.kind != .lateUpload {
                findingsPerRow["\(f.incidentID ?? "")|\(f.officerID)", default: 0] += 1
            }
            let insertCoverage = try db.cachedStatement(sql: "INSERT OR REPLACE INTO coverage (row_id, coverage, findings) VALUES (?, ?, ?)")
            for (row, value) in outcome.coverage.sorted(by: { $0.key < $1.key }) {
                let key = "\(rows[row].incidentID)|\(rows[row].officerID)"
                insertCoverage.setUncheckedArguments([rowIDs[row], value, findingsPerRow[key] ?? 0])
                try insertCoverage.execute()
            }
            let insertFinding = try db.cachedStatement(sql: """
                INSERT INTO findings (officer_id, incident_id, kind, start, end, window_start, window_end, coverage, clip_sha256)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for f in outcome.findings {
                insertFinding.setUncheckedArguments([f.officerID, f.incidentID, f.kind.rawValue, f.start, f.end, f.windowStart, f.windowEnd, f.coverage, f.clipSHA256])
                try insertFinding.execute()
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
            return try Self.findingRows(db, where: clauses.joined(separator: " AND "), arguments).sorted(by: Finding.printOrder)
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
            f.fullyCovered = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM coverage WHERE findings = 0") ?? 0
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
