public import Foundation

/// Where originals are kept: the one interface the pipeline, the player, fixity, export and
/// retention use, whichever store is behind it (a local folder, an S3 bucket).
///
/// Keys are the catalog's stored paths (`vault/ab/cd/<sha256>.<ext>`, `quarantine/…`), so a
/// deployment moves between stores without rewriting its catalog. An object, once put, is never
/// overwritten: a second `put` of the same key with the same bytes is `.alreadyPresent`, with
/// other bytes a `.conflict`.
public protocol Vault: Sendable {
    /// A short description for messages and logs ("folder /srv/custody", "s3://bucket/prefix").
    var location: String { get }

    /// Copies the local file `file` into the store under `key`. `sha256` and `size` are what
    /// the caller measured while staging it; the store checks them on the way in where it can
    /// (S3: per request, and the whole file's digest as it is read). The file is left in place.
    func put(file: URL, key: String, sha256: String, size: Int64) async throws(VaultError) -> VaultPut

    /// The stored size, or nil when there is no such object.
    func size(of key: String) async throws(VaultError) -> Int64?

    /// Bytes `range` of the object (the player's byte ranges); the range must lie inside it.
    func read(_ key: String, range: Range<Int64>) async throws(VaultError) -> [UInt8]

    /// The whole object, front to back, in chunks of at most `chunkSize` bytes (fixity, export):
    /// never the whole file in memory.
    func stream(_ key: String, chunkSize: Int, _ body: (ArraySlice<UInt8>) async throws -> Void) async throws

    /// Removes the object (retention). Removing a missing object is not an error.
    func remove(_ key: String) async throws(VaultError)

    /// The object as a local file, when the store is a folder on this machine; nil otherwise.
    func localFile(_ key: String) -> URL?

    /// Up to `limit` objects whose keys start with `prefix`, in key order, after `after`.
    func list(prefix: String, after: String?, limit: Int) async throws(VaultError) -> [VaultEntry]
}

/// What a `put` did.
public enum VaultPut: Sendable, Equatable {
    case stored
    /// The key already held an object of this size (content-addressed: the same evidence).
    case alreadyPresent
}

/// One listed object.
public struct VaultEntry: Sendable, Equatable {
    public var key: String
    public var size: Int64
    public init(key: String, size: Int64) {
        self.key = key
        self.size = size
    }
}

/// Why a vault operation failed, with the key and what the store said.
public struct VaultError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// No such object.
        case notFound
        /// The key holds other bytes; nothing was overwritten.
        case conflict
        /// The bytes read while storing do not hash to the SHA-256 the caller gave.
        case digestMismatch
        /// The store refused the credentials or the request signature.
        case denied
        /// The store could not be reached or answered with a server error.
        case unavailable
        /// A local file-system error (errno in the message).
        case io
        /// No room left in the store.
        case full
        /// A range outside the object, a bad key or a bad configuration.
        case invalid
    }

    public var code: Code
    public var key: String
    public var message: String

    public init(_ code: Code, key: String, _ message: String) {
        self.code = code
        self.key = key
        self.message = message
    }

    public var description: String { "\(key): \(message)" }
}

extension Vault {
    /// The object as a file on this machine, when the store is a local folder (FFmpeg and
    /// `sendfile` read it in place); nil for a remote store, whose bytes come through `read`.
    public func localFile(_ key: String) -> URL? { nil }

    /// Writes the object's bytes to `file` (created; a remote original fetched for FFmpeg, which
    /// reads files by path).
    public func download(_ key: String, to file: URL) async throws {
        guard FileManager.default.createFile(atPath: file.path, contents: nil), let handle = FileHandle(forWritingAtPath: file.path) else {
            throw VaultError(.io, key: key, "cannot create \(file.path)")
        }
        defer { try? handle.close() }
        try await stream(key, chunkSize: 8 << 20) { chunk in try handle.write(contentsOf: chunk) }
    }

    /// Runs `body` with the object as a file on this machine: the stored file itself in a local
    /// vault, else a copy downloaded into `scratch` and removed afterwards. Errors fetching the
    /// copy are `VaultFetchFailure`; `body`'s pass through.
    public func withLocalFile<T>(_ key: String, scratch: URL, _ body: (URL) async throws -> T) async throws -> T {
        if let local = localFile(key) { return try await body(local) }
        let copy = scratch.appendingPathComponent(".fetched-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            try await download(key, to: copy)
        } catch {
            throw VaultFetchFailure(key: key, underlying: error)
        }
        return try await body(copy)
    }

    /// Every object under `prefix`, page by page.
    public func listAll(prefix: String, pageSize: Int = 1000) async throws(VaultError) -> [VaultEntry] {
        var all: [VaultEntry] = []
        var after: String? = nil
        while true {
            let page = try await list(prefix: prefix, after: after, limit: pageSize)
            all += page
            guard page.count == pageSize, let last = page.last else { return all }
            after = last.key
        }
    }

    /// Keys must be relative, without `..`, empty or hidden segments, so neither a local path
    /// nor an object key can leave the store's root.
    static func validate(_ key: String) throws(VaultError) {
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !key.hasPrefix("/"),
              segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.hasPrefix(".") })
        else { throw VaultError(.invalid, key: key, "A vault key is a relative path without empty, '.' or '..' parts.") }
    }
}

/// A remote original could not be fetched for local reading (`withLocalFile`).
public struct VaultFetchFailure: Error, CustomStringConvertible {
    public var key: String
    public var underlying: any Error
    public var description: String { "\(key) could not be fetched: \(underlying)" }
}
