public import CustodyCore
public import CustodyStore
public import Foundation
public import Logging

/// Where recordings the Axis body-worn system uploads wait until the recording is complete
/// (issue 16): one spool file per clip under `staging/axis/`, then the normal ingest (vault,
/// catalog, linking), attributed to the officer the Axis user maps to and the camera's serial.
/// HTTP stays in the server; this is the file and catalog side.
public struct AxisInbox: Sendable {
    public let root: URL
    public let catalog: Catalog
    public let ingestor: Ingestor
    public let policy: Policy
    public let limits: UploadLimits
    let logger: Logger
    let gate = AxisGate()

    public init(folder: DataFolder, catalog: Catalog, ingestor: Ingestor, policy: Policy, limits: UploadLimits, logger: Logger) {
        self.root = folder.staging.appendingPathComponent("axis")
        self.catalog = catalog
        self.ingestor = ingestor
        self.policy = policy
        self.limits = limits
        self.logger = logger
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A spool file's path: the names hex-encoded, so no name reaches outside the spool.
    public func spoolPath(container: String, object: String) -> String {
        func hex(_ s: String) -> String { s.utf8.map { String(format: "%02x", $0) }.joined() }
        return root.appendingPathComponent(hex(container)).appendingPathComponent(hex(object)).path
    }

    /// Takes one of the `limits.maxConcurrent` upload places; nil when all are taken (503).
    public func enter() -> AxisGate.Ticket? { gate.enter(limit: limits.maxConcurrent) }

    /// Writes one object's body to its spool file (replacing an earlier try), fsynced.
    public func writer(container: String, object: String) throws -> SpoolWriter {
        let path = spoolPath(container: container, object: object)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path)
        else { throw Failure(description: "cannot open the spool file \(path)") }
        return SpoolWriter(handle: handle, path: path, limit: limits.maxBytes)
    }

    /// What a complete recording became.
    public struct Completion: Sendable {
        public var stored = 0
        public var failed = 0
        public var results: [IngestResult] = []
    }

    /// Status: Complete. Each clip not yet stored goes through the ingest pipeline (the spool
    /// file moved into the vault); the first clip (the earliest) carries the pre-event buffer,
    /// TriggerOnTime − StartTime. Then the officer is relinked and the recording closed. Blocking.
    public func complete(container: String, actor: String, now: Date = Date()) async throws -> Completion {
        guard let recording = try await catalog.axisRecording(container: container) else {
            throw Failure(description: "no recording \(container)")
        }
        let clips = try await catalog.axisObjects(container: container).filter { $0.kind == .clip }
        func start(_ o: Catalog.AxisObject) -> Double { o.metadata["StartTime"].flatMap(Double.init) ?? .infinity }
        let ordered = clips.sorted { (start($0), $0.name) < (start($1), $1.name) }
        var done = Completion()
        for (i, clip) in ordered.enumerated() {
            if clip.sha256 != nil { done.stored += 1; continue }
            let path = spoolPath(container: container, object: clip.name)
            guard FileManager.default.fileExists(atPath: path) else {
                done.failed += 1
                logger.error("axis clip missing from the spool", metadata: ["recording": "\(container)", "clip": "\(clip.name)"])
                continue
            }
            let result = await ingestor.ingest(IngestRequest(
                source: RawPath(path), officer: recording.officerID, device: recording.serial, receivedAt: now, move: true,
                method: "axis", handedInBy: actor, originalName: "\(container)/\(clip.name)"))
            done.results.append(result)
            guard result.status != .failed, let sha256 = result.sha256 else {
                done.failed += 1
                continue
            }
            done.stored += 1
            var prebuffer: Double? = nil
            if i == 0 {
                let begun = recording.startTime ?? (start(clip).isFinite ? start(clip) : nil)
                prebuffer = begun.map { max(0, recording.triggerOnTime - $0) }
            }
            try await catalog.markAxisClipStored(container: container, name: clip.name, sha256: sha256, prebuffer: prebuffer)
        }
        try await catalog.relinkAndRefreshQueue(officers: [recording.officerID], policy: policy, actor: actor)
        try await catalog.completeAxisRecording(container: container, stored: done.stored, failed: done.failed, actor: actor)
        return done
    }
}

/// An open spool file being written.
public final class SpoolWriter: @unchecked Sendable {  // used by one request at a time
    let handle: FileHandle
    public let path: String
    let limit: Int64
    public private(set) var written: Int64 = 0

    init(handle: FileHandle, path: String, limit: Int64) {
        self.handle = handle
        self.path = path
        self.limit = limit
    }

    public struct TooLarge: Error, Sendable {}

    public func write(_ bytes: [UInt8]) throws {
        guard written + Int64(bytes.count) <= limit else { throw TooLarge() }
        try handle.write(contentsOf: bytes)
        written += Int64(bytes.count)
    }

    /// Flushes and closes; the file is complete.
    public func finish() throws {
        defer { try? handle.close() }
        try handle.synchronize()
    }

    /// Closes and removes a file whose body did not arrive whole.
    public func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Counts the uploads being received, to answer 503 past the limit.
public final class AxisGate: @unchecked Sendable {  // guarded by lock
    let lock = NSLock()
    var active = 0

    public final class Ticket: @unchecked Sendable {
        let gate: AxisGate
        var open = true
        init(_ gate: AxisGate) { self.gate = gate }
        public func leave() {
            gate.lock.lock()
            defer { gate.lock.unlock() }
            if open { gate.active -= 1; open = false }
        }
    }

    func enter(limit: Int) -> Ticket? {
        lock.lock()
        defer { lock.unlock() }
        guard active < limit else { return nil }
        active += 1
        return Ticket(self)
    }
}
