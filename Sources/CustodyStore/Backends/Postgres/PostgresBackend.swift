internal import Foundation
internal import PostgresNIO
internal import NIOCore
internal import NIOPosix
internal import NIOSSL
internal import Logging
internal import Synchronization

/// A catalog in a PostgreSQL database, shared by several nodes.
///
/// Threads: every transaction body runs on one of the backend's own threads (a
/// `NIOThreadPool` of `connections` threads), which takes a connection from a small pool and
/// waits there for each statement's future; never on an event loop or the cooperative pool.
///
/// Writers are serialized across every node by one advisory transaction lock, taken first
/// in each write, so a body reads, decides and writes as SQLite's single writer would (the
/// audit chain's append cannot fork). Writes run at READ COMMITTED: each statement sees
/// everything committed before the lock was granted. Reads run in one REPEATABLE READ, READ
/// ONLY snapshot, like a read in SQLite's WAL mode.
public final class PostgresBackend: CatalogBackend, Sendable {
    public let url: PostgresURL
    public var dialect: SQLDialect { .postgres }
    public var description: String { "postgres://\(url)" }

    /// The advisory lock keys (64-bit, fixed): catalog writes, relinks, schema migrations, the
    /// audit chain's tail (taken by every append, after the write lock when a write holds it).
    static let writeLockKey: Int64 = 0x6375_7374_6F64_7977  // "custodyw"
    static let linkLockKey: Int64 = 0x6375_7374_6F64_796C  // "custodyl"
    static let migrationLockKey: Int64 = 0x6375_7374_6F64_796D  // "custodym"
    static let auditLockKey: Int64 = 0x6375_7374_6F64_7961  // "custodya"

    private let pool: ConnectionPool
    private let threads: NIOThreadPool

    /// Connects to the database at `url` (`postgres://USER@HOST:PORT/DB`), creates the
    /// catalog's schema there when missing and migrates it to this build's version. Fails
    /// with a message naming the server (never the password) when it cannot connect or sign in.
    public init(url: String, password: String?, connections: Int = 4) async throws {
        let parsed = try PostgresURL(parsing: url)
        self.url = parsed
        pool = try ConnectionPool(url: parsed, password: password, size: max(1, connections))
        threads = NIOThreadPool(numberOfThreads: max(1, connections))
        threads.start()
        do {
            try await threads.runIfActive { [pool] in try Self.migrate(pool) }
        } catch {
            pool.close()
            try? await threads.shutdownGracefully()
            throw error
        }
    }

    deinit {
        // A backend dropped without `close()`: let its threads and connections go anyway.
        if !pool.isClosed {
            pool.close()
            threads.shutdownGracefully { _ in }
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
        try await run { [pool] in
            try pool.transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", lock: nil, body)
        }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
        try await run { [pool] in
            try pool.transaction(begin: "BEGIN", lock: Self.writeLockKey, body)
        }
    }

    func auditWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
        // AuditLog.append takes the audit lock itself, first thing in the body.
        try await run { [pool] in
            try pool.transaction(begin: "BEGIN", lock: nil, body)
        }
    }

    /// Holds the relink lock, a session-level advisory lock, on a connection of its own for the
    /// whole of `body`: one relink at a time across every process and node. Waiting for it
    /// suspends the task (the lock's future) and holds no thread.
    public func withLinkLock<T: Sendable>(wait: Bool, _ body: () async throws -> T) async throws -> T? {
        let connection = try await pool.connect().get()
        defer { pool.closeSoon(connection) }
        let target = pool.target
        do {
            let sql = wait ? "SELECT pg_advisory_lock(\(Self.linkLockKey))" : "SELECT pg_try_advisory_lock(\(Self.linkLockKey))"
            let result = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: pool.logger).get()
            if !wait, let cell = result.rows.first?.first, PostgresTransaction.value(cell) != .integer(1) {
                return nil
            }
        } catch {
            throw PostgresFailure.from(error, target: target)
        }
        let value: T
        do {
            value = try await body()
        } catch {
            _ = try? await connection.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock(\(Self.linkLockKey))"), logger: pool.logger).get()
            throw error
        }
        // Closing the session would release it too; say so explicitly while the connection is sound.
        _ = try? await connection.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock(\(Self.linkLockKey))"), logger: pool.logger).get()
        return value
    }

    public func close() async throws {
        guard !pool.isClosed else { return }
        pool.close()
        try await threads.shutdownGracefully()
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard !pool.isClosed else {
            throw PostgresFailure(code: .closed, target: pool.target, message: "no more reads or writes")
        }
        return try await threads.runIfActive(work)
    }

    // MARK: Schema

    /// Applies the migrations this database lacks, in one transaction, under a lock of its own
    /// so that two nodes starting at once do not both migrate.
    private static func migrate(_ pool: ConnectionPool) throws {
        try pool.transaction(begin: "BEGIN", lock: migrationLockKey) { db in
            try db.execute(sql: PostgresSchema.versionTable)
            let applied = Set(try Int.fetchAll(db, sql: "SELECT version FROM custody_schema_migrations"))
            if let newest = applied.max(), newest > PostgresSchema.latestVersion {
                throw PostgresFailure(code: .schema, target: pool.target, message:
                    "its schema is at version \(newest), newer than this build of Custody knows (\(PostgresSchema.latestVersion)): run a newer Custody")
            }
            for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try db.execute(sql: statement)
                }
                try db.execute(
                    sql: "INSERT INTO custody_schema_migrations (version, identifier, applied_at) VALUES (?, ?, ?)",
                    arguments: [migration.version, migration.identifier, Date().timeIntervalSince1970])
            }
        }
    }

    /// The schema versions applied to this database, in order.
    public func schemaVersions() async throws -> [Int] {
        try await read { db in try Int.fetchAll(db, sql: "SELECT version FROM custody_schema_migrations ORDER BY version") }
    }

    // MARK: Scratch databases (tests)

    /// A new, empty, migrated database on the server of `url` (whose user may create
    /// databases), for one test: its URL, and a function that drops it.
    public static func makeScratchDatabase(url: String, password: String?) async throws
        -> (url: String, drop: @Sendable () async -> Void)
    {
        let server = try PostgresURL(parsing: url)
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await admin(server, password: password, "CREATE DATABASE \(name)")
        let scratch = server.with(database: name)
        // Migrated once here, so each backend opened on it starts at once.
        let backend = try await PostgresBackend(url: scratch.url, password: password, connections: 1)
        try await backend.close()
        return (scratch.url, {
            try? await admin(server, password: password, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        })
    }

    /// Runs one statement outside any transaction (CREATE / DROP DATABASE) on `url`'s server.
    static func admin(_ url: PostgresURL, password: String?, _ sql: String) async throws {
        let pool = try ConnectionPool(url: url, password: password, size: 1)
        defer { pool.close() }
        let connection = try await pool.connect().get()
        defer { pool.closeSoon(connection) }
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: pool.logger).get()
        } catch {
            throw PostgresFailure.from(error, target: pool.target, sql: sql)
        }
    }
}

