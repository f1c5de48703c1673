public import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// The vault as a folder on this machine: today's layout, `ROOT/vault/ab/cd/<sha256>.<ext>`,
/// each file read-only (0444) and never rewritten.
///
/// `put` gives the staged file a second name with `link(2)`, which fails rather than replace an
/// existing name, so an object is never overwritten even by two processes at once; across file
/// systems it copies to a temporary name, fsyncs and links that. The caller removes its staged
/// name afterwards.
public struct LocalVault: Vault {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    public var location: String { "folder \(root.path)" }

    /// `ROOT/KEY`, whether or not it exists; nil for a key that could leave the root.
    public func localFile(_ key: String) -> URL? {
        (try? path(key)).map { URL(fileURLWithPath: $0) }
    }

    func path(_ key: String) throws(VaultError) -> String {
        try Self.validate(key)
        return root.appendingPathComponent(key).path
    }

    /// The links and fsyncs run on a thread of their own (`Blocking`), never on the pool that
    /// serves requests.
    public func put(file: URL, key: String, sha256: String, size: Int64) async throws(VaultError) -> VaultPut {
        let result: Result<VaultPut, VaultError> = await Blocking.run {
            Result { () throws(VaultError) in try self.putNow(file: file, key: key, size: size) }
        }
        return try result.get()
    }

    func putNow(file: URL, key: String, size: Int64) throws(VaultError) -> VaultPut {
        let destination = try path(key)
        let folder = (destination as NSString).deletingLastPathComponent
        try Self.makeFolders(folder, key: key)
        var st = stat()
        guard stat(file.path, &st) == 0 else { throw Self.failure("stat", file.path, errno, key: key) }
        guard Int64(st.st_size) == size else {
            throw VaultError(.digestMismatch, key: key, "\(file.path) has \(st.st_size) bytes, not the \(size) it was staged with; nothing was stored.")
        }
        if chmod(file.path, 0o444) != 0 {
            throw Self.failure("chmod", file.path, errno, key: key)
        }
        try Self.fsync(file.path, key: key)
        if link(file.path, destination) != 0 {
            let error = errno
            if error == EEXIST { return try existing(destination, key: key, size: size) }
            guard error == EXDEV || error == EPERM || error == ENOTSUP else {
                throw Self.failure("link", destination, error, key: key)
            }
            // Another file system (or one without hard links): copy, then link the copy.
            let temporary = folder + "/.incoming-\(UUID().uuidString)"
            defer { unlink(temporary) }
            try Self.copy(file.path, to: temporary, key: key)
            if link(temporary, destination) != 0 {
                let again = errno
                if again == EEXIST { return try existing(destination, key: key, size: size) }
                throw Self.failure("link", destination, again, key: key)
            }
        }
        try Self.fsync(folder, key: key)
        return .stored
    }

    private func existing(_ destination: String, key: String, size: Int64) throws(VaultError) -> VaultPut {
        var st = stat()
        guard stat(destination, &st) == 0 else { throw Self.failure("stat", destination, errno, key: key) }
        guard Int64(st.st_size) == size else {
            throw VaultError(.conflict, key: key, "\(destination) already holds \(st.st_size) bytes, not \(size); it was left as it is.")
        }
        return .alreadyPresent
    }

    public func size(of key: String) async throws(VaultError) -> Int64? {
        let p = try path(key)
        var st = stat()
        guard stat(p, &st) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw Self.failure("stat", p, errno, key: key)
        }
        return Int64(st.st_size)
    }

    public func read(_ key: String, range: Range<Int64>) async throws(VaultError) -> [UInt8] {
        let p = try path(key)
        let fd = open(p, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("open", p, errno, key: key) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Self.failure("stat", p, errno, key: key) }
        guard range.lowerBound >= 0, range.upperBound <= Int64(st.st_size) else {
            throw VaultError(.invalid, key: key, "Bytes \(range.lowerBound)..<\(range.upperBound) are outside the \(st.st_size)-byte object.")
        }
        var bytes = [UInt8](repeating: 0, count: range.count)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(range.lowerBound) + off_t(done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Self.failure("read", p, n < 0 ? errno : EIO, key: key) }
            done += n
        }
        return bytes
    }

    public func stream(_ key: String, chunkSize: Int, _ body: (ArraySlice<UInt8>) async throws -> Void) async throws {
        let p = try path(key)
        let fd = open(p, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("open", p, errno, key: key) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: max(chunkSize, 4096))
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Self.failure("read", p, errno, key: key) }
            if n == 0 { return }
            try await body(buffer[0..<n])
        }
    }

    public func remove(_ key: String) async throws(VaultError) {
        let p = try path(key)
        if unlink(p) != 0 && errno != ENOENT { throw Self.failure("unlink", p, errno, key: key) }
        try? Self.fsync((p as NSString).deletingLastPathComponent, key: key)
    }

    public func list(prefix: String, after: String?, limit: Int) async throws(VaultError) -> [VaultEntry] {
        // Walk only the deepest folder the prefix names ("vault/ab/" walks vault/ab).
        let folderPart = prefix.contains("/") ? String(prefix[..<prefix.lastIndex(of: "/")!]) : ""
        let start = folderPart.isEmpty ? root : root.appendingPathComponent(folderPart)
        var keys: [VaultEntry] = []
        guard let walker = FileManager.default.enumerator(
            at: start, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey], options: [.skipsHiddenFiles])
        else { return [] }
        let base = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let url as URL in walker {
            guard let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey]),
                  values.isRegularFile == true else { continue }
            let full = url.standardizedFileURL.path
            guard full.hasPrefix(base) else { continue }
            let key = String(full.dropFirst(base.count))
            guard key.hasPrefix(prefix), after.map({ key > $0 }) ?? true else { continue }
            keys.append(VaultEntry(key: key, size: Int64(values.fileSize ?? 0)))
        }
        keys.sort { $0.key < $1.key }
        return Array(keys.prefix(limit))
    }

    // MARK: - File-system steps

    static func failure(_ operation: String, _ path: String, _ error: Int32, key: String) -> VaultError {
        let code: VaultError.Code = error == ENOENT ? .notFound : (error == ENOSPC || error == EDQUOT) ? .full : .io
        let text = String(cString: strerror(error))
        return VaultError(code, key: key, "\(operation) \(path): \(text)")
    }

    static func fsync(_ path: String, key: String) throws(VaultError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", path, errno, key: key) }
        defer { close(fd) }
        guard Glibc.fsync(fd) == 0 else { throw failure("fsync", path, errno, key: key) }
    }

    static func makeFolders(_ folder: String, key: String) throws(VaultError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            let code = (error as NSError).code
            throw failure("mkdir", folder, code > 0 && code < 200 ? Int32(code) : EIO, key: key)
        }
    }

    static func copy(_ source: String, to target: String, key: String) throws(VaultError) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw failure("open", source, errno, key: key) }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        guard output >= 0 else { throw failure("create", target, errno, key: key) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw failure("read", source, errno, key: key) }
            if n == 0 { break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, n - written) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { throw failure("write", target, w < 0 ? errno : EIO, key: key) }
                written += w
            }
        }
        guard Glibc.fsync(output) == 0 else { throw failure("fsync", target, errno, key: key) }
    }
}
