import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation

/// `custody recover --from-vault`: the explicit, audited rebuild of a lost or damaged catalog
/// (or of rows missing from one) from the files in the vault. Never done as a side effect.
struct Recover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild a lost or damaged catalog from the vault (explicit and audited).",
        discussion: """
            Use only when custody.sqlite cannot be restored from a backup. Every stored file that has no \
            catalog row is re-hashed, re-probed and catalogued with a receipt of method "recover", dated \
            when the vault file was sealed; a damaged catalog is first set aside as \
            custody.sqlite.damaged-<time>. The receipts, hand-in methods and the audit chain before the \
            loss cannot be rebuilt: when a new catalog is made, the chain anchors in reports/ (which \
            anchor the lost log) are set aside as chain-anchors.before-rebuild-<time>.jsonl, and an audit \
            entry "catalog-rebuilt" records what was rebuilt and from what; `custody verify` names it. \
            Exit status 0 when every stored file is catalogued; 2 when some could not be (each is named).
            """)

    @OptionGroup var options: DataOptions

    @Flag(help: "Catalogue the stored files in vault/ and quarantine/ that have no catalog row.")
    var fromVault = false

    func validate() throws {
        if !fromVault { throw ValidationError("Say what to recover from: --from-vault (the only source so far).") }
    }

    func run() async throws {
        let path = URL(fileURLWithPath: DataFolder.resolve(options.data)).standardizedFileURL.path
        let stamp = Timestamp.format(Date()).replacingOccurrences(of: ":", with: "")
        var previous = "missing"
        var setAside: [String] = []
        let bare = DataFolder(existing: path)
        if bare.hasCatalog {
            do {
                let existing = try Catalog(path: bare.catalogPath)
                let check = try await existing.integrityCheck()
                if check != "ok" { throw StoreFailure(code: .damaged, path: bare.catalogPath, detail: check) }
                previous = "present"
            } catch {
                guard StoreFailure.classify(error, folder: path)?.code == .damaged else { throw DataOptions.fail(error, folder: path) }
                for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: bare.catalogPath + suffix) {
                    let aside = bare.catalogPath + ".damaged-\(stamp)" + suffix
                    try FileManager.default.moveItem(atPath: bare.catalogPath + suffix, toPath: aside)
                    if suffix.isEmpty { setAside.append(aside) }
                }
                previous = "damaged"
                Console.error("custody recover: the damaged catalog is set aside as \(setAside.first ?? "?")")
            }
        }
        var anchorsAside: String? = nil
        if previous != "present", FileManager.default.fileExists(atPath: bare.anchorsFile.path) {
            let aside = bare.reports.appendingPathComponent("chain-anchors.before-rebuild-\(stamp).jsonl")
            try FileManager.default.moveItem(at: bare.anchorsFile, to: aside)
            anchorsAside = aside.path
            Console.error("custody recover: the chain anchors of the lost audit log are set aside as \(aside.path)")
        }

        let context = try await options.open(.recover)
        let ingestor = try context.ingestor(logger: Logs.logger("custody.recover"))
        let report: ReconcileReport
        do {
            report = try await ingestor.recoverFromVault()
        } catch {
            throw DataOptions.fail(error, folder: path)
        }
        var detail = JSONObjectBuilder()
        detail.add("from", "vault")
        detail.add("previous_catalog", previous)
        detail.add("damaged_catalog_set_aside_as", setAside.first)
        detail.add("anchors_set_aside_as", anchorsAside)
        detail.add("catalogued", Int64(report.recatalogued))
        detail.add("not_catalogued", Int64(report.problems.count))
        detail.add("receipts", "method recover, received at = when each vault file was sealed")
        try await context.catalog.audit(actor: "cli", action: "catalog-rebuilt", subject: "catalog", detail: detail.value)
        for problem in report.problems { Console.error("custody recover: \(problem)") }
        Console.error("custody recover: catalogued \(report.recatalogued) stored file(s) from the vault "
            + "(catalog was \(previous)); recorded in the audit log as catalog-rebuilt")
        if !report.problems.isEmpty { throw ExitCode(2) }
        if report.recatalogued > 0 {
            try await context.relink(try context.catalog.officers(ofClips: try context.catalog.allEvidence().map(\.sha256)))
        }
    }
}
