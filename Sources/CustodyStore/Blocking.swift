import Foundation

/// Blocking work (copying, hashing, fsync, FFmpeg) run on a thread of its own, so that it never
/// holds one of the few threads of Swift's cooperative pool, which serve requests and await the
/// catalog.
public enum Blocking {
    public static func run<T>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<UncheckedBox<T>, Never>) in
            Thread.detachNewThread { continuation.resume(returning: UncheckedBox(work())) }
        }.value
    }

    public static func run<T>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await run { Result { try work() } }.get()
    }
}

/// Hands a value made on a blocking thread to the task that waited for it; the thread is done
/// with it by then.
public struct UncheckedBox<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
