import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// Remembers which hand-in is being probed, so that a file which stops the process while FFmpeg
/// reads it (a crash in a demuxer nobody has found yet) is quarantined unprobed the next time,
/// instead of stopping `watch` or `serve` at every start and starving the files behind it.
///
/// While a probe runs, `DATA/probing/<key>` exists and its process holds an exclusive `flock` on
/// it. A marker that exists with no lock held belongs to a process that died mid-probe. The key
/// is the source file's device, inode, size and mtime: a retried copy from the drop folder, or an
/// upload moved into staging (a rename keeps the inode), has the same key; a rewritten file not.
struct ProbeGuard: Sendable {
    let folder: URL

    init(dataRoot: URL) {
        folder = dataRoot.appendingPathComponent("probing")
    }

    /// Test hook: the process dies inside the guarded probe (CUSTODY_FAILPOINT=crash-in-probe).
    static let crashInProbe = ProcessInfo.processInfo.environment["CUSTODY_FAILPOINT"] == "crash-in-probe"

    static func key(for source: RawPath) -> String? {
        var st = stat()
        guard source.withCString({ stat($0, &st) }) == 0 else { return nil }
        return "\(st.st_dev)-\(st.st_ino)-\(st.st_size)-\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
    }

    func marker(_ key: String) -> String { folder.appendingPathComponent(key).path }

    /// When an earlier probe of this file never finished and its process is gone: when it began.
    func diedProbing(_ key: String) -> Date? {
        let path = marker(key)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // Held: a live process is probing it right now (another watcher, say).
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec))
    }

    /// Runs `probe` with the marker held; the marker goes when the probe returns.
    func guarded<T>(_ key: String?, _ probe: () -> T) -> T {
        guard let key else { return probe() }
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = marker(key)
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 { flock(fd, LOCK_EX) }
        if Self.crashInProbe { kill(getpid(), SIGKILL) }
        let result = probe()
        if fd >= 0 {
            unlink(path)
            close(fd)
        }
        return result
    }

    /// Forgets a marker once its file has been dealt with.
    func clear(_ key: String) {
        unlink(marker(key))
    }
}
