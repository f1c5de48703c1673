import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// Remembers which hand-in is being probed, so that a file which stops the process while FFmpeg
/// reads it (a crash in a demuxer nobody has found yet) is quarantined unprobed after a few
/// tries, instead of stopping `watch` or `serve` at every start and starving the files behind it.
///
/// While a probe runs, `DATA/probing/<key>` exists and its process holds an exclusive `flock` on
/// it; the file counts the probes of that hand-in that began. A marker that exists with no lock
/// held belongs to a process that died mid-probe. One such death proves nothing (an operator's
/// kill, a power cut, the OOM killer); `quarantineAfter` of them in a row do. The key is the
/// source file's device, inode, size and mtime: a retried copy from the drop folder, or an upload
/// moved into staging (a rename keeps the inode), has the same key; a rewritten file not.
struct ProbeGuard: Sendable {
    let folder: URL

    /// Probes of one file that may die before it is quarantined unprobed.
    static let quarantineAfter = 3

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

    /// How many earlier probes of this file died with their process, and when the first began;
    /// nil when none did or one is running now.
    func interrupted(_ key: String) -> (count: Int, since: Date)? {
        let path = marker(key)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // Held: a live process is probing it right now (another watcher, say).
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return (Self.count(fd), Date(timeIntervalSince1970: TimeInterval(st.st_ctim.tv_sec)))
    }

    /// The first probe of this file began this long ago and `quarantineAfter` probes died: poison.
    func diedProbing(_ key: String) -> Date? {
        guard let (count, since) = interrupted(key), count >= Self.quarantineAfter else { return nil }
        return since
    }

    static func count(_ fd: Int32) -> Int {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return 0 }
        return Int(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Runs `probe` with the marker held and its count raised; the marker goes when it returns.
    func guarded<T>(_ key: String?, _ probe: () -> T) -> T {
        guard let key else { return probe() }
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = marker(key)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 {
            flock(fd, LOCK_EX)
            let text = Array("\(Self.count(fd) + 1)\n".utf8)
            _ = ftruncate(fd, 0)
            _ = pwrite(fd, text, text.count, 0)
        }
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
