import Foundation
internal import Crypto

/// Copies one catalog into another (SQLite into PostgreSQL for `custody catalog migrate`, or
/// back) and then proves the copy: every table's rows, compared value by value, and the audit
/// chain walked on the target. Written once against `SQLDatabase`, so it runs between any two
/// backends; the PostgreSQL spellings are in `PostgresBackend+Migration.swift`.
///
/// Tables are copied in dependency order, a page at a time in primary-key order (never a whole
/// table in memory), each page in one target transaction, keeping every id (links refer to
/// `evidence.rowid`, sessions to `users.id`…). A copy cut short is resumed by running it
/// again: each table continues after the last key the target already holds, and a row whose
/// key is already there is skipped. A target that holds anything else is refused.
///
/// The source must not change meanwhile: the copy holds the relink lock, but ingest, review
/// and the server still write, so `serve` and `watch` must be stopped first (verification
/// then fails if they were not).
public struct CatalogMigration: Sendable {
    /// One catalog table: its key (the paging order) and the identity column whose counter
    /// must be moved past the copied ids.
    struct Table: Sendable {
        var name: String
        var key: [String]
        var identity: String?
    }

    /// Every table of schema v14, parents before children (rows are copied with all their
    /// columns, `SELECT *`, so a migration that only adds a column needs nothing here). A source with a table not named here
    /// is refused rather than copied in part: a new migration must add its table.
    static let tables: [Table] = [
        Table(name: "evidence", key: ["rowid"], identity: "rowid"),
        Table(name: "receipts", key: ["id"], identity: "id"),
        Table(name: "officers", key: ["id"]),
        Table(name: "devices", key: ["id"]),
        Table(name: "device_checkouts", key: ["id"], identity: "id"),
        Table(name: "audit_log", key: ["id"], identity: "id"),
        Table(name: "move_journal", key: ["id"], identity: "id"),
        Table(name: "pending_ingest", key: ["id"], identity: "id"),
        Table(name: "dispatch_rows", key: ["id"], identity: "id"),
        Table(name: "links", key: ["clip_id", "row_id"]),
        Table(name: "coverage", key: ["row_id"]),
        Table(name: "findings", key: ["id"], identity: "id"),
        Table(name: "users", key: ["id"], identity: "id"),
        Table(name: "sessions", key: ["token_hash"]),
        Table(name: "review_items", key: ["id"], identity: "id"),
        Table(name: "reviews", key: ["id"], identity: "id"),
        Table(name: "uploads", key: ["id"]),
        Table(name: "holds", key: ["id"], identity: "id"),
        Table(name: "tombstones", key: ["sha256"]),
        Table(name: "fixity_checks", key: ["sha256"]),
        Table(name: "relink_wanted", key: ["officer_id"]),
        Table(name: "content_analysis", key: ["sha256"]),
        Table(name: "content_stretches", key: ["sha256", "kind", "start"]),
        Table(name: "axis_accounts", key: ["user_name"]),
        Table(name: "axis_users", key: ["uuid"]),
        Table(name: "axis_devices", key: ["serial"]),
        Table(name: "axis_recordings", key: ["container"]),
        Table(name: "axis_objects", key: ["container", "name"]),
        Table(name: "device_clock", key: ["device_id", "observed_at"]),
        // Kept by triggers on review_items; copied last, overwriting what the triggers counted.
        Table(name: "queue_counts", key: ["state"]),
    ]

    /// Tables of the schema machinery, not of the catalog: each database keeps its own.
    static let bookkeeping: Set<String> = ["grdb_migrations", "custody_schema_migrations", "sqlite_sequence", "sqlite_stat1"]

