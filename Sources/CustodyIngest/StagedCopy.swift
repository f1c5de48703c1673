import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A source file copied into `staging/` and hashed in the same single pass, then fsynced.
/// The staged file stays flock-ed while its owner lives, so a concurrent start-up sweep in
/// another process leaves it alone; the kernel drops the lock if the owner is killed.
final class StagedCopy {
    let path: String
    let sha256: String
    let size: Int64
    /// The source's modification time (the last-resort start time).
    let sourceModified: Date
    /// The source as it stood when copied: removing it later is safe only while it still is.
    let sourceState: SourceState?
    private var fd: Int32

    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// The source was still being written: nothing was stored; take it again once it is complete.
        var retry = false
    }

    /// Test hook: fail a write once this many bytes have been copied (CUSTODY_FAILPOINT=write-after:N).
    static let failAfterBytes: Int64? = {
        guard let spec = ProcessInfo.processInfo.environment["CUSTODY_FAILPOINT"], spec.hasPrefix("write-after:") else { return nil }
        return Int64(spec.dropFirst("write-after:".count))
    }()

    /// A failed write to staging, in words: a full disk names the folder and what to do.
    static func writeFailure(_ code: Int32, after bytes: Int64, staging: URL) -> String {
        let reason = String(cString: strerror(code))
        if code == ENOSPC || code == EDQUOT {
            return "the disk holding \(staging.path) is full (\(reason), after \(bytes) bytes): nothing was stored and the source "
                + "is untouched; free space on that disk (or move the data folder to a larger one), then hand the file in again"
        }
        return "write failed after \(bytes) bytes: \(reason)"
    }

    /// Copies `source` into staging. The copy is refused (`retry`) when the source changes
    /// while it is read, when it is no longer the file `expected` (a drop folder's settled
    /// state), or, with `refuseWhileWritten`, while some process still has it open for writing.
    init(source: RawPath, stagingFolder: URL, expected: SourceState? = nil, refuseWhileWritten: Bool = false) throws(Failure) {
        let target = stagingFolder.appendingPathComponent("\(UUID().uuidString).part").path
        let input = source.withCString { open($0, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        guard input >= 0 else {
            throw Failure(description: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(input) }
        var st = stat()
        guard fstat(input, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw Failure(description: "not a regular file")
        }
        let before = SourceState(st)
        if let expected, !before.sameContent(as: expected) {
            throw Failure(description: "it changed after it settled (still being written?); left in place to be taken once it is complete", retry: true)
        }
        if refuseWhileWritten, WriterProbe.hasWriter(fileDescriptor: input) == true {
            throw Failure(description: "another program still has it open for writing; left in place to be taken once it is complete", retry: true)
        }
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else {
            if errno == ENOSPC || errno == EDQUOT { throw Failure(description: Self.writeFailure(errno, after: 0, staging: stagingFolder)) }
            if errno == EROFS || errno == EACCES {
                throw Failure(description: "the data folder's staging/ \(stagingFolder.path) cannot be written (\(String(cString: strerror(errno)))): make the data folder writable")
            }
            throw Failure(description: "cannot create a staging file: \(String(cString: strerror(errno)))")
        }
        _ = flock(output, LOCK_EX)
        _ = posix_fadvise(input, 0, 0, POSIX_FADV_SEQUENTIAL)
        // Two buffers: while chunk i is written to staging, a second thread hashes it; the
        // next read waits until the hash of the chunk before has finished. Writing and
        // hashing, the two slow steps, overlap.
        let chunk = FileHasher.chunkSize
        let buffers = [
            UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 4096),
            UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 4096),
        ]
        let hashing = HashPipeline()
        defer {
            hashing.wait()
            buffers.forEach { $0.deallocate() }
        }
        var total: Int64 = 0
        var k = 0
        func fail(_ message: String) -> Failure {
            hashing.wait()
            close(output)
            unlink(target)
            return Failure(description: message)
        }
        while true {
            let buffer = buffers[k]
            let n = read(input, buffer.baseAddress, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("read failed after \(total) bytes: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            hashing.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            var written = 0
            while written < n {
                var length = n - written
                if let limit = Self.failAfterBytes {
                    let allowed = limit - (total + Int64(written))
                    if allowed <= 0 {
                        throw fail("write failed after \(total + Int64(written)) bytes: injected fault")
                    }
                    length = min(length, Int(allowed))
                }
                let w = write(output, buffer.baseAddress! + written, length)
                if w < 0 {
                    if errno == EINTR { continue }
                    throw fail(Self.writeFailure(errno, after: total + Int64(written), staging: stagingFolder))
                }
                written += w
            }
            total += Int64(n)
            k ^= 1
        }
        guard fsync(output) == 0 else {
            if errno == ENOSPC || errno == EDQUOT { throw fail(Self.writeFailure(errno, after: total, staging: stagingFolder)) }
            throw fail("fsync of the staged copy failed: \(String(cString: strerror(errno)))")
        }
        // The copy is the source only if the source stood still while it was read.
        guard let after = SourceState.of(fileDescriptor: input), after.sameContent(as: before), total == before.size else {
            var failure = fail("it changed while it was being copied (still being written?); nothing was stored, the file is left in place to be taken once it is complete")
            failure.retry = true
            throw failure
        }
        if refuseWhileWritten, WriterProbe.hasWriter(fileDescriptor: input) == true {
            var failure = fail("another program opened it for writing while it was being copied; nothing was stored, the file is left in place")
            failure.retry = true
            throw failure
        }
        path = target
        sourceState = before
        sourceModified = Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        sha256 = hashing.finish()
        size = total
        fd = output
    }

    /// Takes over a file already in staging (a moved source), its lock held through `fd`.
    init(adopting path: String, fd: Int32, sha256: String, size: Int64, modified: Date) {
        self.path = path
        self.sourceState = nil
        self.fd = fd
        self.sha256 = sha256
        self.size = size
        self.sourceModified = modified
    }

    /// Releases the lock (after the file has left staging, or been discarded).
    func release() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }

    func discard() {
        unlink(path)
        release()
    }

    deinit { release() }

    /// True when another live process holds the staged file (its ingest is in flight).
    static func isHeldByAnotherProcess(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }
}

/// SHA-256 fed from one thread and computed on another, one chunk in flight at a time.
/// `update` waits for the previous chunk, so the caller may reuse a buffer two updates later.
final class HashPipeline: @unchecked Sendable {
    private var hasher = SHA256()
    private let queue = DispatchQueue(label: "custody.hash")
    private let group = DispatchGroup()

    func update(_ bytes: UnsafeRawBufferPointer) {
        group.wait()
        nonisolated(unsafe) let bytes = bytes
        queue.async(group: group) { self.hasher.update(bufferPointer: bytes) }
    }

    func wait() { group.wait() }

    func finish() -> String {
        group.wait()
        return FileHasher.hex(hasher.finalize())
    }
}
