public import CustodyCore
public import CustodyStore
public import Foundation
public import Logging
import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// What one hand-in asks for.
public struct IngestRequest: Sendable {
    public var source: RawPath
    public var officer: String?
    public var device: String?
    /// When a collection station received the file (back-filled imports); default: now.
    public var receivedAt: Date?
    /// Remove the source once it is safely stored.
    public var move: Bool
    /// `ingest`, `watch`, `upload`.
    public var method: String
    public var handedInBy: String
    /// The name the file had where it came from, when its path here is not it (uploads).
    public var originalName: String?
    /// Set for a drop-folder file: how it stood when it settled. Such a file is always sealed
    /// by a copy (a new inode, so a writer that resumes can never reach the vault file), is
    /// not taken while a process has it open for writing or once it differs from this state,
    /// and is removed from the inbox only after the vault file and its row are durable.
    public var settled: SourceState?

    public init(source: RawPath, officer: String? = nil, device: String? = nil, receivedAt: Date? = nil,
                move: Bool = false, method: String = "ingest", handedInBy: String = "cli", originalName: String? = nil) {
        self.source = source
        self.officer = officer
        self.device = device
        self.receivedAt = receivedAt
        self.move = move
        self.method = method
        self.handedInBy = handedInBy
        self.originalName = originalName
    }
}

/// What became of one hand-in; prints as one `--json` line.
public struct IngestResult: Sendable, JSONLineConvertible {
    public enum Status: String, Sendable, CaseIterable { case ingested, duplicate, quarantined, failed }

    public var path: String
    public var status: Status
    public var sha256: String?
    public var size: Int64?
    public var officerID: String?
    public var reason: String?
    /// Nothing was stored because the source was still being written (a drop folder takes it
    /// again once it settles); not a failure of the file.
    public var unsettled = false

    public var jsonValue: JSONValue {
        var o = JSONObjectBuilder()
        o.add("path", path)
        o.add("status", status.rawValue)
        o.add("sha256", sha256)
        o.add("size", size)
        o.add("officer_id", officerID)
        o.add("reason", reason)
        return o.value
    }
}

/// The ingest pipeline: stage (copy + hash in one pass) → probe → journal → vault or
/// quarantine (atomic, fsynced) → catalog + receipt + audit in one transaction.
/// Nothing handed in is discarded, and a crash at any instant is finished by `reconcile()`.
public final class Ingestor: Sendable {
    public let folder: DataFolder
    /// This node (`[node] id`): its journal entries are the ones it reconciles.
    public let node: String
    public let catalog: Catalog
    /// Where stored files go: the data folder's vault/ and quarantine/, or an S3 bucket.
    public let vault: any Vault
    public let inspector: ClipInspector
    let logger: Logger

    public init(folder: DataFolder, catalog: Catalog, inspector: ClipInspector, logger: Logger, node: String = "", vault: (any Vault)? = nil) {
        self.node = node
        self.vault = vault ?? LocalVault(root: folder.root)
        self.folder = folder
        self.catalog = catalog
        var inspector = inspector
        inspector.hash = false  // the staged copy is hashed while it is made
        self.inspector = inspector
        self.logger = logger
    }