    /// Why a migration stopped or did not verify.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public enum Code: String, Sendable {
            /// The target holds a catalog that is not an earlier, partial copy of the source.
            case differentCatalog
            /// Source and target are the same database.
            case sameCatalog
            /// The source has a table this build does not know how to copy.
            case unknownTable
            /// The relink lock is held: a relink runs in another process.
            case busy
            /// Stopped on purpose after a number of rows (`stopAfterRows`, for tests).
            case interrupted
        }
        public var code: Code
        public var message: String
        public var description: String { message }
    }

    /// How far the copy or the verification is.
    public struct Step: Sendable {
        public enum Phase: String, Sendable { case copy, verify }
        public var phase: Phase
        public var table: String
        public var done: Int
        public var total: Int
        /// True for the last report of a table.
        public var finished: Bool
    }

    /// What the verification found: per table the row counts, and every difference.
    public struct Verification: Sendable {
        public var counts: [(table: String, source: Int, target: Int)]
        public var problems: [String]
        public var verified: Bool { problems.isEmpty }
    }

    let source: Catalog
    let target: Catalog
    /// Rows per page (and per target transaction).
    public var pageSize = 500
    /// Stops with `.interrupted` once this many rows were written in this run (tests stand in
    /// for a kill with it: every page before is committed).
    public var stopAfterRows: Int?

    public init(from source: Catalog, to target: Catalog) {
        self.source = source
        self.target = target
    }

    /// Copies every row the target lacks, holding the relink lock; then the identity counters.
    public func copy(progress: @Sendable (Step) -> Void = { _ in }) async throws {
        try await checkTables()
        guard source.location != target.location else {
            throw Failure(code: .sameCatalog, message: "the target \(target.location) is the catalog itself")
        }
        let ran = try await source.withLinkLock(wait: false) { () async throws -> Bool in
            try await checkTargetIsEmptyOrAPartialCopy()
            var written = 0
            for table in Self.tables {
                if table.name == "queue_counts" {
                    try await copyCounters(progress)
                } else {
                    written = try await copy(table, written: written, progress)
                }
            }
            try await moveIdentityCounters()
            try await target.refreshStatistics()
            return true
        }
        guard ran == true else {
            throw Failure(code: .busy, message: "a relink is running in another process (custody link, an ingest, serve or the nightly audit): stop serve and watch, wait for it, and run the migration again")
        }
    }

    /// Compares the two catalogs table by table, row by row in key order, and walks the
    /// target's audit chain.
    public func verify(progress: @Sendable (Step) -> Void = { _ in }) async throws -> Verification {
        var counts: [(String, Int, Int)] = []
        var problems: [String] = []
        for table in Self.tables {
            let s = try await count(source, table)
            let t = try await count(target, table)
            counts.append((table.name, s, t))
            if s != t { problems.append("\(table.name): \(s) row(s) in the source, \(t) in the target") }
            problems += try await compare(table, total: s, progress)
        }
        for problem in try await target.verifyAuditChain() {
            problems.append("target audit chain: \(problem)")
        }
        return Verification(counts: counts, problems: problems)
    }

    // MARK: - Copying

    /// The source's tables must be exactly the ones this build copies.
    private func checkTables() async throws {
        let known = Set(Self.tables.map(\.name))
        for catalog in [source, target] {
            let names = Set(try await catalog.backend.read { db in try Self.tableNames(db) }).subtracting(Self.bookkeeping)
            if let unknown = names.subtracting(known).sorted().first {
                throw Failure(code: .unknownTable, message: "\(catalog.location) has a table \(unknown) that this build of Custody does not know how to copy: run a newer Custody")
            }
            if let missing = known.subtracting(names).sorted().first {
                throw Failure(code: .unknownTable, message: "\(catalog.location) has no table \(missing): its schema is older than this build's")
            }
        }
    }

    static func tableNames(_ db: any SQLDatabase) throws -> [String] {
        switch db.dialect {
        case .sqlite:
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        case .postgres:
            try PostgresMigrationSQL.tableNames(db)
        }
    }

    /// An empty target is fine, and so is an earlier copy of this catalog cut short: every
    /// table's last row there is the same row in the source, and the audit chains start alike.
    /// Anything else is another catalog, and is not written to.
    private func checkTargetIsEmptyOrAPartialCopy() async throws {
        for table in Self.tables where table.name != "queue_counts" {
            guard let last = try await lastRow(target, table) else { continue }
            let key = table.key.map { last.value(named: $0) ?? .null }
            let mine = try await source.backend.read { db in
                try Self.page(db, table, after: key, inclusive: true, limit: 1).first
            }
            let same = mine.map { Self.differences(mine: $0, theirs: last).isEmpty && Self.keyValues(table, $0) == key } ?? false
            guard same else {
                throw Failure(code: .differentCatalog, message: """
                    the target \(target.location) already holds a catalog that is not an unfinished copy of this one \
                    (its \(table.name) row \(Self.describe(key)) \(mine == nil ? "is not in this catalog" : "differs from this catalog's")). \
                    Migrate into an empty database; if it is an earlier copy and this catalog has changed since, drop and recreate that database.
                    """)
            }
        }
    }

    /// Copies the rows of `table` after the last key the target holds; returns the rows written
    /// in this run so far.
    private func copy(_ table: Table, written start: Int, _ progress: @Sendable (Step) -> Void) async throws -> Int {
        let total = try await count(source, table)
        var done = try await count(target, table)
        var written = start
        var after = try await lastRow(target, table).map { Self.keyValues(table, $0) }
        var lastShown = Date()
        while true {
            let rows = try await source.backend.read { [after, pageSize] db in
                try Self.page(db, table, after: after, inclusive: false, limit: pageSize)
            }
            guard let last = rows.last else { break }
            let added = try await target.backend.write { db in try Self.insert(db, table, rows) }
            done += added
            written += added
            after = Self.keyValues(table, last)
            if Date().timeIntervalSince(lastShown) >= 1 {
                lastShown = Date()
                progress(Step(phase: .copy, table: table.name, done: done, total: total, finished: false))
            }
            if let stop = stopAfterRows, written >= stop {
                throw Failure(code: .interrupted, message: "stopped after \(written) row(s), as asked (CUSTODY_MIGRATE_STOP_AFTER)")
            }
        }
        progress(Step(phase: .copy, table: table.name, done: done, total: total, finished: true))
        return written
    }

    /// The queue's counters are the source's, whatever the triggers counted while its items
    /// were inserted (the 'version' counter counts every change ever made).
    private func copyCounters(_ progress: @Sendable (Step) -> Void) async throws {
        let table = Self.tables.last!
        let rows = try await source.backend.read { db in try Self.page(db, table, after: nil, inclusive: false, limit: 1000) }
        try await target.backend.write { db in
            try db.execute(sql: "DELETE FROM queue_counts")
            _ = try Self.insert(db, table, rows)
        }
        progress(Step(phase: .copy, table: table.name, done: rows.count, total: rows.count, finished: true))
    }

    /// Each identity counter past both the largest copied id and the source's own counter, so
    /// the target never hands out an id the source already used (and deleted).
    private func moveIdentityCounters() async throws {
        for table in Self.tables {
            guard let column = table.identity else { continue }
            let used = try await source.backend.read { db in try Self.counter(db, table: table.name, column: column) }
            try await target.backend.write { db in
                let highest = try Int64.fetchOne(db, sql: "SELECT MAX(\(Self.quoted(column))) FROM \(table.name)") ?? 0
                try Self.setCounter(db, table: table.name, column: column, atLeast: max(highest, used))
            }
        }
    }

    /// The largest id the table's counter has handed out (0: none).
    static func counter(_ db: any SQLDatabase, table: String, column: String) throws -> Int64 {
        let highest = try Int64.fetchOne(db, sql: "SELECT MAX(\(quoted(column))) FROM \(table)") ?? 0
        switch db.dialect {
        case .sqlite:
            let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = ?", arguments: [table]) ?? 0
            return max(highest, seq)
        case .postgres:
            return max(highest, try PostgresMigrationSQL.counter(db, table: table, column: column))
        }
    }

    static func setCounter(_ db: any SQLDatabase, table: String, column: String, atLeast value: Int64) throws {
        guard value > 0 else { return }
        switch db.dialect {
        case .sqlite:
            // Only AUTOINCREMENT tables have a row there (evidence's rowid has no counter).
            guard column != "rowid" else { return }
            try db.execute(sql: "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", arguments: [value, table])
            if db.changesCount == 0 {
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", arguments: [table, value])
            }
        case .postgres:
            try PostgresMigrationSQL.setCounter(db, table: table, column: column, atLeast: value)
        }
    }

    // MARK: - Verifying

    /// Pages through both catalogs in key order and names the rows that differ (at most 20).
    private func compare(_ table: Table, total: Int, _ progress: @Sendable (Step) -> Void) async throws -> [String] {
        var problems: [String] = []
        var after: [SQLValue]?
        var done = 0
        var lastShown = Date()
        while problems.count < 20 {
            let mine = try await source.backend.read { [after, pageSize] db in
                try Self.page(db, table, after: after, inclusive: false, limit: pageSize)
            }
            let theirs = try await target.backend.read { [after, pageSize] db in
                try Self.page(db, table, after: after, inclusive: false, limit: pageSize)
            }
            if mine.isEmpty && theirs.isEmpty { break }
            for (a, b) in zip(mine, theirs) {
                let key = Self.keyValues(table, a)
                if key != Self.keyValues(table, b) {
                    problems.append("\(table.name): row \(Self.describe(key)) of the source is missing in the target, or the target has row \(Self.describe(Self.keyValues(table, b))) that the source has not")
                    return problems
                }
                let columns = Self.differences(mine: a, theirs: b)
                if !columns.isEmpty {
                    problems.append("\(table.name): row \(Self.describe(key)) differs in \(columns.joined(separator: ", "))")
                }
            }
            if mine.count != theirs.count {
                let longer = mine.count > theirs.count ? mine : theirs
                let first = longer[min(mine.count, theirs.count)]
                problems.append("\(table.name): row \(Self.describe(Self.keyValues(table, first))) is only in the \(mine.count > theirs.count ? "source" : "target")")
                return problems
            }
            done += mine.count
            after = Self.keyValues(table, mine.last!)
            if Date().timeIntervalSince(lastShown) >= 1 {
                lastShown = Date()
                progress(Step(phase: .verify, table: table.name, done: done, total: total, finished: false))
            }
        }
        progress(Step(phase: .verify, table: table.name, done: done, total: total, finished: true))
        return problems
    }

    /// The columns whose values differ (a column only one side has differs too). Numbers
    /// compare by value (SQLite may hand back 3 where PostgreSQL says 3.0), text and bytes by
    /// their bytes.
    static func differences(mine: SQLRow, theirs: SQLRow) -> [String] {
        var names = mine.columns.names.map { $0.lowercased() }
        for name in theirs.columns.names.map({ $0.lowercased() }) where !names.contains(name) { names.append(name) }
        return names.filter { name in
            guard let a = mine.value(named: name), let b = theirs.value(named: name) else { return true }
            return !same(a, b)
        }
    }

    static func same(_ a: SQLValue, _ b: SQLValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.integer(x), .integer(y)): x == y
        case let (.real(x), .real(y)): x == y || (x.isNaN && y.isNaN)
        case let (.integer(x), .real(y)), let (.real(y), .integer(x)): Double(x) == y
        case let (.text(x), .text(y)): x == y
        case let (.blob(x), .blob(y)): x == y
        case let (.text(x), .blob(y)), let (.blob(y), .text(x)): Array(x.utf8) == y
        default: false
        }
    }

    // MARK: - SQL

    private func count(_ catalog: Catalog, _ table: Table) async throws -> Int {
        try await catalog.backend.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0 }
    }

    /// The target's row with the largest key, or nil when the table is empty.
    private func lastRow(_ catalog: Catalog, _ table: Table) async throws -> SQLRow? {
        try await catalog.backend.read { db in
            let order = table.key.map { "\(Self.quoted($0)) DESC" }.joined(separator: ", ")
            return try SQLRow.fetchOne(db, sql: "SELECT \(Self.selection(db, table)) FROM \(table.name) ORDER BY \(order) LIMIT 1")
        }
    }

    /// `*`, with SQLite's implicit rowid of evidence (PostgreSQL's is a real column).
    static func selection(_ db: any SQLDatabase, _ table: Table) -> String {
        db.dialect == .sqlite && table.key == ["rowid"] ? "rowid AS rowid, *" : "*"
    }

    /// Up to `limit` rows after `after` (or from it, `inclusive`) in key order.
    static func page(_ db: any SQLDatabase, _ table: Table, after: [SQLValue]?, inclusive: Bool, limit: Int) throws -> [SQLRow] {
        let keys = table.key.map(quoted)
        let order = keys.joined(separator: ", ")
        var sql = "SELECT \(selection(db, table)) FROM \(table.name)"
        var arguments = SQLArguments(values: [])
        if let after {
            let lhs = keys.count == 1 ? keys[0] : "(\(order))"
            let rhs = keys.count == 1 ? "?" : "(\(databaseQuestionMarks(count: keys.count)))"
            sql += " WHERE \(lhs) \(inclusive ? ">=" : ">") \(rhs)"
            arguments = SQLArguments(values: after)
        }
        sql += " ORDER BY \(order) LIMIT \(limit)"
        return try db.fetchRows(sql: sql, arguments: arguments)
    }

    /// Inserts `rows` (all with the same columns), skipping any whose key is already there, a
    /// few hundred per statement (SQLite binds at most 32,766 values, PostgreSQL 65,535);
    /// returns how many were inserted.
    static func insert(_ db: any SQLDatabase, _ table: Table, _ rows: [SQLRow]) throws -> Int {
        guard let first = rows.first else { return 0 }
        let columns = first.columns.names
        let names = columns.map(quoted).joined(separator: ", ")
        let tuple = "(\(databaseQuestionMarks(count: columns.count)))"
        var inserted = 0
        for chunk in rows.chunked(max(1, 30_000 / columns.count)) {
            let values = Array(repeating: tuple, count: chunk.count).joined(separator: ", ")
            let sql: String
            switch db.dialect {
            case .sqlite:
                sql = "INSERT OR IGNORE INTO \(table.name) (\(names)) VALUES \(values)"
            case .postgres:
                sql = PostgresMigrationSQL.insert(table: table.name, columns: names, values: values, overridingIdentity: table.identity != nil)
            }
            try db.execute(sql: sql, arguments: SQLArguments(values: chunk.flatMap(\.values)))
            inserted += db.changesCount
        }
        return inserted
    }

    static func keyValues(_ table: Table, _ row: SQLRow) -> [SQLValue] {
        table.key.map { row.value(named: $0) ?? .null }
    }

    static func describe(_ key: [SQLValue]) -> String {
        key.map { value -> String in
            switch value {
            case .null: "NULL"
            case .integer(let i): String(i)
            case .real(let d): String(d)
            case .text(let s): "'\(s)'"
            case .blob(let b): "x'\(b.map { String(format: "%02x", $0) }.joined())'"
            }
        }.joined(separator: ", ")
    }

    /// A column name in double quotes (`end` and `offset` are reserved words in PostgreSQL).
    static func quoted(_ name: String) -> String { "\"\(name)\"" }
}

