import CustodyStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension StagedCopy {
    /// `ingest --move` within one file system: the source is renamed into staging (journalled
    /// first, so a crash puts it back), then hashed where it lies, with `alongside` (the probe)
    /// running on another thread meanwhile. No byte is copied.
    /// Returns nil when the source is on another file system (the caller copies instead).
    static func moving(
        source: RawPath, stagingFolder: URL, catalog: Catalog, alongside: @escaping @Sendable (String, Date) -> Void
    ) throws(Failure) -> (StagedCopy, journal: Int64)? {
        var sourceStat = stat(), stagingStat = stat()
        guard source.withCString({ lstat($0, &sourceStat) }) == 0 else {
            throw Failure(description: "cannot open: \(String(cString: strerror(errno)))")
        }
        guard (sourceStat.st_mode & S_IFMT) == S_IFREG else { throw Failure(description: "not a regular file") }
        guard stat(stagingFolder.path, &stagingStat) == 0, stagingStat.st_dev == sourceStat.st_dev else { return nil }
        // A file we could not read must not be taken away from its owner.
        guard source.withCString({ access($0, R_OK) }) == 0 else {
            throw Failure(description: "cannot open: \(String(cString: strerror(errno)))")
        }

        let target = stagingFolder.appendingPathComponent("\(UUID().uuidString).part").path
        let journal: Int64
        do {
            journal = try catalog.addMove(source: source.bytes, staged: target)
        } catch {
            throw Failure(description: "cannot journal the move: \(error)")
        }
        func putBack(_ reason: String) -> Failure {
            _ = source.withCString { rename(target, $0) }
            try? catalog.removeMove(id: journal)
            return Failure(description: reason)
        }
        guard source.withCString({ rename($0, target) }) == 0 else {
            let reason = String(cString: strerror(errno))
            try? catalog.removeMove(id: journal)
            throw Failure(description: "cannot move into staging: \(reason)")
        }
        let fd = open(target, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw putBack("cannot open the staged file: \(String(cString: strerror(errno)))") }
        _ = flock(fd, LOCK_EX)

        let modified = Date(timeIntervalSince1970: Double(sourceStat.st_mtim.tv_sec) + Double(sourceStat.st_mtim.tv_nsec) / 1e9)
        let probing = DispatchGroup()
        DispatchQueue.global().async(group: probing) { alongside(target, modified) }
        let hashed: FileHasher.Result
        do {
            hashed = try FileHasher.sha256(fileDescriptor: fd, path: target)
        } catch {
            probing.wait()
            close(fd)
            throw putBack("read failed: \(error.description)")
        }
        // The docking station may not have synced what it wrote: make the bytes durable now.
        guard fsync(fd) == 0 else {
            probing.wait()
            close(fd)
            throw putBack("fsync failed: \(String(cString: strerror(errno)))")
        }
        probing.wait()
        return (StagedCopy(adopting: target, fd: fd, sha256: hashed.sha256, size: hashed.size, modified: modified), journal)
    }
}
