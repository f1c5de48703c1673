public import CustodyCore
public import Foundation
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
        /// Officers left queued for a relink running in another process (`relinkOrQueue`).
        public var queuedOfficers = 0

        /// Adds another batch's figures.
        mutating func add(_ other: LinkSummary) {
            officers += other.officers
            links += other.links
            findings += other.findings
            judged += other.judged
            judgedWithFootage += other.judgedWithFootage
        }
    }

    /// Recomputes links, coverage and findings (SPEC §6–§7) for `officers`, or for everyone
    /// when nil. Each officer's whole history is recomputed from their rows and clips (a sweep
    /// over a few thousand intervals at most) and replaced in one short transaction per batch,
    /// so readers in any process see each officer's links either all old or all new, never an
    /// empty table, and other writers wait for one batch (milliseconds), not for the relink.
    /// Waits for a relink running in another process; `relinkAndRefreshQueue` queues instead.
    @discardableResult
    public func relink(officers: Set<String>?, policy: Policy, actor: String) async throws -> LinkSummary {
        // One relink at a time across processes: two relinks of one officer at once could
        // interleave their batches.
        try await withLinkLock(wait: true) {
            try await relinkHoldingLock(officers: officers, policy: policy, actor: actor)
        }!
    }

    /// What `relinkOrQueue` did.
    public enum RelinkOutcome: Sendable, Equatable {
        /// Relinked now.
        case done(LinkSummary)
        /// Another relink was running: these officers are noted in the catalog and are relinked
        /// by it before it ends, or by the next relink of any kind (`custody link`, an ingest,
        /// the nightly audit, `custody serve`'s refresher).
        case queued(officers: Int)
    }

    /// Relinks `officers` now when no other relink runs; otherwise notes them durably (a row
    /// per officer in `relink_wanted`) and returns at once, so a hand-in is never held up by
    /// a long relink in another process.
    public func relinkOrQueue(officers: Set<String>, policy: Policy, actor: String) async throws -> RelinkOutcome {
        guard !officers.isEmpty else { return .done(LinkSummary()) }
        if let summary = try await withLinkLock(wait: false, { try await relinkHoldingLock(officers: officers, policy: policy, actor: actor) }) {
            return .done(summary)
        }
        try await backend.write { db in
            let note = try db.cachedStatement(sql: "INSERT OR IGNORE INTO relink_wanted (officer_id, wanted_at) VALUES (?, ?)")
            let now = Date().timeIntervalSince1970
            for officer in officers.sorted() { try note.execute(arguments: [officer, now]) }
        }
        // The running relink may have ended between the first try and the note: try once more,
        // so the note is not left for the next relink when nobody is running one.
        if let summary = try await withLinkLock(wait: false, { try await relinkHoldingLock(officers: [], policy: policy, actor: actor) }) {
            return summary.officers > 0 ? .done(summary) : .queued(officers: officers.count)
        }
        return .queued(officers: officers.count)
    }

    /// Officers noted for a relink that has not run yet (see `relinkOrQueue`).
    public func relinksWanted() async throws -> Set<String> {
        try await backend.read { db in Set(try String.fetchAll(db, sql: "SELECT officer_id FROM relink_wanted")) }
    }

    /// Runs the queued relinks, if any, when no relink is running (`custody serve`'s refresher).
    /// Returns the officers relinked (empty when none were queued or another relink runs).
    @discardableResult
    public func relinkWanted(policy: Policy, actor: String) async throws -> Set<String> {
        guard try await !relinksWanted().isEmpty else { return [] }
        var done: Set<String> = []
        _ = try await withLinkLock(wait: false) {
            try await drainWanted(policy: policy, actor: actor, into: &done)
        }
        return done
    }

    private func relinkHoldingLock(officers: Set<String>?, policy: Policy, actor: String) async throws -> LinkSummary {
        var summary = LinkSummary()
        if let officers {
            try await relinkOfficers(officers, policy: policy, into: &summary)
        } else {
            try await relinkEverything(policy: policy, into: &summary)
        }
        // Hand-ins that arrived while this relink ran (or while another did) asked for their
        // officers to be relinked: do that before letting go of the lock.
        var drained: Set<String> = []
        if officers == nil {
            // Their links are in the figures already (their batches were written again).
            var again = LinkSummary()
            try await drainWanted(policy: policy, actor: actor, into: &drained, summary: &again)
        } else {
            try await drainWanted(policy: policy, actor: actor, into: &drained, summary: &summary)
        }
        guard officers.map({ !$0.isEmpty }) ?? true || !drained.isEmpty else { return summary }
        let all = officers.map { $0.union(drained) }
        try await audit(actor: actor, action: "relinked", subject: all.map { $0.count == 1 ? $0.first! : "\($0.count) officers" } ?? "all", detail: .object([
            ("links", .int(Int64(summary.links))), ("findings", .int(Int64(summary.findings))),
        ]))
        return summary
    }

    private func drainWanted(policy: Policy, actor: String, into done: inout Set<String>) async throws {
        var summary = LinkSummary()
        try await drainWanted(policy: policy, actor: actor, into: &done, summary: &summary)
        if !done.isEmpty {
            try await audit(actor: actor, action: "relinked", subject: done.count == 1 ? done.first! : "\(done.count) officers", detail: .object([
                ("links", .int(Int64(summary.links))), ("findings", .int(Int64(summary.findings))), ("queued", .bool(true)),
            ]))
        }
    }

    /// Relinks the officers noted in `relink_wanted` (until none are left) and brings their
    /// queue items up to date. The caller holds the link lock.
    private func drainWanted(policy: Policy, actor: String, into done: inout Set<String>, summary: inout LinkSummary) async throws {
        for _ in 0..<10 {
            let wanted = try await backend.read { db in
                try SQLRow.fetchAll(db, sql: "SELECT officer_id, wanted_at FROM relink_wanted").map { ($0[0] as String, $0[1] as Double) }
            }
            guard !wanted.isEmpty else { return }
            let officers = Set(wanted.map(\.0))
            try await relinkOfficers(officers, policy: policy, into: &summary)
            // A note made again after this round started stays for the next round.
            try await backend.write { db in
                let remove = try db.cachedStatement(sql: "DELETE FROM relink_wanted WHERE officer_id = ? AND wanted_at = ?")
                for (officer, at) in wanted { try remove.execute(arguments: [officer, at]) }
            }
            try await refreshQueue(officers: officers, handling: policy.handling)
            done.formUnion(officers)
        }
    }

    /// These officers, in batches of 25 (a few thousand rows and clips), each replaced in one
    /// short transaction.
    private func relinkOfficers(_ officers: Set<String>, policy: Policy, into summary: inout LinkSummary) async throws {
        for batch in Array(officers).sorted().chunked(25) {
            let written = try await backend.write { db in
                var figures = LinkSummary()
                for part in try Self.prepareBatch(db, Set(batch), policy: policy) {
                    try Self.writeBatch(db, part, replacing: true, into: &figures)
                }
                return figures
            }
            summary.add(written)
        }
    }

    /// Everything, officer batch by officer batch: each batch is read and computed on a reader
    /// connection while the batch before it is being written, and written in short
    /// transactions (a few officers, `writeItems` rows and clips, each) that replace those
    /// officers' links, coverage and findings. Batches are sized so that one holds
    /// `batchItems` rows and clips. Rows left by officers, calls or clips that are gone are
    /// removed at the end.
    private func relinkEverything(policy: Policy, into summary: inout LinkSummary) async throws {
        // An older version dropped these during a full relink; one interrupted then left them out.
        try await restoreDerivedIndexes()
        // Two index walks merged here: a UNION would sort 7 M names on a city-year.
        let (everyone, items) = try await backend.read { db in
            let names = Set(try String.fetchAll(db, sql: "SELECT DISTINCT officer_id FROM dispatch_rows"))
                .union(try String.fetchAll(db, sql: "SELECT DISTINCT officer_id FROM evidence WHERE officer_id IS NOT NULL"))
            let items = (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dispatch_rows") ?? 0)
                + (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM evidence INDEXED BY evidence_link WHERE location = 'vault' AND officer_id IS NOT NULL") ?? 0)
            return (names, items)
        }
        let perOfficer = max(1, items / max(1, everyone.count))
        let size = min(250, max(1, Self.batchItems / perOfficer))
        let batches = everyone.sorted().chunked(size).map(Set.init)
        let backend = self.backend
        let prepare: @Sendable (Set<String>) async throws -> [PreparedBatch] = { batch in
            try await backend.read { db in try Self.prepareBatch(db, batch, policy: policy) }
        }
        if !batches.isEmpty {
            var prepared = try await prepare(batches[0])
            for i in batches.indices {
                // The next batch is read and computed while this one is written.
                let next: Task<[PreparedBatch], any Error>? = i + 1 < batches.count
                    ? Task { [batch = batches[i + 1]] in try await prepare(batch) } : nil
                for part in prepared {
                    let written = try await backend.write { db in
                        var figures = LinkSummary()
                        try Self.writeBatch(db, part, replacing: true, into: &figures)
                        return figures
                    }
                    summary.add(written)
                    // A moment between two transactions: a writer waiting in another process (a
                    // hand-in, a claim, an audit entry) checks every millisecond and takes its turn here.
                    try await Task.sleep(for: .milliseconds(2))
                }
                if let next { prepared = try await next.value }
            }
        }
        try await removeStaleDerivedRows(everyone: everyone)
    }

    /// Rows and clips read per full-relink batch (one reader query for each table).
    static let batchItems = 8_000

    /// Links, coverage and findings that no batch replaced: those of officers with no calls or
    /// clips any more, of calls that are gone, and of clips no longer stored under an officer.
    /// Found on a reader, deleted in short transactions.
    private func removeStaleDerivedRows(everyone: Set<String>) async throws {
        let (officers, rows, links) = try await backend.read { db in
            let officers = try String.fetchAll(db, sql: "SELECT DISTINCT officer_id FROM findings").filter { !everyone.contains($0) }
            let rows = try Int64.fetchAll(db, sql: "SELECT c.row_id FROM coverage c LEFT JOIN dispatch_rows d ON d.id = c.row_id WHERE d.id IS NULL")
            let links = try SQLRow.fetchAll(db, sql: """
                SELECT l.clip_id, l.row_id FROM links l LEFT JOIN dispatch_rows d ON d.id = l.row_id LEFT JOIN evidence e ON e.rowid = l.clip_id
                WHERE d.id IS NULL OR e.rowid IS NULL OR e.location != 'vault' OR e.officer_id IS NULL
                """).map { ($0[0] as Int64, $0[1] as Int64) }
            return (officers, rows, links)
        }
        for chunk in officers.chunked(500) {
            try await backend.write { db in
                try db.execute(sql: "DELETE FROM findings WHERE officer_id IN (\(databaseQuestionMarks(count: chunk.count)))", arguments: SQLArguments(chunk))
            }
        }
        for chunk in rows.chunked(5000) {
            try await backend.write { db in
                try db.execute(sql: "DELETE FROM coverage WHERE row_id IN (\(databaseQuestionMarks(count: chunk.count)))", arguments: SQLArguments(chunk))
            }
        }
        for chunk in links.chunked(5000) {
            try await backend.write { db in
                let remove = try db.cachedStatement(sql: "DELETE FROM links WHERE clip_id = ? AND row_id = ?")
                for (clip, row) in chunk { try remove.execute(arguments: [clip, row]) }
            }
        }
    }

    /// Runs `body` holding the relink lock (see `CatalogBackend.withLinkLock`).
    func withLinkLock<T: Sendable>(wait: Bool, _ body: () async throws -> T) async throws -> T? {
        try await backend.withLinkLock(wait: wait, body)
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

    private func restoreDerivedIndexes() async throws {
        let missing = try await backend.read { db in
            try Self.derivedIndexes.filter { index in
                try Bool.fetchOne(db, sql: db.dialect == .sqlite
                    ? "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?)"
                    : "SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?)",
                    arguments: [index.name]) != true
            }
        }
        guard !missing.isEmpty else { return }
        try await backend.write { db in
            for index in missing { try db.execute(sql: index.sql) }
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

    /// Rows and clips per write transaction at most (unless one officer has more): a writer in
    /// another process waits for one such transaction, a few tens of milliseconds.
    static let writeItems = 2_000

    /// Reads and computes `officers`' links, coverage and findings: one or more parts, each to
    /// be written in a transaction of its own (see `writeItems`).
    static func prepareBatch(_ db: any SQLDatabase, _ officers: Set<String>, policy: Policy) throws -> [PreparedBatch] {
        let started = Date()
        let list = Array(officers)
        let marks = databaseQuestionMarks(count: list.count)
        var rowIDs: [Int64] = []
        var rows: [DispatchRow] = []
        func date(_ value: Double?) -> Date? { value.map { Date(timeIntervalSince1970: $0) } }
        try db.forEachRow(
            sql: "SELECT id, incident_id, officer_id, dispatched_at, arrived_at, cleared_at FROM dispatch_rows WHERE officer_id IN (\(marks))",
            arguments: SQLArguments(list)
        ) { r in
            rowIDs.append(r[0])
            rows.append(DispatchRow(incidentID: r[1], officerID: r[2], dispatchedAt: date(r[3]), arrivedAt: date(r[4]), clearedAt: date(r[5])))
        }
        // Intervals come from the covering index evidence_link; the SHA-256 is fetched only
        // for the few clips that are late uploads.
        var clips: [ClipSpan] = []
        var late: [Int] = []
        try db.forEachRow(
            sql: """
                SELECT rowid, officer_id, start_time, end_time, first_received_at FROM evidence INDEXED BY evidence_link
                WHERE officer_id IN (\(marks)) AND location = 'vault' AND start_time IS NOT NULL AND end_time IS NOT NULL
                """,
            arguments: SQLArguments(list)
        ) { r in
            let end: Double = r[3]
            let received: Double? = r[4]
            if let received, received - end > policy.lateUploadSeconds { late.append(clips.count) }
            clips.append(ClipSpan(id: r[0], sha256: "", officerID: r[1], start: r[2], end: end, firstReceipt: received))
        }
        // A few hundred ids per query: one round trip each on PostgreSQL, not one per clip.
        for chunk in late.chunked(500) {
            var sha256s: [Int64: String] = [:]
            for r in try SQLRow.fetchAll(
                db, sql: "SELECT rowid, sha256 FROM evidence WHERE rowid IN (\(databaseQuestionMarks(count: chunk.count)))",
                arguments: SQLArguments(chunk.map { clips[$0].id }))
            {
                sha256s[r[0]] = r[1] as String
            }
            for i in chunk { clips[i].sha256 = sha256s[clips[i].id] ?? "" }
        }
        try loadStretches(db, officers: list, into: &clips)
        try loadActivations(db, officers: list, into: &clips)
        let drift = try loadClockOffsets(db, officers: list, into: &clips, policy: policy)
        let loaded = Date()
        // Officers in groups of about `writeItems` rows and clips, each computed and written on
        // its own: one officer's links are recomputed from that officer's rows and clips only.
        var rowsOf: [String: [Int]] = [:]
        var clipsOf: [String: [Int]] = [:]
        for (i, row) in rows.enumerated() { rowsOf[row.officerID, default: []].append(i) }
        for (i, clip) in clips.enumerated() { clipsOf[clip.officerID ?? "", default: []].append(i) }
        var groups: [[String]] = [[]]
        var items = 0
        for officer in list.sorted() {
            let n = (rowsOf[officer]?.count ?? 0) + (clipsOf[officer]?.count ?? 0)
            if !groups[groups.count - 1].isEmpty, items + n > writeItems {
                groups.append([])
                items = 0
            }
            groups[groups.count - 1].append(officer)
            items += n
        }
        var parts: [PreparedBatch] = []
        for group in groups {
            let rowIndices = group.flatMap { rowsOf[$0] ?? [] }
            let clipIndices = group.flatMap { clipsOf[$0] ?? [] }
            let groupRows = rowIndices.map { rows[$0] }
            let groupClips = clipIndices.map { clips[$0] }
            var outcome = Linker.run(rows: groupRows, clips: groupClips, policy: policy)
            let members = Set(group)
            outcome.findings += drift.filter { members.contains($0.officerID) }
            parts.append(PreparedBatch(
                officers: group, rowIDs: rowIndices.map { rowIDs[$0] }, rows: groupRows, clipIDs: groupClips.map(\.id),
                outcome: outcome, seconds: (0, 0)))
        }
        parts[0].seconds = (loaded.timeIntervalSince(started), Date().timeIntervalSince(loaded))
        return parts
    }

    /// Cameras' clock offsets (issue 16): each clip whose times came from the camera (its
    /// container tag or its file name) is moved by its camera's offset at that time — the
    /// observations' linear interpolation between two, the nearest outside them — and says so.
    /// Returns the officers' `clock_drift` findings: an observation off by more than the limit.
    static func loadClockOffsets(_ db: any SQLDatabase, officers: [String], into clips: inout [ClipSpan], policy: Policy) throws -> [Finding] {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM device_clock)") == true else { return [] }
        var drift: [Finding] = []
        for chunk in officers.chunked(500) {
            try db.forEachRow(
                sql: "SELECT device_id, observed_at, \"offset\", officer_id FROM device_clock WHERE officer_id IN (\(databaseQuestionMarks(count: chunk.count)))",
                arguments: SQLArguments(chunk)
            ) { r in
                let offset: Double = r[2], at: Double = r[1]
                guard abs(offset) > policy.driftLimitSeconds, let officer: String = r[3] else { return }
                var f = Finding(incidentID: nil, officerID: officer, kind: .clockDrift, start: at - abs(offset), end: at)
                f.clockOffset = offset
                f.deviceID = r[0]
                drift.append(f)
            }
        }
        guard !clips.isEmpty else { return drift }
        var indexOf: [Int64: Int] = [:]
        for (i, clip) in clips.enumerated() { indexOf[clip.id] = i }
        var observations: [String: [(at: Double, offset: Double)]] = [:]
        for r in try SQLRow.fetchAll(db, sql: "SELECT device_id, observed_at, \"offset\" FROM device_clock ORDER BY device_id, observed_at") {
            observations[r[0], default: []].append((r[1], r[2]))
        }
        for chunk in officers.chunked(500) {
            try db.forEachRow(
                sql: "SELECT rowid, device_id FROM evidence WHERE officer_id IN (\(databaseQuestionMarks(count: chunk.count))) "
                    + "AND location = 'vault' AND device_id IS NOT NULL AND time_source IN ('container', 'filename')",
                arguments: SQLArguments(chunk)
            ) { r in
                guard let i = indexOf[r[0]], let seen = observations[r[1] as String], !seen.isEmpty else { return }
                let offset = Self.offset(at: clips[i].start, seen)
                guard offset != 0 else { return }
                clips[i].start -= offset
                clips[i].end -= offset
                clips[i].clockOffset = offset
                clips[i].stretches = clips[i].stretches.map { $0.shifted(by: -offset) }
            }
        }
        return drift
    }

    /// A camera's offset at `t` (its own clock's time): interpolated between the observations
    /// around it, the nearest one outside them.
    static func offset(at t: Double, _ seen: [(at: Double, offset: Double)]) -> Double {
        if let after = seen.firstIndex(where: { $0.at >= t }) {
            guard after > 0 else { return seen[after].offset }
            let a = seen[after - 1], b = seen[after]
            return b.at == a.at ? b.offset : a.offset + (b.offset - a.offset) * (t - a.at) / (b.at - a.at)
        }
        return seen[seen.count - 1].offset
    }

    /// The analysed clips' stretches (issue 14), made absolute by each clip's start, with the
    /// SHA-256 of those clips (their findings name them). One query per few hundred officers,
    /// and none at all while no clip has a stretch.
    static func loadStretches(_ db: any SQLDatabase, officers: [String], into clips: inout [ClipSpan]) throws {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM content_stretches)") == true, !clips.isEmpty else { return }
        var indexOf: [Int64: Int] = [:]
        for (i, clip) in clips.enumerated() { indexOf[clip.id] = i }
        for chunk in officers.chunked(500) {
            try db.forEachRow(
                sql: """
                    SELECT e.rowid, e.sha256, s.kind, s.start, s."end" FROM evidence e JOIN content_stretches s ON s.sha256 = e.sha256
                    WHERE e.officer_id IN (\(databaseQuestionMarks(count: chunk.count))) AND e.location = 'vault'
                    """,
                arguments: SQLArguments(chunk)
            ) { r in
                guard let i = indexOf[r[0]], let kind = ContentKind(rawValue: r[2]) else { return }
                clips[i].sha256 = r[1]
                clips[i].stretches.append(ContentStretch(kind: kind, start: r[3], end: r[4]).shifted(by: clips[i].start))
            }
        }
    }

    static func writeBatch(_ db: any SQLDatabase, _ batch: PreparedBatch, replacing: Bool, into summary: inout LinkSummary) throws {
        let started = Date()
        if db.dialect == .postgres {
            // Links, coverage and findings are derived: this transaction need not wait for its
            // own WAL flush (hundreds of them in a full link). A crash can lose only the last of
            // them, whole, never half; and the next synchronous commit on the server (the
            // relink's own bookkeeping, any hand-in) flushes them all first.
            try db.execute(sql: "SET LOCAL synchronous_commit = off")
            // Every statement here finds its rows by an index. The planner's statistics were
            // taken before the relink, when these tables may have been empty, so it would scan
            // them whole, and each batch's scans grew with what the batches before it wrote
            // (a full link of 250,000 clips spent 6 of its 14 s in such scans).
            try db.execute(sql: "SET LOCAL enable_seqscan = off")
        }
        let (rowIDs, rows, outcome) = (batch.rowIDs, batch.rows, batch.outcome)
        if replacing {
            let marks = databaseQuestionMarks(count: batch.officers.count)
            try db.execute(sql: "DELETE FROM findings WHERE officer_id IN (\(marks))", arguments: SQLArguments(batch.officers))
            for chunk in rowIDs.chunked(500) {
                let m = databaseQuestionMarks(count: chunk.count)
                try db.execute(sql: "DELETE FROM links WHERE row_id IN (\(m))", arguments: SQLArguments(chunk))
                try db.execute(sql: "DELETE FROM coverage WHERE row_id IN (\(m))", arguments: SQLArguments(chunk))
            }
            for chunk in batch.clipIDs.chunked(500) {
                try db.execute(sql: "DELETE FROM links WHERE clip_id IN (\(databaseQuestionMarks(count: chunk.count)))", arguments: SQLArguments(chunk))
            }
        }
        // Each table's rows in one batch: on PostgreSQL a few statements of thousands of rows,
        // not a round trip per row (which made a full relink 30 times slower there).
        // Replacing, the batch's officers have no rows left in these tables (every link of
        // theirs has one of their clips): plain appends (PostgreSQL's COPY). Otherwise an
        // incremental relink updates in place.
        if replacing {
            var seen = Set<[Int64]>()
            let links = outcome.links.map { [$0.clipID, rowIDs[$0.row]] }.filter { seen.insert($0).inserted }
            try db.insertRows(into: "links", columns: ["clip_id", "row_id"], rows: links.map { SQLArguments($0) })
        } else {
            try db.executeBatch(
                sql: "INSERT OR IGNORE INTO links (clip_id, row_id) VALUES (?, ?)",
                rows: outcome.links.map { [$0.clipID, rowIDs[$0.row]] })
        }
        // Coverage findings only, per row (an officer may attend an incident twice): "fully
        // covered" is about when the camera ran; what it saw (issue 14) has findings and usable
        // coverage of its own.
        let coverage: [SQLArguments] = outcome.coverage.sorted(by: { $0.key < $1.key }).map { row, value in
            [rowIDs[row], value, outcome.coverageFindings[row] ?? 0, outcome.usable[row]]
        }
        if replacing {
            try db.insertRows(into: "coverage", columns: ["row_id", "coverage", "findings", "usable"], rows: coverage)
        } else {
            try db.executeBatch(
                sql: """
                    INSERT INTO coverage (row_id, coverage, findings, usable) VALUES (?, ?, ?, ?)
                    ON CONFLICT (row_id) DO UPDATE SET coverage = excluded.coverage, findings = excluded.findings, usable = excluded.usable
                    """,
                rows: coverage)
        }
        try db.insertRows(
            into: "findings",
            columns: [
                "officer_id", "incident_id", "kind", "start", "end", "window_start", "window_end", "coverage", "clip_sha256", "usable_coverage",
                "clock_offset", "device_id",
            ],
            rows: outcome.findings.map { f in
                [f.officerID, f.incidentID, f.kind.rawValue, f.start, f.end, f.windowStart, f.windowEnd, f.coverage, f.clipSHA256, f.usableCoverage,
                 f.clockOffset, f.deviceID]
            })
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

    public func findings(_ query: FindingQuery = FindingQuery()) async throws -> [Finding] {
        try await backend.read { db in
            var clauses: [String] = []
            var arguments: [(any SQLBindable)?] = []
            if let v = query.incidentID { clauses.append("incident_id = ?"); arguments.append(v) }
            if let v = query.officerID { clauses.append("officer_id = ?"); arguments.append(v) }
            if let v = query.since { clauses.append("\"end\" >= ?"); arguments.append(v.timeIntervalSince1970) }
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

    public func coverageFigures() async throws -> CoverageFigures {
        try await backend.read { db in
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
    public func officers(ofClips sha256s: [String]) async throws -> Set<String> {
        try await backend.read { db in
            var result = Set<String>()
            for chunk in sha256s.chunked(500) {
                let found = try String.fetchAll(
                    db, sql: "SELECT officer_id FROM evidence WHERE officer_id IS NOT NULL AND sha256 IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: SQLArguments(chunk))
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
    public func linkedIncidentsByOriginalName() async throws -> [String: [String]] {
        try await backend.read { db in
            var result: [String: [String]] = [:]
            let rows = try SQLRow.fetchAll(db, sql: """
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
