public import Foundation

/// Where a catalog keeps its rows: the SQLite file of one data folder, or a PostgreSQL database
/// shared by several nodes. Every call is `async`; the body of each transaction is synchronous
/// and runs on a thread the backend owns (GRDB's queues; the PostgreSQL backend's connection
/// threads), so no database call ever runs on an event loop or a request's task.
protocol CatalogBackend: Sendable {
    var dialect: SQLDialect { get }
    /// Where it is, for messages (a path, or the URL without its password).
    var description: String { get }

    /// A consistent snapshot: every statement in `body` sees the same committed state.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T

    /// One transaction. Writers are serialized (SQLite's one writer; on PostgreSQL one
    /// advisory transaction lock), so a body may read, decide and write without racing
    /// another node, and the audit chain is appended by one writer at a time.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T

    /// A transaction that only appends to the audit log. On PostgreSQL it takes the audit
    /// chain's own lock, not the catalog's write lock, so recording that someone viewed a page
    /// does not wait for a relink's write transaction; every append takes that lock, so the chain
    /// still has one writer at a time. SQLite has one writer for everything: a plain write.
    func auditWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T

    /// Runs `body` holding the relink lock (one relink at a time across processes and nodes),
    /// or returns nil at once when `wait` is false and another relink holds it.
    func withLinkLock<T: Sendable>(wait: Bool, _ body: () async throws -> T) async throws -> T?

    /// Releases connections; later calls throw.
    func close() async throws
}
