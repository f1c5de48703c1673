public import CustodyCore
public import CustodyStore
public import Foundation
public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Resumable uploads on disk: `DATA/uploads/<id>.part`, of which the catalog's `offset` bytes
/// are durable. Bytes past the offset (a cut request, a crash) are cut off before the next
/// write, so the offset a client is told is always backed by fsynced bytes. A complete upload
/// is renamed into the ingest pipeline (`--move` mode: no copy) and stored once.
public final class UploadSpool: Sendable {
    public let folder: DataFolder
    public let catalog: Catalog
    public let ingestor: Ingestor
    public let policy: Policy
    public let limits: UploadLimits
    let gate: UploadGate
    let logger: Logger

    public init(folder: DataFolder, catalog: Catalog, ingestor: Ingestor, policy: Policy, limits: UploadLimits, logger: Logger) {
        self.folder = folder
        self.catalog = catalog
        self.ingestor = ingestor
        self.policy = policy
        self.limits = limits
        self.gate = UploadGate(limit: limits.maxConcurrent)
        self.logger = logger
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public func path(_ id: String) -> String {
        folder.uploads.appendingPathComponent("\(id).part").path
    }

    /// Bytes free for the data folder's file system, or nil when it cannot be asked.
    public func freeBytes() -> Int64? {
        var s = statvfs()
        guard statvfs(folder.root.path, &s) == 0 else { return nil }
        return Int64(s.f_bavail) * Int64(s.f_frsize)
    }

    /// Whether `bytes` more fit while keeping the configured free space.
    public func hasRoom(for bytes: Int64) -> Bool {
        guard let free = freeBytes() else { return true }
        return free - bytes >= limits.minFreeBytes
    }

    /// Registers a new upload and makes its empty file.
    public func create(
        user: User, officer: String?, device: String?, filename: String, metadata: String, length: Int64, now: Date = Date()
    ) async throws -> UploadRecord {
        var random = SystemRandomNumberGenerator()
        let id = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        let upload = UploadRecord(
            id: id, userID: user.id, uploader: user.name, officerID: officer, deviceID: device, filename: filename,
            metadata: metadata, length: length, createdAt: now)
        try await catalog.addUpload(upload)
        let fd = open(path(id), O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create the upload file: \(String(cString: strerror(errno)))") }
        close(fd)
        return upload
    }

    /// Opens an upload for appending at its durable offset. Nil when another request is
    /// writing it already; throws `Busy` when the concurrency limit is reached.
    public func writer(for upload: UploadRecord) throws -> UploadWriter {
        switch gate.enter(upload.id) {
        case .entered: break
        case .sameUpload: throw Busy(sameUpload: true)
        case .full: throw Busy(sameUpload: false)
        }
        let fd = open(path(upload.id), O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            gate.leave(upload.id)
            throw Failure(description: "cannot open the upload file: \(String(cString: strerror(errno)))")
        }
        // The file's length by seeking to its end (the writer writes at explicit offsets).
        let length = lseek(fd, 0, SEEK_END)
        guard length >= 0, Int64(length) >= upload.offset else {
            close(fd)
            gate.leave(upload.id)
            throw Failure(description: "the upload file is shorter than its recorded offset; it cannot be resumed")
        }
        // Whatever lies past the durable offset was never acknowledged: drop it.
        guard ftruncate(fd, off_t(upload.offset)) == 0 else {
            close(fd)
            gate.leave(upload.id)
            throw Failure(description: "cannot trim the upload file: \(String(cString: strerror(errno)))")
        }
        return UploadWriter(spool: self, upload: upload, fd: fd)
    }

    /// Waits (up to `timeout` seconds) until no request is writing the upload, so that a client
    /// resuming right after a cut sees the bytes the cut request is still storing.
    /// False when one still is.
    public func waitUntilIdle(_ id: String, timeout: Double = 3) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while gate.isActive(id) {
            if Date() >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Refused because of the concurrency limit, or because the same upload is being written.
    public struct Busy: Error, Sendable {
        public var sameUpload: Bool
    }

    /// Stores a complete upload that no request is writing; nil when one is (it stores it).
    /// Blocking: call it off the cooperative pool.
    public func ingestComplete(_ upload: UploadRecord, now: Date = Date()) async -> IngestResult? {
        guard gate.enter(upload.id, ignoringLimit: true) == .entered else { return nil }
        defer { gate.leave(upload.id) }
        guard let current = try? await catalog.upload(id: upload.id), current.state == .complete else { return nil }
        return await ingest(current, now: now)
    }

    /// Stores a complete upload through the ingest pipeline and relinks its officer. The
    /// caller holds the upload (its writer, or `ingestComplete`). Blocking.
    @discardableResult
    public func ingest(_ upload: UploadRecord, now: Date = Date()) async -> IngestResult {
        let result = await ingestor.ingest(IngestRequest(
            source: RawPath(path(upload.id)), officer: upload.officerID, device: upload.deviceID, receivedAt: now,
            move: true, method: "upload", handedInBy: upload.uploader, originalName: upload.filename))
        switch result.status {
        case .failed:
            logger.error("upload not stored", metadata: ["upload": "\(upload.id)", "reason": "\(result.reason ?? "")"])
            try? await catalog.noteUploadProblem(id: upload.id, reason: result.reason ?? "the ingest failed")
        case .ingested, .duplicate, .quarantined:
            do {
                try await catalog.finishUpload(id: upload.id, sha256: result.sha256, status: result.status.rawValue, reason: result.reason)
                if result.changesFindings, let officer = result.officerID {
                    try await catalog.relinkAndRefreshQueue(officers: [officer], policy: policy, actor: "upload")
                }
            } catch {
                logger.error("upload stored, bookkeeping failed", metadata: ["upload": "\(upload.id)", "error": "\(error)"])
            }
        }
        return result
    }

    /// Finishes uploads whose bytes are all in but whose ingest did not complete (a crash, a
    /// failure): if the pipeline stored it already its receipt says so; otherwise ingest now.
    /// Run after `Ingestor.reconcile()`, which puts back a file a crash left mid-move.
    @discardableResult
    public func resumeComplete() async -> Int {
        var finished = 0
        for upload in await (try? catalog.completeUploads()) ?? [] {
            // Not while a request is storing it.
            guard gate.enter(upload.id, ignoringLimit: true) == .entered else { continue }
            defer { gate.leave(upload.id) }
            guard let upload = try? await catalog.upload(id: upload.id), upload.state == .complete else { continue }
            if let receipt = try? await catalog.uploadReceipt(sourcePath: path(upload.id)) {
                try? await catalog.finishUpload(
                    id: upload.id, sha256: receipt.sha256, status: receipt.duplicate ? "duplicate" : "ingested", reason: nil)
                finished += 1
            } else if FileManager.default.fileExists(atPath: path(upload.id)) {
                if await ingest(upload).status != .failed { finished += 1 }
            } else {
                try? await catalog.noteUploadProblem(id: upload.id, reason: "the complete upload's file is missing")
            }
        }
        return finished
    }

    /// Removes unfinished uploads untouched for longer than `limits.expireAfter`, audited.
    @discardableResult
    public func expireStale(now: Date = Date()) async -> Int {
        let hours = limits.expireAfter / 3600
        let reason = "untouched for more than \(hours.formatted(.number.precision(.fractionLength(0...1)))) hours"
        var expired = 0
        for upload in await (try? catalog.staleUploads(before: now.addingTimeInterval(-limits.expireAfter))) ?? [] {
            // Not while a request is writing it.
            guard gate.enter(upload.id, ignoringLimit: true) == .entered else { continue }
            defer { gate.leave(upload.id) }
            if await (try? catalog.endUpload(id: upload.id, state: .expired, actor: "custody", reason: reason, now: now)) == true {
                unlink(path(upload.id))
                expired += 1
            }
        }
        return expired
    }

    /// tus termination: the uploader cancels an unfinished upload.
    public func terminate(_ upload: UploadRecord, actor: String) async throws -> Bool {
        guard gate.enter(upload.id, ignoringLimit: true) == .entered else { throw Busy(sameUpload: true) }
        defer { gate.leave(upload.id) }
        guard try await catalog.endUpload(id: upload.id, state: .terminated, actor: actor, reason: "cancelled by \(actor)") else { return false }
        unlink(path(upload.id))
        return true
    }
}

/// Appends one request's bytes to an upload. `commit` makes them durable and advances the
/// offset; `discard` cuts them off again. Either way, `close` lets the next request in.
public final class UploadWriter: @unchecked Sendable {
    let spool: UploadSpool
    public let upload: UploadRecord
    private let fd: Int32
    public private(set) var written: Int64 = 0
    private var closed = false

    init(spool: UploadSpool, upload: UploadRecord, fd: Int32) {
        self.spool = spool
        self.upload = upload
        self.fd = fd
    }

    deinit { close() }

    public var offset: Int64 { upload.offset + written }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(UploadSpool.Failure) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errno == ENOSPC ? "the disk is full" : String(cString: strerror(errno))
                throw UploadSpool.Failure(description: "cannot write the upload: \(reason)")
            }
            done += n
        }
        written += Int64(done)
    }

