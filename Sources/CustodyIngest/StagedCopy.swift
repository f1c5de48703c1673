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
    private var fd: Int32

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Test hook: fail a write once this many bytes have been copied (CUSTODY_FAILPOINT=write-after:N).
    static let failAfterBytes: Int64? = {
        guard let spec = ProcessInfo.processInfo.environment["CUSTODY_FAILPOINT"], spec.hasPrefix("write-after:") else { return nil }
        return Int64(spec.dropFirst("write-after:".count))
    }()

    init(source: RawPath, stagingFolder: URL) throws(Failure) {
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
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else {
            throw Failure(description: "cannot create a staging file: \(String(cString: strerror(errno)))")
        }
        _ = flock(output, LOCK_EX)
        _ = posix_fadvise(input, 0, 0, POSIX_FADV_SEQUENTIAL)
        let chunk = FileHasher.chunkSize
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 4096)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var total: Int64 = 0
        func fail(_ message: String) -> Failure {
            close(output)
            unlink(target)
            return Failure(description: message)
        }
        while true {
            let n = read(input, buffer.baseAddress, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("read failed after \(total) bytes: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
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
                    throw fail("write failed after \(total + Int64(written)) bytes: \(String(cString: strerror(errno)))")
                }
                written += w
            }
            total += Int64(n)
        }
        guard fsync(output) == 0 else {
            throw fail("fsync of the staged copy failed: \(String(cString: strerror(errno)))")
        }
        path = target
        sourceModified = Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        sha256 = FileHasher.hex(hasher.finalize())
        size = total
        fd = output
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
