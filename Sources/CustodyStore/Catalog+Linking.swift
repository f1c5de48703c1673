public import CustodyCore
public import Foundation
internal import GRDB
#if canImport(Glibc)
internal import Glibc
#endif

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
        // One relink at a time across processes: a full relink empties the tables and fills
        // them batch by batch, and another process's relink in between would be written twice.
        try withLinkLock {
            var summary = LinkSummary()
            if let officers {
                for batch in Array(officers).sorted().chunked(200) {
                    try writer.write { db in
                        let prepared = try Self.prepareBatch(db, Set(batch), policy: policy)
                        try Self.writeBatch(db, prepared, replacing: true, into: &summary)
                    }
                }
            } else {
                try relinkEverything(policy: policy, into: &summary)
            }
            try audit(actor: actor, action: "relinked", subject: officers.map { $0.count == 1 ? $0.first! : "\($0.count) officers" } ?? "all", detail: .object([
                ("links", .int(Int64(summary.links))), ("findings", .int(Int64(summary.findings))),
            ]))
            return summary
        }
    }

    /// Everything: empty the tables, fill them without their secondary indexes, and build those
    /// once at the end (much cheaper than millions of index updates). Each batch is read and
    /// computed on a reader connection while the batch before it is being written.
    private func relinkEverything(policy: Policy, into summary: inout LinkSummary) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM links; DELETE FROM coverage; DELETE FROM findings")
            for index in Self.derivedIndexes { try db.execute(sql: "DROP INDEX IF EXISTS \(index.name)") }
        }
        defer { try? restoreDerivedIndexes() }
        // Two index walks merged here: a UNION would sort 7 M names on a city-year.
        let everyone = try writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT officer_id FROM dispatch_rows"))
                .union(try String.fetchAll(db, sql: "SELECT DISTINCT officer_id FROM evidence WHERE officer_id IS NOT NULL"))
        }
        let batches = everyone.sorted().chunked(250).map(Set.init)
        guard !batches.isEmpty else { return }
        let reader = writer
        let prepare: @Sendable (Set<String>) throws -> PreparedBatch = { batch in
            try reader.read { db in try Self.prepareBatch(db, batch, policy: policy) }
        }
        var prepared = try prepare(batches[0])
        for i in batches.indices {
            let next = PreparedBox()
            let group = DispatchGroup()
            if i + 1 < batches.count {
                let batch = batches[i + 1]
                DispatchQueue.global().async(group: group) { next.result = Result { try prepare(batch) } }
            }
            let current = prepared
            try writer.write { db in try Self.writeBatch(db, current, replacing: false, into: &summary) }
            group.wait()
            if let result = next.result { prepared = try result.get() }
        }
    }

    /// Holds an exclusive lock on `<catalog>.link-lock` while `body` runs (none in memory).
    func withLinkLock<T>(_ body: () throws -> T) throws -> T {
        guard let path = lockPath else { return try body() }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return try body() }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        defer { flock(fd, LOCK_UN) }
        return try body()
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

    /// One batch of officers read and computed, ready to be written.
    struct PreparedBatch: Sendable {
        var officers: [String]
        var rowIDs: [Int64]
        var rows: [DispatchRow]
        var clipIDs: [Int64]
        var outcome: Linker.Outcome
        var seconds: (load: Double, compute: Double)
    }

    final class PreparedBox: @unchecked Sendable {
        var result: Result<PreparedBatch, any Error>?
    }

    static func prepareBatch(_ db: Database, _ officers: Set<String>, policy: Policy) throws -> PreparedBatch {
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
        return PreparedBatch(
            officers: list, rowIDs: rowIDs, rows: rows, clipIDs: clips.map(\.id), outcome: outcome,
            seconds: (loaded.timeIntervalSince(started), Date().timeIntervalSince(loaded)))
    }

    static func writeBatch(_ db: Database, _ batch: PreparedBatch, replacing: Bool, into summary: inout LinkSummary) throws {
        let started = Date()
        let (rowIDs, rows, outcome) = (batch.rowIDs, batch.rows, batch.outcome)
        if replacing {
            let marks = databaseQuestionMarks(count: batch.officers.count)
            try db.execute(sql: "DELETE FROM findings WHERE officer_id IN (\(marks))", arguments: StatementArguments(batch.officers))
            for chunk in rowIDs.chunked(500) {
                let m = databaseQuestionMarks(count: chunk.count)
                try db.execute(sql: "DELETE FROM links WHERE row_id IN (\(m))", arguments: StatementArguments(chunk))
                try db.execute(sql: "DELETE FROM coverage WHERE row_id IN (\(m))", arguments: StatementArguments(chunk))
            }
            for chunk in batch.clipIDs.chunked(500) {
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
        summary.officers += batch.officers.count
        summary.links += outcome.links.count
        summary.findings += outcome.findings.count
        summary.judged += outcome.judged
        summary.judgedWithFootage += outcome.judgedWithFootage
        if trace {
            FileHandle.standardError.write(Data(String(
                format: "relink batch: %d officers, %d rows, %d clips: load %.2f s, compute %.2f s, write %.2f s\n",
                batch.officers.count, rows.count, batch.clipIDs.count, batch.seconds.load, batch.seconds.compute,
                Date().timeIntervalSince(started)).utf8))
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
            // Every linked clip is a stored clip with an officer, so: attributed minus linked.
            let attributed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM evidence INDEXED BY evidence_link WHERE location = 'vault' AND officer_id IS NOT NULL") ?? 0
            let linked = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT clip_id) FROM links") ?? 0
            f.unlinkedClips = attributed - linked
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
