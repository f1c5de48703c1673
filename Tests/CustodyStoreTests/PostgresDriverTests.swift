@testable import CustodyStore
import CustodyCore
import Foundation
import Testing

/// The PostgreSQL backend's driver: the SQL rewrite, values in and out, transactions and
/// locks, against a throw-away cluster (`tools/postgres start`, found through CUSTODY_PG_URL
/// and CUSTODY_PG_PASSWORD_FILE). Each test gets a database of its own.
@Suite struct PostgresDriverTests {
    // MARK: The rewrite (no server needed)

    @Test func placeholdersAreNumberedOutsideLiteralsIdentifiersAndComments() {
        let sql = """
            SELECT '?', "a?b", x FROM t -- what?
            WHERE a = ? AND b = 'it''s ?' /* ? /* ? */ */ AND c IN (?, ?)
            """
        let s = PostgresSQL(rewriting: sql).statements
        #expect(s.count == 1)
        #expect(s[0].sql == """
            SELECT '?', "a?b", x FROM t -- what?
            WHERE a = $1 AND b = 'it''s ?' /* ? /* ? */ */ AND c IN ($2, $3)
            """)
        #expect(s[0].parameterCount == 3)
    }

    @Test func numberedPlaceholdersKeepTheirNumbers() {
        let s = PostgresSQL(rewriting: "SELECT 1 WHERE (a >= ?1 AND a < ?2) OR (b >= ?1 AND b < ?2) OR c = ?").statements[0]
        #expect(s.sql == "SELECT 1 WHERE (a >= $1 AND a < $2) OR (b >= $1 AND b < $2) OR c = $3")
        #expect(s.parameterCount == 3)
    }

    @Test func insertOrIgnoreBecomesOnConflictDoNothing() {
        #expect(PostgresSQL(rewriting: "INSERT OR IGNORE INTO officers (id) VALUES (?)").statements[0].sql
                == "INSERT INTO officers (id) VALUES ($1) ON CONFLICT DO NOTHING")
        let select = PostgresSQL(rewriting: """
            insert  or  ignore into review_items (subject, created_at)
            SELECT 'clip:' || sha256, ? FROM evidence WHERE location = 'vault';
            """).statements
        #expect(select.count == 1)
        #expect(select[0].sql == """
            insert into review_items (subject, created_at)
            SELECT 'clip:' || sha256, $1 FROM evidence WHERE location = 'vault' ON CONFLICT DO NOTHING
            """)
        // Only at the head of a statement, and never inside a literal.
        #expect(PostgresSQL(rewriting: "SELECT 'INSERT OR IGNORE INTO x'").statements[0].sql == "SELECT 'INSERT OR IGNORE INTO x'")
    }

    @Test func indexedByIsDropped() {
        #expect(PostgresSQL(rewriting: "SELECT COUNT(*) FROM evidence INDEXED BY evidence_link WHERE location = 'vault'").statements[0].sql
                == "SELECT COUNT(*) FROM evidence  WHERE location = 'vault'")
        #expect(PostgresSQL(rewriting: "SELECT id FROM review_items r INDEXED BY review_officer WHERE officer_id = ?").statements[0].sql
                == "SELECT id FROM review_items r  WHERE officer_id = $1")
        #expect(PostgresSQL(rewriting: "SELECT 'INDEXED BY x' AS indexed").statements[0].sql == "SELECT 'INDEXED BY x' AS indexed")
    }

    @Test func statementsAreSplitAtSemicolonsOutsideQuotesAndFunctionBodies() {
        let s = PostgresSQL(rewriting: """
            CREATE TABLE a (x TEXT DEFAULT ';');
            -- a comment; with a semicolon
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE a SET x = ';?'; RETURN NULL; END $$;
            INSERT INTO a VALUES (?); ;
            """).statements
        #expect(s.map(\.parameterCount) == [0, 0, 1])
        #expect(s[1].sql.hasSuffix("AS $$ BEGIN UPDATE a SET x = ';?'; RETURN NULL; END $$"))
        #expect(s[2].sql == "INSERT INTO a VALUES ($1)")
    }

    @Test func placeholdersBeforeIsNullAreMarkedForADeclaredType() {
        let s = PostgresSQL(rewriting: "SELECT id FROM r WHERE a = ? AND (? IS NULL OR o = ?) AND (?  is  not  null)").statements[0]
        #expect(s.sql == "SELECT id FROM r WHERE a = $1 AND ($2 IS NULL OR o = $3) AND ($4  is  not  null)")
        #expect(s.typedParameters == [1, 3])
    }

    @Test func urlsParseAndNeverCarryAPassword() throws {
        let u = try PostgresURL(parsing: "postgresql://custody@db.example:6543/catalog")
        #expect(u == PostgresURL(user: "custody", host: "db.example", port: 6543, database: "catalog"))
        #expect(u.description == "custody@db.example:6543/catalog")
        let socket = try PostgresURL(parsing: "postgres://custody@localhost/custody?host=/run/postgresql")
        #expect(socket.socketFolder == "/run/postgresql" && socket.port == 5432)
        #expect(try PostgresURL(parsing: socket.url) == socket)
        do {
            _ = try PostgresURL(parsing: "postgres://custody:hunter2@db.example/custody")
            Issue.record("a URL with a password was accepted")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
        #expect(throws: PostgresURL.Invalid.self) { try PostgresURL(parsing: "mysql://custody@db/custody") }
    }

    // MARK: Against the server

    /// The test cluster, or nil when there is none (a failure under CI).
    static func server() -> (url: String, password: String)? {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["CUSTODY_PG_URL"], let file = env["CUSTODY_PG_PASSWORD_FILE"],
              let password = try? String(contentsOfFile: file, encoding: .utf8) else {
            // CI always has the cluster; elsewhere start it with tools/postgres.
            if env["CI"] != nil { Issue.record("CUSTODY_PG_URL is not set: tools/test starts the PostgreSQL cluster") }
            return nil
        }
        return (url, password.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Runs `body` with a backend on a fresh, migrated database of its own, dropped afterwards.
    static func withScratch(connections: Int = 4, _ body: (PostgresBackend, _ url: String, _ password: String) async throws -> Void) async throws {
        guard let server = server() else { return }
        let scratch = try await PostgresBackend.makeScratchDatabase(url: server.url, password: server.password)
        let backend: PostgresBackend
        do {
            backend = try await PostgresBackend(url: scratch.url, password: server.password, connections: connections)
        } catch {
            await scratch.drop()
            throw error
        }
        do {
            try await body(backend, scratch.url, server.password)
        } catch {
            try? await backend.close()
            await scratch.drop()
            throw error
        }
        try await backend.close()
        await scratch.drop()
    }

    static let table = "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, s TEXT, b BYTEA)"

    @Test func everyKindOfValueRoundTrips() async throws {
        try await Self.withScratch { backend, _, _ in
            let bytes = (0...255).map { UInt8($0) }
            let rows: [[SQLValue]] = [
                [.integer(Int64.max), .real(1707874200.123456), .text("Zoë — 警察 🚓 'quoted' \"x\" ?"), .blob(bytes)],
                [.integer(Int64.min), .real(-0.5), .text(""), .blob([])],
                [.integer(0), .real(1e-300), .text("a\u{301}"), .blob([0])],
                [.null, .null, .null, .null],
            ]
            let read = try await backend.write { db in
                try db.execute(sql: Self.table)
                for r in rows {
                    try db.execute(sql: "INSERT INTO t (i, d, s, b) VALUES (?, ?, ?, ?)", arguments: SQLArguments(values: r))
                }
                return try db.fetchRows(sql: "SELECT i, d, s, b FROM t ORDER BY id", arguments: [])
            }
            #expect(read.map(\.values) == rows)
            #expect(read[0].columns.names == ["i", "d", "s", "b"])
            let typed: (Int64, Double, String, Data)? = try await backend.read { db in
                try SQLRow.fetchOne(db, sql: "SELECT i, d, s, b FROM t WHERE id = 1").map { ($0["i"], $0["d"], $0["S"], $0["b"]) }
            }
            #expect(typed?.0 == Int64.max && typed?.1 == 1707874200.123456 && typed?.3 == Data(bytes))
        }
    }

    @Test func aBatchInsertIsCutAroundItsValuesTuple() throws {
        let one = PostgresSQL(rewriting: """
            INSERT INTO coverage (row_id, coverage, findings) VALUES (?, COALESCE(?, 0), ?)
            ON CONFLICT (row_id) DO UPDATE SET coverage = excluded.coverage
            """).statements[0]
        let template = try #require(PostgresSQL.valuesTemplate(one))
        #expect(template.statement(rows: 2).sql == """
            INSERT INTO coverage (row_id, coverage, findings) VALUES ($1, COALESCE($2, 0), $3), ($4, COALESCE($5, 0), $6)
            ON CONFLICT (row_id) DO UPDATE SET coverage = excluded.coverage
            """)
        #expect(template.statement(inlining: [.integer(7), .real(0.5), .null, .integer(-1), .null, .integer(0)]) == """
            INSERT INTO coverage (row_id, coverage, findings) VALUES ('7'::int8, COALESCE('0.5'::float8, 0), NULL), \
            ('-1'::int8, COALESCE(NULL, 0), '0'::int8)
            ON CONFLICT (row_id) DO UPDATE SET coverage = excluded.coverage
            """)
        // A placeholder outside the tuple takes one value per statement: not cut.
        #expect(PostgresSQL.valuesTemplate(PostgresSQL(rewriting: "INSERT INTO t (a) VALUES (?) ON CONFLICT (a) DO UPDATE SET b = ?").statements[0]) == nil)
        #expect(PostgresSQL.valuesTemplate(PostgresSQL(rewriting: "INSERT INTO t (a) SELECT a FROM u WHERE b = ?").statements[0]) == nil)
    }

    @Test func literalsDoubleQuotesAndBackslashes() {
        var sql = ""
        PostgresSQL.appendLiteral(.text(#"it's a \ and a \'"#), typed: false, to: &sql)
        #expect(sql == #"E'it''s a \\ and a \\'''"#)
        sql = ""
        PostgresSQL.appendLiteral(.blob([0, 0xAB]), typed: false, to: &sql)
        #expect(sql == #"E'\\x00ab'::bytea"#)
        sql = ""
        PostgresSQL.appendLiteral(.null, typed: true, to: &sql)
        #expect(sql == "NULL::text")
    }

    /// `executeBatch` sends many rows per statement, and statements of many arguments go with
    /// their values written in as literals: every kind of value must read back as it went in.
    @Test func batchedAndInlinedValuesRoundTrip() async throws {
        try await Self.withScratch { backend, _, _ in
            let bytes = (0...255).map { UInt8($0) }
            let awkward: [[SQLValue]] = [
                [.integer(Int64.max), .real(1707874200.123456), .text(#"Zoë — 警察 🚓 'quoted' "x" ? $1 \ \' -- /*"#), .blob(bytes)],
                [.integer(Int64.min), .real(-0.5), .text(""), .blob([])],
                [.integer(0), .real(1e-300), .text("a\u{301}"), .blob([0])],
                [.null, .null, .null, .null],
                [.integer(1), .real(.infinity), .text("E'x'"), .blob([0x5C, 0x27])],
            ]
            let rows = awkward + (0..<4_500).map { [.integer(Int64($0)), .real(Double($0) / 7), .text("row \($0)"), .null] }
            let (read, changed, inList) = try await backend.write { db in
                try db.execute(sql: Self.table)
                try db.executeBatch(sql: "INSERT INTO t (i, d, s, b) VALUES (?, ?, ?, ?)", rows: rows.map { SQLArguments(values: $0) })
                let changed = db.changesCount
                let read = try db.fetchRows(sql: "SELECT i, d, s, b FROM t ORDER BY id", arguments: [])
                // 200 arguments: sent as literals.
                let wanted = (0..<200).map { "row \($0)" }
                let inList = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t WHERE s IN (\(databaseQuestionMarks(count: 200)))",
                                              arguments: SQLArguments(wanted))
                return (read, changed, inList)
            }
            #expect(changed == rows.count)
            #expect(read.map(\.values) == rows)
            #expect(inList == 200)
            // The awkward texts found again through an inlined IN list.
            let texts = awkward.compactMap { row -> String? in if case .text(let s) = row[2] { s } else { nil } }
            let found = try await backend.read { db in
                let padding = (0..<100).map { "absent \($0)" }
                return try String.fetchAll(
                    db, sql: "SELECT s FROM t WHERE s IN (\(databaseQuestionMarks(count: texts.count + padding.count))) ORDER BY id",
                    arguments: SQLArguments(texts + padding))
            }
            #expect(found == texts)
        }
    }

    /// `insertRows` (COPY in text format): every kind of value, escapes included, reads back
    /// as it went in, in more than one part; a duplicate key fails and rolls the rows back.
    @Test func copiedRowsRoundTripAndADuplicateKeyFails() async throws {
        try await Self.withScratch { backend, _, _ in
            let bytes = (0...255).map { UInt8($0) }
            let awkward: [[SQLValue]] = [
                [.integer(Int64.max), .real(1707874200.123456), .text("tab\there\nnew line\r\\N \\ back\\slash 'q' \"d\" 警察 🚓"), .blob(bytes)],
                [.integer(Int64.min), .real(-0.5), .text(""), .blob([])],
                [.integer(0), .real(1e-300), .text("\\N"), .blob([0x5C, 0x09, 0x0A])],
                [.null, .null, .null, .null],
                [.integer(1), .real(-.infinity), .text("a\u{301}"), .blob([0])],
            ]
            // About 3 MB of text: several writes in one COPY.
            let filler = String(repeating: "x", count: 100)
            let rows = awkward + (0..<30_000).map { [.integer(Int64($0)), .real(Double($0) / 7), .text("row \($0) \(filler)"), .null] }
            let (read, changed) = try await backend.write { db in
                try db.execute(sql: Self.table)
                try db.insertRows(into: "t", columns: ["i", "d", "s", "b"], rows: rows.map { SQLArguments(values: $0) })
                let changed = db.changesCount
                return (try db.fetchRows(sql: "SELECT i, d, s, b FROM t ORDER BY id", arguments: []), changed)
            }
            #expect(changed == rows.count)
            #expect(read.count == rows.count)
            #expect(read.map(\.values) == rows)
            let nan = try await backend.write { db in
                try db.execute(sql: "DELETE FROM t")
                try db.insertRows(into: "t", columns: ["d"], rows: [[Double.nan]])
                return try Double.fetchOne(db, sql: "SELECT d FROM t")
            }
            #expect(nan?.isNaN == true)
            // A duplicate primary key: the transaction fails, nothing of it stays.
            let failure = await #expect(throws: PostgresFailure.self) {
                try await backend.write { db in
                    try db.insertRows(into: "t", columns: ["id", "i"], rows: [[Int64(900_001), Int64(1)], [Int64(900_001), Int64(2)]])
                }
            }
            // It names the COPY and the key, not the megabytes sent.
            #expect(failure?.description.contains("23505") == true, "\(String(describing: failure))")
            #expect(failure?.description.contains("COPY t (id, i) FROM STDIN") == true, "\(String(describing: failure))")
            let left = try await backend.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t WHERE id = 900001") }
            #expect(left == 0)
            // The backend goes on after the failed COPY.
            try await backend.write { db in try db.insertRows(into: "t", columns: ["i"], rows: [[Int64(5)]]) }
        }
    }

    @Test func resultTypesReadAsSQLiteWould() async throws {
        try await Self.withScratch { backend, _, _ in
            let r = try await backend.write { db -> SQLRow? in
                try db.execute(sql: Self.table)
                try db.execute(sql: "INSERT INTO t (i, d) VALUES (1, 0.5), (2, 1.0), (4000000000, 2.0)")
                return try SQLRow.fetchOne(db, sql: """
                    SELECT SUM(i), AVG(i), SUM(d), COUNT(*), EXISTS (SELECT 1 FROM t WHERE i = 2), 1 = 0,
                        CAST(7 AS SMALLINT), CAST(7 AS INTEGER), CAST(2.5 AS REAL), 10.25::numeric, (-12345678.5)::numeric,
                        0.0001::numeric, 'x'::varchar, 'name'::name, NULL
                    FROM t
                    """)
            }
            #expect(r?.values == [
                .integer(4000000003), .real(1333333334.3333333), .real(3.5), .integer(3), .integer(1), .integer(0),
                .integer(7), .integer(7), .real(2.5), .real(10.25), .real(-12345678.5),
                .real(0.0001), .text("x"), .text("name"), .null,
            ])
        }
    }

    @Test func boundValuesTakeTheTypeWhereTheyStand() async throws {
        try await Self.withScratch { backend, _, _ in
            let counts = try await backend.write { db -> [Int] in
                try db.execute(sql: Self.table)
                try db.execute(sql: "INSERT INTO t (i, d, s) VALUES (5, 1.5, 'x'), (6, 2.5, 'y'), (7, NULL, NULL)")
                func count(_ sql: String, _ args: SQLArguments) throws -> Int {
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(sql)) AS q", arguments: args) ?? -1
                }
                return [
                    try count("SELECT 1 FROM t WHERE i = ?", ["5"]),             // text against bigint
                    try count("SELECT 1 FROM t WHERE d > ?", ["1.5"]),           // text against double
                    try count("SELECT 1 FROM t WHERE d > ?", [1]),               // integer against double
                    try count("SELECT 1 FROM t WHERE i < ?", [6.5]),             // real against bigint
                    try count("SELECT 1 FROM t LIMIT ?", [2]),
                    try count("SELECT 1 FROM t LIMIT ?", ["1"]),
                    try count("SELECT 1 FROM t LIMIT ? OFFSET ?", [10, 1]),
                    try count("SELECT 1 FROM t WHERE COALESCE(d, ?) = 9", [9]),
                    try count("SELECT 1 FROM t WHERE COALESCE(s, ?) = 'z'", ["z"]),
                    try count("SELECT 1 FROM t WHERE (? IS NULL OR s = ?)", [nil, nil]),
                    try count("SELECT 1 FROM t WHERE (? IS NULL OR s = ?)", ["x", "x"]),
                    try count("SELECT 1 FROM t WHERE (? IS NOT NULL AND i = ?)", [5, 5]),
                    try count("SELECT 1 FROM t WHERE i % ? = ?", [2, 1]),
                    try count("SELECT 1 FROM t WHERE s IN (?, ?)", ["x", "y"]),
                    try count("SELECT 1 FROM t WHERE LEAST(COALESCE(d, ?), ?) < 2", [100.0, 3.0]),
                ]
            }
            #expect(counts == [1, 1, 2, 2, 2, 1, 2, 1, 1, 3, 1, 1, 2, 2, 1])
            // A value bound where a column goes: INSERT … SELECT ?, and UPDATE … SET col = ?.
            let back = try await backend.write { db -> [SQLValue] in
                try db.execute(sql: "INSERT INTO t (i, d, s) SELECT ?, ?, ?", arguments: [8, nil, "w"])
                try db.execute(sql: "UPDATE t SET d = ?, s = ? WHERE i = ?", arguments: ["3.25", nil, 8])
                return try db.fetchRows(sql: "SELECT i, d, s FROM t WHERE i = 8", arguments: [])[0].values
            }
            #expect(back == [.integer(8), .real(3.25), .null])
        }
    }

    @Test func forEachRowStreamsTwelveThousandRows() async throws {
        try await Self.withScratch { backend, _, _ in
            try await backend.write { db in
                try db.execute(sql: Self.table)
                try db.execute(sql: "INSERT INTO t (i, s) SELECT n, 'row ' || n FROM generate_series(1, 12000) AS n")
            }
            let (count, sum, ordered, firstText) = try await backend.read { db -> (Int, Int64, Bool, String?) in
                var count = 0, sum: Int64 = 0, last: Int64 = 0, ordered = true
                var first: String?
                try db.forEachRow(sql: "SELECT i, s FROM t WHERE i > ? ORDER BY i", arguments: [0]) { row in
                    let i: Int64 = row["i"]
                    if first == nil { first = row["s"] }
                    ordered = ordered && i == last + 1
                    last = i
                    count += 1
                    sum += i
                }
                // Twice in one transaction: each cursor has a name of its own.
                try db.forEachRow(sql: "SELECT 1", arguments: []) { _ in }
                return (count, sum, ordered, first)
            }
            #expect(count == 12000 && sum == 12000 * 12001 / 2 && ordered && firstText == "row 1")
        }
    }

    @Test func insertReturningIDAndChangesCount() async throws {
        try await Self.withScratch { backend, _, _ in
            let (ids, changes) = try await backend.write { db -> ([Int64], [Int]) in
                try db.execute(sql: Self.table)
                let a = try db.insertReturningID(sql: "INSERT INTO t (i) VALUES (?)", arguments: [10])
                let b = try db.insertReturningID(sql: "INSERT INTO t (i) VALUES (?);", arguments: [11])
                var changes: [Int] = []
                try db.execute(sql: "INSERT INTO t (i) VALUES (12), (13), (14)")
                changes.append(db.changesCount)
                try db.execute(sql: "UPDATE t SET s = ? WHERE i >= ?", arguments: ["big", 12])
                changes.append(db.changesCount)
                try db.execute(sql: "INSERT OR IGNORE INTO t (id, i) VALUES (?, ?)", arguments: [a, 99])
                changes.append(db.changesCount)
                try db.execute(sql: "DELETE FROM t WHERE i = ?", arguments: [-1])
                changes.append(db.changesCount)
                try db.execute(sql: "DELETE FROM t WHERE i < ?", arguments: [12])
                changes.append(db.changesCount)
                return ([a, b], changes)
            }
            #expect(ids == [1, 2])
            #expect(changes == [3, 3, 0, 0, 2])
        }
    }

    @Test func severalStatementsWithoutArgumentsRunInOrder() async throws {
        try await Self.withScratch { backend, _, _ in
            let n = try await backend.write { db -> Int? in
                try db.execute(sql: """
                    CREATE TABLE a (x BIGINT);
                    INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);
                    UPDATE a SET x = x * 10;
                    """)
                #expect(db.changesCount == 2)
                return try Int.fetchOne(db, sql: "SELECT SUM(x) FROM a")
            }
            #expect(n == 30)
        }
    }

    struct Boom: Error {}

    @Test func aFailedWriteRollsBackAndTheBackendGoesOn() async throws {
        try await Self.withScratch(connections: 1) { backend, _, _ in
            try await backend.write { db in try db.execute(sql: Self.table) }
            await #expect(throws: Boom.self) {
                try await backend.write { db in
                    try db.execute(sql: "INSERT INTO t (id, i) VALUES (1, 1)")
                    throw Boom()
                }
            }
            do {
                try await backend.write { db in
                    try db.execute(sql: "INSERT INTO t (id, i) VALUES (2, 2)")
                    try db.execute(sql: "INSERT INTO t (id, i) VALUES (2, 3)")
                }
                Issue.record("a duplicate key was accepted")
            } catch let failure as PostgresFailure {
                #expect(failure.isUniqueViolation && failure.code == .statement)
                #expect(failure.description.contains(failure.target))
            }
            await #expect(throws: PostgresFailure.self) {
                try await backend.read { db in try db.execute(sql: "INSERT INTO t (id, i) VALUES (3, 3)") }  // read only
            }
            let n = try await backend.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") }
            #expect(n == 0)
        }
    }

    @Test func writesFromTwoBackendsSerialize() async throws {
        try await Self.withScratch { backend, url, password in
            try await backend.write { db in
                try db.execute(sql: "CREATE TABLE counter (n BIGINT NOT NULL); INSERT INTO counter VALUES (0)")
            }
            let other = try await PostgresBackend(url: url, password: password, connections: 2)
            // Each reads, waits, then writes what it read plus one: without the lock one
            // increment would be lost.
            @Sendable func increment(_ b: PostgresBackend) async throws {
                try await b.write { db in
                    let n = try Int64.fetchOne(db, sql: "SELECT n FROM counter") ?? -1
                    Thread.sleep(forTimeInterval: 0.3)
                    try db.execute(sql: "UPDATE counter SET n = ?", arguments: [n + 1])
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for b in [backend, other, backend, other] { group.addTask { try await increment(b) } }
                try await group.waitForAll()
            }
            try await other.close()
            let n = try await backend.read { db in try Int64.fetchOne(db, sql: "SELECT n FROM counter") }
            #expect(n == 4)
        }
    }

    @Test func theLinkLockHasOneHolderAcrossBackends() async throws {
        try await Self.withScratch { backend, url, password in
            let other = try await PostgresBackend(url: url, password: password, connections: 1)
            let inside = try await backend.withLinkLock(wait: true) { () async throws -> Bool? in
                let attempt = try await other.withLinkLock(wait: false) { true }
                return attempt
            }
            #expect(inside == .some(nil))  // held by `backend`: `other` got nil at once
            // Released after the body, and after a body that throws.
            await #expect(throws: Boom.self) { try await backend.withLinkLock(wait: false) { throw Boom() } }
            #expect(try await other.withLinkLock(wait: false) { 7 } == 7)
            try await other.close()
        }
    }

    @Test func aWaitingLinkLockGetsItWhenTheHolderLetsGo() async throws {
        try await Self.withScratch { backend, url, password in
            let other = try await PostgresBackend(url: url, password: password, connections: 1)
            let released = Mutex(false), held = Mutex(false)
            let holder = Task {
                try await backend.withLinkLock(wait: true) {
                    held.withLock { $0 = true }
                    try await Task.sleep(for: .milliseconds(400))
                    released.withLock { $0 = true }
                }
            }
            // Only once the holder has it (a loaded machine can take a while to connect).
            while !held.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
            let sawRelease = try await other.withLinkLock(wait: true) { released.withLock { $0 } }
            #expect(sawRelease == true)
            _ = try await holder.value
            try await other.close()
        }
    }

    /// An audit-only append (a page view) does not wait for another node's write transaction,
    /// such as one of a relink's; appends from writes and audit-only ones still form one chain.
    @Test func anAuditAppendDoesNotWaitForAnotherWrite() async throws {
        try await Self.withScratch { backend, url, password in
            let catalog = Catalog(backend: backend)
            let other = try await PostgresBackend(url: url, password: password, connections: 2)
            // Connections opened first: on a loaded machine opening one took over 5 s, which is
            // not what this measures.
            try await catalog.audit(actor: "r", action: "viewed", subject: "incident:0")
            try await other.write { _ in }
            let holding = Mutex(false), letGo = DispatchSemaphore(value: 0)
            let writer = Task {
                try await other.write { _ in
                    holding.withLock { $0 = true }
                    _ = letGo.wait(timeout: .now() + 20)
                }
            }
            while !holding.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
            let started = ContinuousClock.now
            try await catalog.audit(actor: "r", action: "viewed", subject: "incident:1")
            let waited = ContinuousClock.now - started
            letGo.signal()
            try await writer.value
            #expect(waited < .seconds(5), "the view's audit entry waited \(waited) for the other write")
            // Audit-only appends racing appends made inside writes: one unbroken chain.
            let writing = Catalog(backend: other)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<20 {
                    group.addTask { try await catalog.audit(actor: "r", action: "viewed", subject: "incident:\(i)") }
                    group.addTask {
                        try await other.write { db in
                            try AuditLog.append(db, actor: "s", action: "test", subject: "w\(i)", detail: .object([]))
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await writing.verifyAuditChain() == [])
            #expect(try await catalog.auditEntries().count == 42)  // the warm-up, the measured one and 40 racing
            try await other.close()
        }
    }

    @Test func aReadSeesOneSnapshot() async throws {
        try await Self.withScratch { backend, url, password in
            try await backend.write { db in
                try db.execute(sql: Self.table)
                try db.execute(sql: "INSERT INTO t (i) VALUES (1)")
            }
            let writer = try await PostgresBackend(url: url, password: password, connections: 1)
            let (before, after) = try await backend.read { db -> (Int, Int) in
                let before = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") ?? -1
                // Another node commits a row meanwhile (waited for here, on the backend's thread).
                let done = DispatchSemaphore(value: 0)
                Task {
                    try? await writer.write { db in try db.execute(sql: "INSERT INTO t (i) VALUES (2)") }
                    done.signal()
                }
                done.wait()
                let after = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") ?? -1
                return (before, after)
            }
            #expect(before == 1 && after == 1)
            let now = try await backend.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") }
            #expect(now == 2)
            try await writer.close()
        }
    }

    @Test func aWrongPasswordSaysWhichServerAndNotThePassword() async throws {
        guard let server = Self.server() else { return }
        let url = try PostgresURL(parsing: server.url)
        do {
            _ = try await PostgresBackend(url: server.url, password: "not-the-password-42", connections: 1)
            Issue.record("a wrong password was accepted")
        } catch let failure as PostgresFailure {
            #expect(failure.code == .authenticate)
            #expect(failure.description.contains("\(url.host):\(url.port)/\(url.database)"))
            #expect(!failure.description.contains("not-the-password-42"))
        }
        // Nobody listening: a connect failure naming the address.
        let closed = url.with(database: url.database)
        var nowhere = closed
        nowhere.port = 1
        do {
            _ = try await PostgresBackend(url: nowhere.url, password: server.password, connections: 1)
            Issue.record("a connection to port 1 succeeded")
        } catch let failure as PostgresFailure {
            #expect(failure.code == .connect && failure.description.contains("\(url.host):1/"))
        }
    }

    @Test func theSchemaIsMigratedOnceAndTheQueueCountersFollowTheItems() async throws {
        try await Self.withScratch { backend, url, password in
            #expect(try await backend.schemaVersions() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
            // Opening it again migrates nothing.
            let again = try await PostgresBackend(url: url, password: password, connections: 1)
            #expect(try await again.schemaVersions() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
            try await again.close()
            let counts = try await backend.write { db -> [[String: Int]] in
                func snapshot() throws -> [String: Int] {
                    Dictionary(uniqueKeysWithValues: try SQLRow.fetchAll(db, sql: "SELECT state, n FROM queue_counts").map { ($0[0], $0[1]) })
                }
                var seen: [[String: Int]] = []
                let id = try db.insertReturningID(
                    sql: "INSERT INTO review_items (subject, reason, priority, created_at) VALUES (?, 'sample', 8, ?)",
                    arguments: ["sample:1|a", 1.0])
                seen.append(try snapshot())
                try db.execute(sql: "UPDATE review_items SET state = 'claimed' WHERE id = ?", arguments: [id])
                seen.append(try snapshot())
                try db.execute(sql: "UPDATE review_items SET note = 'n' WHERE id = ?", arguments: [id])
                seen.append(try snapshot())
                try db.execute(sql: "DELETE FROM review_items WHERE id = ?", arguments: [id])
                seen.append(try snapshot())
                // The reserved words, quoted; evidence has a rowid.
                try db.execute(sql: "INSERT OR IGNORE INTO officers (id) VALUES (?)", arguments: ["a"])
                try db.execute(sql: "INSERT OR IGNORE INTO officers (id) VALUES (?)", arguments: ["a"])
                try db.execute(sql: "INSERT INTO findings (officer_id, kind, start, \"end\") VALUES ('a', 'x', 1, 2)")
                try db.execute(sql: """
                    INSERT INTO evidence (sha256, size, ext, location, stored_path, integrity, probe_json, stored_at)
                    VALUES ('ab', 1, 'mp4', 'vault', 'x', 'ok', '{}', 1)
                    """)
                #expect(try Int64.fetchOne(db, sql: "SELECT e.rowid FROM evidence e WHERE sha256 = 'ab'") == 1)
                return seen
            }
            #expect(counts == [
                ["open": 1, "claimed": 0, "closed": 0, "version": 1],
                ["open": 0, "claimed": 1, "closed": 0, "version": 2],
                ["open": 0, "claimed": 1, "closed": 0, "version": 3],
                ["open": 0, "claimed": 0, "closed": 0, "version": 4],
            ])
            // Text keys compare bytewise, as in SQLite: 'B' < 'a'.
            let order = try await backend.write { db -> [String] in
                try db.execute(sql: "INSERT INTO officers (id) VALUES ('b'), ('B'), ('_')")
                return try String.fetchAll(db, sql: "SELECT id FROM officers ORDER BY id")
            }
            #expect(order == ["B", "_", "a", "b"])
        }
    }
}

import Synchronization
