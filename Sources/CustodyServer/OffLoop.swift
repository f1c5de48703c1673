import CustodyStore
import Foundation

/// Blocking work (bcrypt, fsync, hashing, FFmpeg) run on a Dispatch thread, so it never holds
/// one of the few threads that serve requests.
enum OffLoop {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}

extension OffLoop {
    /// Catalog calls. Every catalog call is `async` and its database work runs on the
    /// backend's own threads (GRDB's queues, the PostgreSQL backend's connection threads), so
    /// a request's task only awaits it and never blocks an event-loop thread.
    static func catalog<T: Sendable>(_ catalog: Catalog, _ work: @Sendable (Catalog) async throws -> T) async throws -> T {
        try await work(catalog)
    }
}

extension CustodyServer {
    /// `work` with this server's catalog (see `OffLoop.catalog`).
    @discardableResult
    func db<T: Sendable>(_ work: @Sendable (Catalog) async throws -> T) async throws -> T {
        try await work(catalog)
    }
}
