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
    /// A catalog call on a Dispatch thread: SQLite calls block (on the disk, or for a moment on
    /// another process's write), and must never hold an event-loop thread.
    static func catalog<T: Sendable>(_ catalog: Catalog, _ work: @escaping @Sendable (Catalog) throws -> T) async throws -> T {
        try await run { try work(catalog) }
    }
}

extension CustodyServer {
    /// `work` with this server's catalog, off the event loop (see `OffLoop.catalog`).
    func db<T: Sendable>(_ work: @escaping @Sendable (Catalog) throws -> T) async throws -> T {
        try await OffLoop.catalog(catalog, work)
    }
}
