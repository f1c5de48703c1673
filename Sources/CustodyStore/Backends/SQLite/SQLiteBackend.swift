import Foundation
internal import GRDB
#if canImport(Glibc)
internal import Glibc
#endif

/// The catalog in one SQLite file (WAL, a writer and pooled readers, GRDB), or in memory for
/// tests. Transactions run on GRDB's own queues through its async `read`/`write`.
final class SQLiteBackend: CatalogBackend {
    let writer: any DatabaseWriter
    /// Beside the catalog file: serializes relinks across processes (nil in memory).
    let lockPath: String?
    /// Stands in for the relink lock file in memory.
    let memoryLinkLock = AsyncLock()
    let description: String

    var dialect: SQLDialect { .sqlite }

    /// Opens or creates the catalog at `path` and migrates it to the current schema.
    init(path: String) throws {
        lockPath = path + ".link-lock"
        description = path
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

    /// An in-memory catalog with the real schema, for tests.
    init(inMemory: Void) throws {
        lockPath = nil
        description = ":memory:"
        writer = try DatabaseQueue()
        try Self.migrator.migrate(writer)
    }

    /// Opens an existing catalog without writing anything: no migration, no journal. In a
    /// folder that cannot be written (an archive copy, a read-only mount) SQLite is told the
    /// file is immutable, which is what lets a WAL database be read there at all.
    init(readOnlyAt path: String) throws {
        var config = Configuration()
        config.readonly = true
        let folder = (path as NSString).deletingLastPathComponent
        let target: String
        if StoreFailure.isWritable(folder) {
            target = path
        } else {
            var allowed = CharacterSet.urlPathAllowed
            allowed.remove(charactersIn: "?#%")
            target = "file:\(path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path)?immutable=1"
        }
        lockPath = nil
        description = path
        writer = try DatabaseQueue(path: target, configuration: config)
    }

    /// Sleeps 1 ms per try, for about 30 s in all.
    static let busyWait: Database.BusyCallback = { tries in
        guard tries < 30_000 else { return false }
        usleep(1000)
        return true
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
        try await writer.read { db in try body(SQLiteConnection(db)) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
        try await writer.write { db in try body(SQLiteConnection(db)) }
    }

    func auditWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
        try await write(body)
    }

    /// Holds an exclusive lock on `<catalog>.link-lock` while `body` runs (an in-process lock
    /// stands in for it in memory). Without `wait`, returns nil at once when another relink
    /// holds the lock. A wait for the lock happens on a thread of its own, not on the
    /// cooperative pool.
    func withLinkLock<T: Sendable>(wait: Bool, _ body: () async throws -> T) async throws -> T? {
        guard let path = lockPath else {
            if wait {
                await memoryLinkLock.lock()
            } else if !memoryLinkLock.tryLock() {
                return nil
            }
            defer { memoryLinkLock.unlock() }
            return try await body()
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return try await body() }
        defer { Glibc.close(fd) }
        let acquired: Bool
        if wait {
            acquired = await Self.offPool { Self.flockRetrying(fd, LOCK_EX) }
        } else {
            acquired = Self.flockRetrying(fd, LOCK_EX | LOCK_NB)
            if !acquired && errno == EWOULDBLOCK { return nil }
        }
        defer { if acquired { flock(fd, LOCK_UN) } }
        return try await body()
    }

    private static func flockRetrying(_ fd: Int32, _ operation: Int32) -> Bool {
        while flock(fd, operation) != 0 {
            if errno == EINTR { continue }
            return false
        }
        return true
    }

    /// Runs a blocking call on a thread of its own and resumes when it returns.
    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }

    func close() async throws {
        try writer.close()
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    func integrityCheck() async throws -> String {
        try await writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    /// What a GRDB error means for the data folder, if it is one of the folder's faults.
    static func classify(_ error: any Error, folder: String, catalogPath: String) -> StoreFailure? {
        guard let db = error as? DatabaseError else { return nil }
        let detail = "SQLite error \(db.resultCode.rawValue): \(db.message ?? "\(db.resultCode)")"
        switch db.resultCode {
        case .SQLITE_FULL:
            return StoreFailure(code: .diskFull, path: folder, detail: "no space left on the device")
        case .SQLITE_READONLY:
            return StoreFailure(code: .readOnly, path: folder, detail: detail)
        case .SQLITE_CANTOPEN, .SQLITE_IOERR, .SQLITE_PERM:
            if !StoreFailure.isWritable(folder) { return StoreFailure(code: .readOnly, path: folder, detail: detail) }
            if StoreFailure.isFull(folder) { return StoreFailure(code: .diskFull, path: folder, detail: "no space left on the device") }
            return nil
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return StoreFailure(code: .damaged, path: catalogPath, detail: detail)
        default:
            return nil
        }
    }
}

/// One GRDB connection inside a transaction, speaking the shared SQL.
final class SQLiteConnection: SQLDatabase {
    let db: Database

    init(_ db: Database) {
        self.db = db
    }

    var dialect: SQLDialect { .sqlite }

    func execute(sql: String, arguments: SQLArguments) throws {
        if arguments.isEmpty && Self.mayHoldSeveralStatements(sql) {
            try db.execute(sql: sql)
        } else {
            let statement = try db.cachedStatement(sql: sql)
            try statement.execute(arguments: Self.arguments(arguments))
        }
    }

    func fetchRows(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try forEachRow(sql: sql, arguments: arguments) { rows.append($0) }
        return rows
    }

    func forEachRow(sql: String, arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws {
        let statement = try db.cachedStatement(sql: sql)
        try statement.setArguments(Self.arguments(arguments))
        let columns = SQLColumns(statement.columnNames)
        let cursor = try GRDB.Row.fetchCursor(statement)
        while let row = try cursor.next() {
            var values: [SQLValue] = []
            values.reserveCapacity(row.count)
            for i in 0..<row.count {
                let value: DatabaseValue = row[i]
                values.append(Self.value(value))
            }
            try body(SQLRow(columns: columns, values: values))
        }
    }

    func insertReturningID(sql: String, arguments: SQLArguments) throws -> Int64 {
        try execute(sql: sql, arguments: arguments)
        return db.lastInsertedRowID
    }

    var changesCount: Int { db.changesCount }

    static func mayHoldSeveralStatements(_ sql: String) -> Bool {
        sql.contains(";")
    }

    static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(arguments.values.map { value -> (any DatabaseValueConvertible)? in
            switch value {
            case .null: nil
            case .integer(let i): i
            case .real(let d): d
            case .text(let s): s
            case .blob(let b): Data(b)
            }
        })
    }

    static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let i): .integer(i)
        case .double(let d): .real(d)
        case .string(let s): .text(s)
        case .blob(let b): .blob(Array(b))
        }
    }
}

/// A lock held across suspension points: waiters are resumed in turn, no thread blocks.
final class AsyncLock: @unchecked Sendable {
    private let state = NSLock()
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func tryLock() -> Bool {
        state.withLock {
            if held { return false }
            held = true
            return true
        }
    }

    func lock() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock {
                if held {
                    waiters.append(continuation)
                    return false
                }
                held = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    func unlock() {
        let next = state.withLock {
            if waiters.isEmpty {
                held = false
                return nil
            }
            return waiters.removeFirst()  // stays held: handed to the next waiter
        } as CheckedContinuation<Void, Never>?
        next?.resume()
    }
}
