public import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// File-system steps that survive a crash at any instant: data fsynced before it is renamed,
/// renames made durable by syncing the folder that holds them.
public enum DurableFile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var operation: String
        public var path: String
        public var errno: Int32
        public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
    }

    public static func fsync(path: String) throws(Failure) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        guard Glibc.fsync(fd) == 0 else { throw Failure(operation: "fsync", path: path, errno: errno) }
    }

    /// Renames `from` to `to` (same file system), creating `to`'s folders, then syncs the
    /// destination folder (and the source folder when it differs) so the rename itself is on disk.
    public static func move(from: URL, to: URL) throws(Failure) {
        let folder = to.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw Failure(operation: "mkdir", path: folder.path, errno: (error as NSError).code == 0 ? EIO : Int32((error as NSError).code))
        }
        guard rename(from.path, to.path) == 0 else { throw Failure(operation: "rename", path: to.path, errno: errno) }
        try fsync(path: folder.path)
        let source = from.deletingLastPathComponent()
        if source.path != folder.path {
            try fsync(path: source.path)
        }
    }

    /// Makes a stored original read-only for everyone (0444).
    public static func makeReadOnly(_ url: URL) throws(Failure) {
        guard chmod(url.path, 0o444) == 0 else { throw Failure(operation: "chmod", path: url.path, errno: errno) }
    }
}
