public import CustodyStore
import CustodyCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Start-up reconciliation: finishes hand-ins a crash interrupted, puts moved sources back and
/// sweeps abandoned staging files. Vault files that have no row are *counted*, never silently
/// re-catalogued: that is `custody recover --from-vault`, explicit and audited.
public struct ReconcileReport: Sendable, Equatable {
    public var finished = 0
    public var abandoned = 0
    public var sweptStaging = 0
    public var recatalogued = 0
    /// Moved sources put back where they were.
    public var restored = 0
    /// Stored files (vault or quarantine) that no catalog row accounts for.
    public var orphans = 0
    public var problems: [String] = []

    public var isEmpty: Bool { finished + abandoned + sweptStaging + recatalogued + restored + orphans == 0 && problems.isEmpty }
}

extension Ingestor {
    public func reconcile() async throws -> ReconcileReport {
        var report = ReconcileReport()
        let fm = FileManager.default
        var keep = Set<String>()
        var pendingPaths = Set<String>()

        for pending in try await catalog.pending(node: node) {
            guard let id = pending.id else { continue }
            pendingPaths.insert(pending.stagedPath)
            if fm.fileExists(atPath: pending.stagedPath) && StagedCopy.isHeldByAnotherProcess(pending.stagedPath) {
                keep.insert(pending.stagedPath)  // another process is mid-way through this one
                continue
            }
            let decoder = JSONDecoder()
            guard let evidence = try? decoder.decode(EvidenceRecord.self, from: Data(pending.evidenceJSON.utf8)),
                  let receipt = try? decoder.decode(ReceiptRecord.self, from: Data(pending.receiptJSON.utf8))
            else {
                report.problems.append("pending hand-in \(id) has an unreadable journal entry; left for inspection")
                keep.insert(pending.stagedPath)
                continue
            }
            let key = vaultKey(journalled: pending.finalPath)
            let stagedThere = fm.fileExists(atPath: pending.stagedPath)
            do {
                var inVault = try await vault.size(of: key) != nil
                if !inVault, stagedThere {
                    _ = try await vault.put(file: URL(fileURLWithPath: pending.stagedPath), key: key, sha256: evidence.sha256, size: evidence.size)
                    inVault = true
                }
                if inVault {
                    try await catalog.record(evidence: evidence, receipt: receipt, actor: "reconcile", pendingID: id)
                    if stagedThere { unlink(pending.stagedPath) }
                    // A copied source that the killed hand-in would have removed goes now.
                    if let removal = (try? decoder.decode(JournalledReceipt.self, from: Data(pending.receiptJSON.utf8)))?.removal,
                       !removal.perform() {
                        report.problems.append("the source of finished hand-in \(id) changed after it was copied; left in place")
                    }
                    report.finished += 1
                } else {
                    // Neither copy survived: the source was never removed (moves delete it only
                    // after the catalog commit), so the next ingest of it starts afresh.
                    try await catalog.removePending(id: id)
                    report.abandoned += 1
                }
            } catch let error as VaultError {
                report.problems.append("pending hand-in \(id) (\(key)) cannot be finished now: \(error); it is kept and tried again at the next start")
                keep.insert(pending.stagedPath)
            }
        }

        // Sources renamed into staging whose hand-in did not finish go back where they were.
        for move in try await catalog.moves(node: node) {
            if fm.fileExists(atPath: move.stagedPath) {
                if StagedCopy.isHeldByAnotherProcess(move.stagedPath) {
                    keep.insert(move.stagedPath)
                    continue
                }
                if pendingPaths.contains(move.stagedPath) {
                    continue  // journalled for the vault above; it will be finished there
                }
                var destination = RawPath(bytes: move.sourcePath)
                guard destination.isAbsolute else {
                    // Journalled by an older version as typed: relative to a folder no longer known.
                    report.problems.append(
                        "\(move.stagedPath) was moved from \(destination.display), a path relative to a folder that is not recorded; "
                            + "left in staging: move it back by hand")
                    keep.insert(move.stagedPath)
                    continue
                }
                if destination.withCString({ access($0, F_OK) }) == 0 {
                    // Something new has the old name: keep both.
                    destination = RawPath(bytes: move.sourcePath + Array(".custody-restored-\(move.id)".utf8))
                    report.problems.append("\(RawPath(bytes: move.sourcePath).display) was taken; restored as \(destination.display)")
                }
                guard destination.withCString({ rename(move.stagedPath, $0) }) == 0 else {
                    report.problems.append("cannot put \(move.stagedPath) back to \(destination.display): \(String(cString: strerror(errno)))")
                    keep.insert(move.stagedPath)
                    continue
                }
                report.restored += 1
            }
            // Staged file gone: it reached the vault (recorded, or finished above) or was a duplicate.
            try await catalog.removeMove(id: move.id)
        }

        // Staging: anything not held by a live process and not kept above is a partial copy.
        for name in (try? fm.contentsOfDirectory(atPath: folder.staging.path)) ?? [] {
            let path = folder.staging.appendingPathComponent(name).path
            if keep.contains(path) || StagedCopy.isHeldByAnotherProcess(path) { continue }
            if unlink(path) == 0 { report.sweptStaging += 1 }
        }

        report.orphans = try await orphans().count
        if report.orphans > 0 {
            report.problems.append(
                "\(report.orphans) stored file(s) have no catalog row: `custody verify` names them; restore the catalog from a backup, "
                    + "or catalogue them with `custody recover --from-vault` (audited)")
        }
        return report
    }

