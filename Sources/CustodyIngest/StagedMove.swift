import CustodyStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension StagedCopy {
    /// `ingest --move` within one file system: the source is renamed into staging (journalled
    /// first, so a crash puts it back), then hashed where it lies, with `alongside` (the probe)
    /// running on another thread meanwhile. No byte is copied.
    ///
    /// A rename keeps the inode, so it is taken only for a file nobody can still write to:
    /// returns nil (the caller copies instead, a new inode) when the source is on another file
    /// system, has other hard links, lies in the data folder's inbox (a drop folder's files are
    /// always copied), or is — or cannot be shown not to be — open for writing by some process.
    /// The journal holds the source's absolute path (resolved against the current folder), so
    /// a later command run from anywhere puts it back in the right place.
    static func moving(
        source: RawPath, stagingFolder: URL, inbox: URL? = nil, catalog: Catalog, node: String = "", alongside: @escaping @Sendable (String, Date) -> Void
    ) async throws(Failure) -> (StagedCopy, journal: Int64)? {
        var sourceStat = stat(), stagingStat = stat()
        guard source.withCString({ lstat($0, &sourceStat) }) == 0 else {
            throw Failure(description: "cannot open: \(String(cString: strerror(errno)))")
        }
        guard (sourceStat.st_mode & S_IFMT) == S_IFREG else { throw Failure(description: "not a regular file") }
        guard stat(stagingFolder.path, &stagingStat) == 0, stagingStat.st_dev == sourceStat.st_dev else { return nil }
        guard sourceStat.st_nlink == 1 else { return nil }
        if let inbox, let inboxPath = RawPath(inbox.path).resolved(), let real = source.resolved(), real.isInside(inboxPath) {
            return nil
        }
        guard WriterProbe.hasWriter(source) == false else { return nil }
        guard let absolute = source.absolute() else {
            throw Failure(description: "cannot tell the current folder: \(String(cString: strerror(errno)))")
        }
        // A file we could not read must not be taken away from its owner.
        guard source.withCString({ access($0, R_OK) }) == 0 else {
            throw Failure(description: "cannot open: \(String(cString: strerror(errno)))")
        }

        let target = stagingFolder.appendingPathComponent("\(UUID().uuidString).part").path
        let journal: Int64
        do {
            journal = try await catalog.addMove(source: absolute.bytes, staged: target, node: node)
        } catch {
            throw Failure(description: "cannot journal the move: \(error)")
        }
        func putBack(_ reason: String) async -> Failure {
            _ = source.withCString { rename(target, $0) }
            try? await catalog.removeMove(id: journal)
            return Failure(description: reason)
        }
        guard source.withCString({ rename($0, target) }) == 0 else {
            let reason = String(cString: strerror(errno))
            try? await catalog.removeMove(id: journal)
            throw Failure(description: "cannot move into staging: \(reason)")
        }
        if Self.crashAfterMove { _exit(99) }
        let fd = open(target, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw await putBack("cannot open the staged file: \(String(cString: strerror(errno)))") }
        _ = flock(fd, LOCK_EX)
        // Opened for writing between the check and the rename: put it back and copy instead.
        guard WriterProbe.hasWriter(fileDescriptor: fd) == false else {
            close(fd)
            _ = source.withCString { rename(target, $0) }
            try? await catalog.removeMove(id: journal)
            return nil
        }

        let modified = Date(timeIntervalSince1970: Double(sourceStat.st_mtim.tv_sec) + Double(sourceStat.st_mtim.tv_nsec) / 1e9)
        let outcome: Result<FileHasher.Result, Failure> = await Blocking.run {
            let probing = DispatchGroup()
            DispatchQueue.global().async(group: probing) { alongside(target, modified) }
            let hashed: FileHasher.Result
            do {
                hashed = try FileHasher.sha256(fileDescriptor: fd, path: target)
            } catch {
                probing.wait()
                close(fd)
                return .failure(Failure(description: "read failed: \(String(describing: error))"))
            }
            // The docking station may not have synced what it wrote: make the bytes durable now.
            guard fsync(fd) == 0 else {
                probing.wait()
                close(fd)
                return .failure(Failure(description: "fsync failed: \(String(cString: strerror(errno)))"))
            }
            probing.wait()
            return .success(hashed)
        }
        let hashed: FileHasher.Result
        switch outcome {
        case .failure(let failure): throw await putBack(failure.description)
        case .success(let result): hashed = result
        }
        return (StagedCopy(adopting: target, fd: fd, sha256: hashed.sha256, size: hashed.size, modified: modified), journal)
    }
}

extension StagedCopy {
    /// Test hook: end the process right after a source is renamed into staging
    /// (CUSTODY_FAILPOINT=crash-after-move), as a power cut would.
    static let crashAfterMove = ProcessInfo.processInfo.environment["CUSTODY_FAILPOINT"] == "crash-after-move"
}