// MARK: - Vault moves

/// One stored file the catalog knows: what `custody vault migrate` copies and checks.
public struct StoredObject: Sendable, Equatable {
    public var key: String
    public var sha256: String
    public var size: Int64

    public init(key: String, sha256: String, size: Int64) {
        self.key = key
        self.sha256 = sha256
        self.size = size
    }
}

extension Catalog {
    /// Up to `limit` stored files of evidence rows not purged, in SHA-256 order after `after`
    /// (by primary key: a page at a time however large the catalog).
    public func storedObjects(after: String?, limit: Int) async throws -> [StoredObject] {
        try await backend.read { db in
            try SQLRow.fetchAll(
                db, sql: "SELECT sha256, size, stored_path FROM evidence WHERE sha256 > ? AND purged_at IS NULL ORDER BY sha256 LIMIT \(limit)",
                arguments: [after ?? ""]
            ).map { StoredObject(key: $0["stored_path"], sha256: $0["sha256"], size: $0["size"]) }
        }
    }

    /// How many stored files `storedObjects` pages through, and their bytes.
    public func storedObjectTotals() async throws -> (count: Int, bytes: Int64) {
        try await backend.read { db in
            let row = try SQLRow.fetchOne(db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM evidence WHERE purged_at IS NULL")
            return (row?["n"] ?? 0, row?["bytes"] ?? 0)
        }
    }

    /// Which of these keys are the stored path of an evidence row not purged (keys are
    /// `…/<sha256>.<ext>`: looked up by primary key).
    public func catalogued(keys: [String]) async throws -> Set<String> {
        let shas = keys.map { key -> String in
            let name = key.split(separator: "/").last.map(String.init) ?? key
            return String(name.prefix { $0 != "." })
        }
        return try await backend.read { db in
            var paths = Set<String>()
            for chunk in Array(Set(shas)).chunked(500) {
                paths.formUnion(try String.fetchAll(
                    db, sql: "SELECT stored_path FROM evidence WHERE sha256 IN (\(databaseQuestionMarks(count: chunk.count))) AND purged_at IS NULL",
                    arguments: SQLArguments(chunk)))
            }
            return paths.intersection(keys)
        }
    }
}

extension Vault {
    /// The SHA-256 and size of the object as the store hands it back, streamed (never the whole
    /// object in memory). `progress` is told the bytes of each chunk.
    public func digest(of key: String, progress: (Int) -> Void = { _ in }) async throws -> (sha256: String, size: Int64) {
        var hasher = SHA256()
        var size: Int64 = 0
        try await stream(key, chunkSize: 1 << 20) { chunk in
            hasher.update(data: chunk)
            size += Int64(chunk.count)
            progress(chunk.count)
        }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), size)
    }
}