/// The backend's connections: idle ones kept for reuse (at most `size`), new ones opened on
/// demand. Used from backend threads only, except `connect`, which returns a future.
final class ConnectionPool: Sendable {
    let target: String
    let logger: Logger
    private let configuration: PostgresConnection.Configuration
    private let size: Int
    private let state = Mutex(State())

    private struct State {
        var idle: [PostgresConnection] = []
        var closed = false
        var nextID = 1
    }

    init(url: PostgresURL, password: String?, size: Int) throws {
        target = url.description
        self.size = size
        var logger = Logger(label: "custody.postgres")
        logger.logLevel = .warning
        self.logger = logger
        var configuration: PostgresConnection.Configuration
        if let folder = url.socketFolder {
            configuration = .init(unixSocketPath: "\(folder)/.s.PGSQL.\(url.port)", username: url.user,
                                  password: password, database: url.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch url.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            configuration = .init(host: url.host, port: url.port, username: url.user, password: password,
                                  database: url.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(10)
        self.configuration = configuration
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// A new connection (not from the pool), authenticated.
    func connect() -> EventLoopFuture<PostgresConnection> {
        let id = state.withLock { s -> Int in
            defer { s.nextID += 1 }
            return s.nextID
        }
        let target = self.target
        return PostgresConnection.connect(
            on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration, id: id, logger: logger
        ).flatMapErrorThrowing { error in
            throw PostgresFailure.from(error, target: target, connecting: true)
        }
    }

    /// An idle connection, or a new one. Blocks: backend threads only.
    private func acquire() throws -> PostgresConnection {
        while true {
            let next = try state.withLock { s -> PostgresConnection? in
                if s.closed { throw PostgresFailure(code: .closed, target: target, message: "no more reads or writes") }
                return s.idle.popLast()
            }
            guard let next else { break }
            if !next.isClosed { return next }
            closeSoon(next)
        }
        return try connect().wait()
    }

    private func release(_ connection: PostgresConnection, reusable: Bool) {
        let keep = reusable && !connection.isClosed && state.withLock { s in
            guard !s.closed, s.idle.count < size else { return false }
            s.idle.append(connection)
            return true
        }
        if !keep { closeSoon(connection) }
    }

    /// Closes `connection`, keeping it alive until its channel has closed (postgres-nio
    /// requires a connection to be closed before it is freed).
    func closeSoon(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in _ = connection }
    }

    func close() {
        let idle = state.withLock { s -> [PostgresConnection] in
            s.closed = true
            defer { s.idle = [] }
            return s.idle
        }
        idle.forEach(closeSoon)
    }

    /// One transaction: `begin`, the advisory transaction lock `lock` when given, `body`, COMMIT;
    /// ROLLBACK when anything throws. A connection is reused only when its ROLLBACK or COMMIT
    /// went through: one that failed mid-transaction is discarded.
    func transaction<T>(begin: String, lock: Int64?, _ body: (any SQLDatabase) throws -> T) throws -> T {
        var connection = try acquire()
        var tx = PostgresTransaction(connection: connection, logger: logger, target: target)
        do {
            try tx.plain(begin)
        } catch {
            // A connection the server dropped while it was idle: once more on a new one.
            closeSoon(connection)
            connection = try connect().wait()
            tx = PostgresTransaction(connection: connection, logger: logger, target: target)
            do { try tx.plain(begin) } catch { closeSoon(connection); throw error }
        }
        var reusable = false
        defer { release(connection, reusable: reusable) }
        let value: T
        do {
            if let lock { try tx.plain("SELECT pg_advisory_xact_lock(\(lock))") }
            value = try body(tx)
        } catch {
            if (try? tx.plain("ROLLBACK")) != nil { reusable = true }
            throw error
        }
        try tx.plain("COMMIT")
        reusable = true
        return value
    }
}