    /// Stores one file. Its blocking parts (copy, hash, fsync, probe, move) run on threads of
    /// their own (`Blocking`); the catalog calls are awaited.
    public func ingest(_ request: IngestRequest) async -> IngestResult {
        let display = request.source.display
        let originalName = request.originalName ?? request.source.lastComponent.display
        let inspector = self.inspector
        let early = ProbeBox()
        // A file whose last probe never returned (it stopped the process) is not probed again.
        let probeGuard = ProbeGuard(dataRoot: folder.root)
        let guardKey = ProbeGuard.key(for: request.source)
        let poisoned: ProbeRecord? = guardKey.flatMap { probeGuard.diedProbing($0) }.map { began in
            ProbeRecord(
                path: display, size: 0, integrity: .unreadable,
                error: "Reading this file stopped Custody \(ProbeGuard.quarantineAfter) times (the first probe began \(Timestamp.format(began)) "
                    + "and none finished); it is kept unprobed in quarantine so that it cannot stop ingest again.")
        }
        var staged: StagedCopy
        var journal: Int64? = nil
        do {
            if request.move, request.settled == nil, let moved = try await StagedCopy.moving(
                source: request.source, stagingFolder: folder.staging, inbox: folder.inbox, catalog: catalog, node: node,
                alongside: { path, modified in
                    guard poisoned == nil else { return }
                    early.value = probeGuard.guarded(guardKey) { inspector.inspect(path: path, originalName: originalName, modified: modified) }
                })
            {
                (staged, journal) = moved
            } else {
                let (source, staging, settled) = (request.source, folder.staging, request.settled)
                let made: UncheckedBox<Result<StagedCopy, StagedCopy.Failure>> = await Blocking.run {
                    UncheckedBox(Result { () throws(StagedCopy.Failure) in
                        try StagedCopy(source: source, stagingFolder: staging, expected: settled, refuseWhileWritten: settled != nil)
                    })
                }
                staged = try made.value.get()
            }
        } catch {
            if error.retry {
                logger.info("not yet complete", metadata: ["path": "\(display)", "reason": "\(error.description)"])
            } else {
                logger.warning("not stored", metadata: ["path": "\(display)", "reason": "\(error.description)"])
            }
            var result = IngestResult(path: display, status: .failed, reason: error.description)
            result.unsettled = error.retry
            return result
        }
        defer { staged.release() }
        let now = Date()
        var stored = false  // in the vault: from then on the journal, not the source, carries it
        var pendingID: Int64? = nil
        var receipt = ReceiptRecord(
            sha256: staged.sha256, receivedAt: request.receivedAt ?? now, recordedAt: now, method: request.method,
            originalName: originalName, sourcePath: display, handedInBy: request.handedInBy,
            officerOverride: request.officer, deviceOverride: request.device)

        do {
            if let existing = try await catalog.evidence(sha256: staged.sha256) {
                staged.discard()
                receipt.duplicate = true
                try await catalog.record(evidence: existing, receipt: receipt, actor: request.handedInBy, moveID: journal)
                removeSourceIfCopied(request, staged: staged, moved: journal != nil)
                return IngestResult(path: display, status: .duplicate, sha256: staged.sha256, size: staged.size, officerID: existing.officerID)
            }

            // Probe the staged bytes, reading names and times from the original name.
            var probe: ProbeRecord
            if let known = poisoned ?? early.value {
                probe = known
            } else {
                let (path, modified) = (staged.path, staged.sourceModified)
                probe = await Blocking.run {
                    probeGuard.guarded(guardKey) { inspector.inspect(path: path, originalName: originalName, modified: modified) }
                }
            }
            if poisoned != nil {
                logger.error("quarantined unprobed: its last probe stopped the process", metadata: ["path": "\(display)"])
            }
            probe.path = display
            probe.sha256 = staged.sha256
            probe.size = staged.size
            if let device = request.device { probe.deviceID = device }

            let (officer, attribution) = await attribute(probe: probe, request: request)
            let ext = DataFolder.safeExtension(of: originalName)
            let unreadable = probe.integrity == .unreadable || staged.size == 0
            let reason = staged.size == 0 ? "The file is empty (0 bytes)." : probe.error
            let destination = unreadable
                ? folder.quarantinePath(sha256: staged.sha256, ext: ext)
                : folder.vaultPath(sha256: staged.sha256, ext: ext)
            let evidence = EvidenceRecord(
                sha256: staged.sha256, size: staged.size, ext: ext, location: unreadable ? .quarantine : .vault,
                storedPath: relative(destination), quarantineReason: unreadable ? reason : nil, probe: probe, storedAt: now,
                officerID: officer, attribution: attribution)

            let key = evidence.storedPath
            pendingID = try await catalog.addPending(PendingIngest(
                sha256: staged.sha256, stagedPath: staged.path, finalPath: key,
                evidenceJSON: try encode(evidence), receiptJSON: try encode(JournalledReceipt(receipt: receipt, removal: removal(request, staged: staged, moved: journal != nil)))), node: node)
            // The staged file is probed; now it is put (a second name in a local vault, an
            // upload checked against its SHA-256 in S3), and only then recorded.
            _ = try await vault.put(file: URL(fileURLWithPath: staged.path), key: key, sha256: staged.sha256, size: staged.size)
            stored = true
            if unreadable {
                try await putQuarantineNote(key, reason: reason ?? "unreadable", original: display)
            }
            // The original is in the vault and the journal can finish the record: a copied source
            // goes now, so that a kill before the commit does not leave it to be handed in again.
            removeSourceIfCopied(request, staged: staged, moved: journal != nil)
            let recorded = try await catalog.record(evidence: evidence, receipt: receipt, actor: request.handedInBy, pendingID: pendingID, moveID: journal)
            staged.discard()
            if poisoned != nil, let guardKey { probeGuard.clear(guardKey) }
            if recorded == .duplicate {
                return IngestResult(path: display, status: .duplicate, sha256: staged.sha256, size: staged.size, officerID: officer)
            }
            return IngestResult(
                path: display, status: unreadable ? .quarantined : .ingested, sha256: staged.sha256, size: staged.size,
                officerID: officer, reason: unreadable ? reason : nil)
        } catch {
            // The source is untouched (a moved one is put back); whatever reached the journal
            // is finished or undone by the next start-up reconciliation.
            if let journal, !stored, FileManager.default.fileExists(atPath: staged.path) {
                if request.source.withCString({ rename(staged.path, $0) }) == 0 {
                    try? await catalog.removeMove(id: journal)
                }
            }
            if !stored, let pendingID {
                // Not in the vault (the store was unreachable, say): the source still has it.
                if journal == nil { staged.discard() }
                try? await catalog.removePending(id: pendingID)
            }
            let reason = StoreFailure.explain(error, folder: folder.root.path)
            logger.error("ingest failed", metadata: ["path": "\(display)", "error": "\(reason)"])
            return IngestResult(path: display, status: .failed, sha256: staged.sha256, reason: reason)
        }
    }

