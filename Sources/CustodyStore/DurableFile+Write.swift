public import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

extension DurableFile {
    /// Replaces `url` with `data` so that a crash leaves either the old file or the new one:
    /// written to a temporary name beside it, fsynced, renamed over it, and the folder synced.
    public static func write(_ data: Data, to url: URL) throws(Failure) {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: temporary)
        } catch {
            throw Failure(operation: "write", path: temporary.path, errno: EIO)
        }
        do {
            try fsync(path: temporary.path)
            try move(from: temporary, to: url)
        } catch {
            unlink(temporary.path)
            throw error
        }
    }

    /// Removes a file and makes the removal durable (a missing file is not an error).
    public static func remove(_ url: URL) throws(Failure) {
        if unlink(url.path) != 0 && errno != ENOENT { throw Failure(operation: "unlink", path: url.path, errno: errno) }
        try fsync(path: url.deletingLastPathComponent().path)
    }
}
