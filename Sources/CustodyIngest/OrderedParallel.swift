public import Foundation
internal import Synchronization

/// Runs blocking work (hashing, FFmpeg) on a fixed number of threads outside Swift's
/// cooperative pool, and hands results back in input order as soon as each is ready.
public enum OrderedParallel {
    public static func forEach<T: Sendable>(
        count: Int, width: Int = ProcessInfo.processInfo.activeProcessorCount,
        work: @escaping @Sendable (Int) -> T, emit: (Int, T) -> Void
    ) {
        guard count > 0 else { return }
        let state = Mutex(State<T>(slots: Array(repeating: nil, count: count)))
        let ready = NSCondition()
        let workers = max(1, min(width, count))
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            Thread.detachNewThread {
                while true {
                    let index = state.withLock { s -> Int? in
                        guard s.next < count else { return nil }
                        defer { s.next += 1 }
                        return s.next
                    }
                    guard let index else { break }
                    let result = work(index)
                    ready.lock()
                    state.withLock { $0.slots[index] = result }
                    ready.signal()
                    ready.unlock()
                }
                group.leave()
            }
        }
        for index in 0..<count {
            ready.lock()
            var result: T? = state.withLock { $0.slots[index] }
            while result == nil {
                ready.wait()
                result = state.withLock { $0.slots[index] }
            }
            state.withLock { $0.slots[index] = nil }
            ready.unlock()
            emit(index, result!)
        }
        group.wait()
    }

    private struct State<T> {
        var slots: [T?]
        var next = 0
    }

    /// The same with async work: at most `width` at once (their blocking parts run on
    /// threads of their own, see `Blocking`), results handed back in input order.
    public static func forEach<T: Sendable>(
        count: Int, width: Int = ProcessInfo.processInfo.activeProcessorCount,
        work: @escaping @Sendable (Int) async -> T, emit: (Int, T) async -> Void
    ) async {
        guard count > 0 else { return }
        await withTaskGroup(of: (Int, T).self) { group in
            var next = 0
            var waiting: [Int: T] = [:]
            var emitted = 0
            while next < min(count, max(1, width)) {
                let index = next
                group.addTask { (index, await work(index)) }
                next += 1
            }
            while let (index, result) = await group.next() {
                waiting[index] = result
                if next < count {
                    let index = next
                    group.addTask { (index, await work(index)) }
                    next += 1
                }
                while let ready = waiting.removeValue(forKey: emitted) {
                    await emit(emitted, ready)
                    emitted += 1
                }
            }
        }
    }
}
