import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A path as the bytes the file system holds. Names need not be UTF-8 (cameras and old
/// collection stations write GBK); they are opened by their bytes and displayed with the
/// undecodable bytes escaped.
public struct RawPath: Sendable, Hashable {
    public var bytes: [UInt8]

    public init(_ string: String) { bytes = Array(string.utf8) }
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// The path for people and logs: UTF-8 where valid, `\xNN` for other bytes.
    public var display: String {
        if let valid = String(validating: bytes, as: UTF8.self) { return valid }
        var out = ""
        var i = 0
        while i < bytes.count {
            // Longest valid UTF-8 sequence starting at i (1–4 bytes).
            var decoded: String? = nil
            var length = 1
            for l in 1...4 where i + l <= bytes.count {
                if let s = String(validating: bytes[i..<(i + l)], as: UTF8.self) {
                    decoded = s
                    length = l
                    break
                }
            }
            if let decoded {
                out += decoded
            } else {
                out += String(format: "\\x%02X", bytes[i])
            }
            i += length
        }
        return out
    }

    public var isValidUTF8: Bool { String(validating: bytes, as: UTF8.self) != nil }

    public var lastComponent: RawPath {
        if let slash = bytes.lastIndex(of: UInt8(ascii: "/")) { return RawPath(bytes: Array(bytes[(slash + 1)...])) }
        return self
    }

    public func appending(_ name: [UInt8]) -> RawPath {
        var b = bytes
        if b.last != UInt8(ascii: "/") { b.append(UInt8(ascii: "/")) }
        return RawPath(bytes: b + name)
    }

    func withCString<T>(_ body: (UnsafePointer<CChar>) -> T) -> T {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    /// This path made absolute against the current folder (no symlink resolved, the file need
    /// not exist); nil when the current folder cannot be told.
    func absolute() -> RawPath? {
        if bytes.first == UInt8(ascii: "/") { return self }
        guard let cwd = getcwd(nil, 0) else { return nil }
        defer { free(cwd) }
        let base = Array(UnsafeBufferPointer(start: UnsafeRawPointer(cwd).assumingMemoryBound(to: UInt8.self), count: strlen(cwd)))
        var relative = bytes[...]
        while relative.starts(with: [UInt8(ascii: "."), UInt8(ascii: "/")]) { relative = relative.dropFirst(2) }
        return RawPath(bytes: base).appending(Array(relative))
    }

    var isAbsolute: Bool { bytes.first == UInt8(ascii: "/") }

    /// The canonical absolute path (symlinks resolved), nil when it does not exist.
    func resolved() -> RawPath? {
        withCString { pointer in
            guard let real = realpath(pointer, nil) else { return nil }
            defer { free(real) }
            return RawPath(bytes: Array(UnsafeBufferPointer(start: UnsafeRawPointer(real).assumingMemoryBound(to: UInt8.self), count: strlen(real))))
        }
    }

    func isInside(_ folder: RawPath) -> Bool {
        bytes == folder.bytes || bytes.starts(with: folder.bytes + (folder.bytes.last == UInt8(ascii: "/") ? [] : [UInt8(ascii: "/")]))
    }
}