    /// SPEC §6: the officer named at hand-in; else the one the file names; else whoever had
    /// the camera checked out when the clip started; else unattributed.
    func attribute(probe: ProbeRecord, request: IngestRequest) async -> (String?, String?) {
        if let officer = request.officer { return (officer, "ingest") }
        if let officer = probe.officerID { return (officer, "file") }
        if let device = probe.deviceID, let start = probe.startTime,
           let officer = try? await catalog.officer(device: device, at: start) {
            return (officer, "checkout")
        }
        return (nil, nil)
    }

    /// With --move (and from a drop folder), a copied source is removed once stored, and only
    /// while its name still holds the very file that was copied, unchanged and (from a drop
    /// folder) not open for writing: otherwise it is left for the next hand-in. A renamed one
    /// is gone already, and whatever now has its name is somebody else's file.
    private func removeSourceIfCopied(_ request: IngestRequest, staged: StagedCopy, moved: Bool) {
        guard let removal = removal(request, staged: staged, moved: moved) else { return }
        if !removal.perform() {
            logger.warning("source changed after it was stored; left in place", metadata: ["path": "\(request.source.display)"])
        }
    }

    /// What removing a copied source takes, journalled with the hand-in so that the start-up
    /// that finishes a killed hand-in also removes its source (else it is handed in again).
    func removal(_ request: IngestRequest, staged: StagedCopy, moved: Bool) -> SourceRemoval? {
        guard request.move, !moved, let copied = staged.sourceState else { return nil }
        return SourceRemoval(path: Data(request.source.bytes).base64EncodedString(), state: copied, dropFolder: request.settled != nil)
    }

    /// `KEY.reason.txt` beside a quarantined original: why, for whoever looks at the store.
    private func putQuarantineNote(_ key: String, reason: String, original: String) async throws {
        let text = Data("original: \(original)\nreason: \(reason)\nquarantined: \(Timestamp.format(Date()))\n".utf8)
        let note = folder.staging.appendingPathComponent(".note-\(UUID().uuidString)")
        try text.write(to: note)
        defer { unlink(note.path) }
        let digest = SHA256.hash(data: text).map { String(format: "%02x", $0) }.joined()
        let put: Result<VaultPut, VaultError>
        do { put = .success(try await vault.put(file: note, key: key + ".reason.txt", sha256: digest, size: Int64(text.count))) } catch {
            put = .failure(error)
        }
        // The same bytes quarantined again with another note: the first note stays.
        if case .failure(let error) = put, error.code != .conflict { throw error }
    }

    func relative(_ url: URL) -> String {
        let root = folder.root.path.hasSuffix("/") ? folder.root.path : folder.root.path + "/"
        return url.path.hasPrefix(root) ? String(url.path.dropFirst(root.count)) : url.path
    }

    private func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
}

/// A copied source to remove once its hand-in is recorded: only while its name still holds the
/// very file that was copied, unchanged and (from a drop folder) not open for writing.
struct SourceRemoval: Codable, Sendable {
    /// The path's bytes, base64 (a file name need not be UTF-8).
    var path: String
    var state: SourceState
    var dropFolder: Bool

    /// Removes the source; false when it changed and was left.
    func perform() -> Bool {
        guard let bytes = Data(base64Encoded: path) else { return false }
        let source = RawPath(bytes: Array(bytes))
        guard let now = SourceState.of(source) else { return true }  // gone already
        guard now.sameContent(as: state), !dropFolder || WriterProbe.hasWriter(source) != true else { return false }
        _ = source.withCString { unlink($0) }
        return true
    }
}

/// A receipt as journalled for a hand-in in flight: the receipt's own fields, and beside them
/// the source to remove when it is finished (ignored by anything that decodes the receipt).
struct JournalledReceipt: Codable {
    var receipt: ReceiptRecord
    var removal: SourceRemoval?

    enum Keys: String, CodingKey { case removeSource = "custody_remove_source" }

    init(receipt: ReceiptRecord, removal: SourceRemoval?) {
        self.receipt = receipt
        self.removal = removal
    }

    init(from decoder: any Decoder) throws {
        receipt = try ReceiptRecord(from: decoder)
        removal = try decoder.container(keyedBy: Keys.self).decodeIfPresent(SourceRemoval.self, forKey: .removeSource)
    }

    func encode(to encoder: any Encoder) throws {
        try receipt.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(removal, forKey: .removeSource)
    }
}

/// A result handed from the probing thread to the ingesting one (after a DispatchGroup wait).
final class ProbeBox: @unchecked Sendable {
    var value: ProbeRecord?
}
