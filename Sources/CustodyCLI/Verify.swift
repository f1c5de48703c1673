import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation

/// `custody verify`: re-hash every stored file, walk the audit chain, and check that the
/// catalog, the vault, staging and the chain anchors still account for one another.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-hash every stored file and check the catalog, the vault and the audit chain against one another.",
        discussion: """
            Checks every stored file against its SHA-256, the audit chain against the anchors in reports/, \
            the catalog file itself, stored files no catalog row accounts for (orphans), hand-ins stranded \
            in staging/, and a catalog that is missing or damaged. Each problem is named with what to do. \
            The run is recorded in the audit log unless --read-only is given (or the data folder cannot be \
            written: it is then verified read-only, with a note), so an archive copy on read-only media can \
            be verified. Exit status 0 when everything is intact; 2 when anything is altered, missing, \
            stranded, unaccounted for or damaged; 1 when the check could not be run.
            """)

    @OptionGroup var options: DataOptions

    @Flag(help: "Write nothing: no audit entry, no file created (for an archive copy or a read-only folder).")
    var readOnly = false

    @Flag(help: "Print one JSON object per problem (JSON Lines).")
    var json = false

    func run() async throws {
        let path = URL(fileURLWithPath: DataFolder.resolve(options.data)).standardizedFileURL.path
        var readOnly = self.readOnly
        if !readOnly, FileManager.default.fileExists(atPath: path), !StoreFailure.isWritable(path) {
            Console.error("custody verify: the data folder \(path) is read-only: verifying without writing anything (as with --read-only)")
            readOnly = true
        }
        // A catalog gone while evidence remains is the first finding; there is nothing to compare.
        let bare = DataFolder(existing: path)
        let shared = (try? String(contentsOfFile: bare.configPath, encoding: .utf8))
            .flatMap { try? ConfigFile.parse($0) }?.catalog.url.map { !$0.hasPrefix("sqlite:") } ?? false
        if !shared, !bare.hasCatalog, FileManager.default.fileExists(atPath: path),
           readOnly || DataOptions.evidenceWithoutCatalog(bare) != nil {
            if let left = DataOptions.evidenceWithoutCatalog(bare) {
                let missing = StoreFailure(code: .missing, path: bare.catalogPath, detail: left)
                var problems = [(item: "catalog", problem: missing.description)]
                for file in bare.storedFiles() {
                    problems.append((file, "stored file that no catalog row accounts for"))
                }
                report(problems)
                Console.error("custody verify: \(problems.count) problem(s) found")
                throw ExitCode(2)
            }
            Console.error("custody verify: \(path) holds no catalog and no stored file: nothing to verify")
            return
        }
        let context = try await options.open(readOnly ? .readOnly : .write)
        do {
            try await verify(context, readOnly: readOnly)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw DataOptions.fail(error, folder: path)
        }
    }

    private func verify(_ context: Context, readOnly: Bool) async throws {
        let (folder, catalog) = (context.folder, context.catalog)
        let integrity = try await catalog.integrityCheck()
        var problems: [(item: String, problem: String)] = []
        if integrity != "ok" {
            problems.append(("catalog", StoreFailure(code: .damaged, path: folder.catalogPath, detail: "SQLite integrity check: \(integrity)").description))
        }
        // Files deleted under retention are gone on purpose: their tombstones stand for them.
        let all = try await catalog.allEvidence()
        let evidence = all.filter { $0.purgedAt == nil }
        let progress = Progress(total: evidence.count, label: "verified")
        let vault = context.vault
        await OrderedParallel.forEach(count: evidence.count, width: Self.width(vault), work: { index -> String? in
            let record = evidence[index]
            return await Fixity.problem(vault: vault, key: record.storedPath, sha256: record.sha256, size: record.size)
        }) { index, problem in
            if let problem {
                let text = problem == "missing"
                    ? "missing: the catalog lists it but the file is not in the vault (\(vault.location)); restore it from a backup of the vault"
                    : problem
                problems.append((evidence[index].storedPath, text))
            }
            progress.step(bytes: evidence[index].size)
        }
        progress.finish()

        // The vault and the catalog must account for one another.
        let root = folder.root.path + "/"
        let inFlight = try await catalog.pending().map { $0.finalPath.hasPrefix(root) ? String($0.finalPath.dropFirst(root.count)) : $0.finalPath }
        let known = Set(all.map(\.storedPath) + inFlight)
        for file in try await Ingestor.storedKeys(in: vault, folder: folder) where !known.contains(file) {
            problems.append((file, "stored file that no catalog row accounts for: the catalog lost its record (or was replaced); "
                + "restore custody.sqlite from a backup, or catalogue it with `custody recover --from-vault` (audited)"))
        }
        for name in Ingestor.strandedStagingFiles(in: folder) {
            problems.append(("staging/\(name)", "a hand-in was interrupted and left this in staging: the next `custody ingest`, "
                + "`watch` or `serve` finishes it, or puts a moved source back (a copy's source was never removed)"))
        }

        for problem in try await catalog.verifyAuditChain() + (try AuditChainCheck.anchorProblems(context)) {
            problems.append(("audit log", problem + " (restore custody.sqlite from a backup; a rebuilt catalog cannot restore the chain)"))
        }
        for rebuilt in try await catalog.auditEntries().filter({ $0.action == "catalog-rebuilt" }) {
            Console.error("custody verify: note: the catalog was rebuilt by `custody recover` on \(Timestamp.format(rebuilt.at)) "
                + "(audit entry \(rebuilt.id)): the chain of custody before then is not in this catalog")
        }
        report(problems)
        if !readOnly {
            try await catalog.audit(actor: "cli", action: "verified", subject: "vault", detail: .object([
                ("files", .int(Int64(evidence.count))), ("problems", .int(Int64(problems.count))),
            ]))
        }
        if problems.isEmpty {
            Console.error("custody verify: \(evidence.count) stored file(s) and the audit chain are intact")
        } else {
            Console.error("custody verify: \(problems.count) problem(s) found")
            throw ExitCode(2)
        }
    }

    /// Files re-hashed at once: two on this machine's disks (hashing is CPU-bound), eight for
    /// an object store (each stream waits on the network).
    static func width(_ vault: any Vault) -> Int {
        vault.localFile("vault") == nil ? 8 : 2
    }

    private func report(_ problems: [(item: String, problem: String)]) {
        let output = JSONLineWriter()
        for p in problems {
            if json {
                var o = JSONObjectBuilder()
                o.add("item", p.item)
                o.add("problem", p.problem)
                output.write(o.value)
            } else {
                Console.out("\(p.item): \(p.problem)")
            }
        }
    }
}