    /// Stored files (relative paths) that no catalog row names. For a remote vault only when
    /// `everywhere` (`custody verify`): listing a bucket at every start-up would take minutes.
    public func orphans(everywhere: Bool = false) async throws -> [String] {
        guard everywhere || isDataFolderVault else { return [] }
        let files = try await storedKeys()
        // Stored files are named by their SHA-256: look those rows up by key rather than
        // reading every row (seconds on a big catalog, at the start of every ingest).
        let names = files.map { path in String(path.split(separator: "/").last ?? "").split(separator: ".").first.map(String.init) ?? "" }
        let known: Set<String>
        if names.allSatisfy({ $0.count == 64 && $0.allSatisfy(\.isHexDigit) }) {
            known = try await catalog.storedPaths(sha256s: names.map { $0.lowercased() })
        } else {
            known = await Set(try catalog.allEvidence().map(\.storedPath))
        }
        return files.filter { !known.contains($0) }
    }

    /// Whether the vault is vault/ and quarantine/ in this data folder.
    var isDataFolderVault: Bool { Self.isDataFolderVault(vault, folder: folder) }

    static func isDataFolderVault(_ vault: any Vault, folder: DataFolder) -> Bool {
        (vault as? LocalVault)?.root == folder.root.standardizedFileURL
    }

    /// Every stored original's key (vault/ and quarantine/, sidecar notes left out), in order.
    public func storedKeys() async throws -> [String] {
        try await Self.storedKeys(in: vault, folder: folder)
    }

    public static func storedKeys(in vault: any Vault, folder: DataFolder) async throws -> [String] {
        if isDataFolderVault(vault, folder: folder) { return folder.storedFiles() }
        let entries = try await vault.listAll(prefix: "vault/") + vault.listAll(prefix: "quarantine/")
        return entries.map(\.key).filter { !$0.hasSuffix(".reason.txt") }
    }

    /// The key of a journalled destination: new journals hold the key, older ones the
    /// absolute path in the data folder.
    func vaultKey(journalled path: String) -> String {
        path.hasPrefix("/") ? relative(URL(fileURLWithPath: path)) : path
    }

    /// Files in `staging/` no live process holds: hand-ins a crash or a kill interrupted.
    public static func strandedStagingFiles(in folder: DataFolder) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.staging.path)) ?? []
        return names.sorted().filter { !StagedCopy.isHeldByAnotherProcess(folder.staging.appendingPathComponent($0).path) }
    }

    /// `custody recover --from-vault`: catalogues every stored file that has no row (re-hashed,
    /// re-probed; a file whose content does not match its name is left and named). Each gets a
    /// receipt of method `recover` dated when the vault file was sealed (its status-change
    /// time, the best evidence left of when it was received). The caller audits the rebuild.
    public func recoverFromVault() async throws -> ReconcileReport {
        var report = ReconcileReport()
        for key in try await storedKeys() {
            let name = String(key.split(separator: "/").last ?? "")
            let sha = String(name.prefix(64))
            guard sha.count == 64, sha.allSatisfy(\.isHexDigit) else {
                report.problems.append("\(key) is not named by a SHA-256; left as it is")
                continue
            }
            if try await catalog.evidence(sha256: sha) != nil { continue }
            // FFmpeg reads a local file: a remote object is fetched into staging first.
            let local = vault.localFile(key)
            let file = local ?? folder.staging.appendingPathComponent(".recover-\(UUID().uuidString)")
            defer { if local == nil { unlink(file.path) } }
            if local == nil {
                do { try await vault.download(key, to: file) } catch {
                    report.problems.append("\(key) cannot be read from \(vault.location): \(error)")
                    continue
                }
            }
            let path = file.path
            guard let hashed = await Blocking.run({ try? FileHasher.sha256(path: path) }), hashed.sha256 == sha else {
                report.problems.append("\(key) is not catalogued and its content does not match its name")
                continue
            }
            let inspector = self.inspector
            var probe = await Blocking.run { inspector.inspect(path: path, originalName: name) }
            probe.sha256 = sha
            probe.size = hashed.size
            let location: EvidenceRecord.Location = key.hasPrefix("quarantine/") ? .quarantine : .vault
            // A local file's status change is when it was sealed; an object store keeps no such time.
            let sealed = local.map(Self.sealedAt) ?? Date()
            let evidence = EvidenceRecord(
                sha256: sha, size: hashed.size, ext: (name as NSString).pathExtension, location: location, storedPath: key,
                quarantineReason: location == .quarantine ? (probe.error ?? "unreadable") : nil, probe: probe, storedAt: sealed)
            let receipt = ReceiptRecord(
                sha256: sha, receivedAt: sealed, recordedAt: Date(), method: "recover", originalName: name,
                sourcePath: key, handedInBy: "recover")
            try await catalog.record(evidence: evidence, receipt: receipt, actor: "recover")
            report.recatalogued += 1
        }
        return report
    }

    /// Copies the object `key` into the local file `file`, chunk by chunk.
    /// When a vault file was sealed: its last status change (the chmod and rename of sealing).
    static func sealedAt(_ file: URL) -> Date {
        var st = stat()
        guard stat(file.path, &st) == 0 else { return Date() }
        return Date(timeIntervalSince1970: Double(st.st_ctim.tv_sec) + Double(st.st_ctim.tv_nsec) / 1e9)
    }
}
