import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a drop-folder file looked like when it was seen: which inode, how long, when last
/// written. Two equal states a settle window apart mean the file stood still meanwhile.
public struct SourceState: Sendable, Equatable, Codable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var mtimeSeconds: Int
    public var mtimeNanos: Int
    public var links: UInt64

    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        mtimeSeconds = st.st_mtim.tv_sec
        mtimeNanos = st.st_mtim.tv_nsec
        links = UInt64(st.st_nlink)
    }

    /// The regular file at `path` (symlinks followed), nil when there is none.
    public static func of(_ path: RawPath) -> SourceState? {
        var st = stat()
        guard path.withCString({ stat($0, &st) }) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return SourceState(st)
    }

    static func of(fileDescriptor fd: Int32) -> SourceState? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return SourceState(st)
    }

    /// Same inode, same length, same modification time (the link count may change).
    func sameContent(as other: SourceState) -> Bool {
        device == other.device && inode == other.inode && size == other.size
            && mtimeSeconds == other.mtimeSeconds && mtimeNanos == other.mtimeNanos
    }
}

/// Whether some process still has a file open for writing, asked of the kernel: a read lease
/// (`F_SETLEASE`, `F_RDLCK`) is refused with EAGAIN while any writer holds the file open.
/// The lease is dropped at once; it is only a question. Needs the file's owner or CAP_LEASE
/// and a local file system; otherwise the answer is "unknown" (nil).
enum WriterProbe {
    /// A lease break is signalled with SIGIO, whose default action ends the process. Nobody
    /// else here uses SIGIO; it is ignored once, before the first lease.
    private static let ignoreSIGIO: Void = { _ = signal(SIGIO, SIG_IGN) }()
    /// `F_SETLEASE` (F_LINUX_SPECIFIC_BASE + 0), which Glibc exports only under _GNU_SOURCE.
    private static let setLease: Int32 = 1024

    static func hasWriter(fileDescriptor fd: Int32) -> Bool? {
        _ = ignoreSIGIO
        if fcntl(fd, setLease, Int32(F_RDLCK)) == 0 {
            _ = fcntl(fd, setLease, Int32(F_UNLCK))
            return false
        }
        return errno == EAGAIN || errno == EBUSY ? true : nil
    }

    static func hasWriter(_ path: RawPath) -> Bool? {
        let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return hasWriter(fileDescriptor: fd)
    }
}