    /// fsyncs (on a thread of its own) and records the new offset; returns it.
    public func commit() async throws -> Int64 {
        guard written > 0 else { return upload.offset }
        let fd = self.fd
        guard await Blocking.run({ fsync(fd) }) == 0 else {
            throw UploadSpool.Failure(description: "cannot make the upload durable: \(String(cString: strerror(errno)))")
        }
        let complete = offset == upload.length
        guard try await spool.catalog.advanceUpload(id: upload.id, from: upload.offset, to: offset, complete: complete) else {
            throw UploadSpool.Failure(description: "the upload changed while this request was writing it")
        }
        return offset
    }

    /// Drops this request's bytes (a failed checksum, a refused chunk).
    public func discard() {
        _ = ftruncate(fd, off_t(upload.offset))
        written = 0
    }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
        spool.gate.leave(upload.id)
    }
}

/// Which uploads are being written, and how many at once.
final class UploadGate: @unchecked Sendable {
    enum Entry { case entered, sameUpload, full }
    private let lock = NSLock()
    private var active: Set<String> = []
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    func enter(_ id: String, ignoringLimit: Bool = false) -> Entry {
        lock.withLock {
            if active.contains(id) { return .sameUpload }
            if !ignoringLimit && active.count >= limit { return .full }
            active.insert(id)
            return .entered
        }
    }

    func leave(_ id: String) {
        _ = lock.withLock { active.remove(id) }
    }

    var count: Int { lock.withLock { active.count } }

    func isActive(_ id: String) -> Bool { lock.withLock { active.contains(id) } }
}
