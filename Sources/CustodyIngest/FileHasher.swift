import Foundation
internal import Crypto
#if canImport(Glibc)
internal import Glibc
#endif

/// Streams a file through SHA-256 in fixed-size chunks: memory stays flat whatever the size.
public enum FileHasher {
    public struct Result: Sendable, Equatable {
        public var sha256: String
        public var size: Int64
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var errno: Int32
        public var description: String {
            "cannot read \(path): \(String(cString: strerror(errno)))"
        }
    }

    /// Chunk size for reads: large enough for the kernel's read-ahead to keep the disk busy,
    /// small enough to stay in cache.
    public static let chunkSize = 1 << 20

    public static func sha256(path: String) throws(Failure) -> Result {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, errno: errno) }
        defer { close(fd) }
        return try sha256(fileDescriptor: fd, path: path)
    }

    /// Hashes from the start of an open file; the descriptor is left open.
    static func sha256(fileDescriptor fd: Int32, path: String) throws(Failure) -> Result {
        _ = lseek(fd, 0, SEEK_SET)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        var hasher = SHA256()
        var total: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, chunkSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, errno: errno)
            }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            total += Int64(n)
        }
        return Result(sha256: hex(hasher.finalize()), size: total)
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let table = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
