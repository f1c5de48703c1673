import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation

/// `custody verify`: re-hash every stored file and walk the audit chain.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-hash every stored file and check the audit chain against its anchors.",
        discussion: "Exit status 0 when everything is intact; 2 when anything is altered or missing (each item is named).")

    @OptionGroup var options: DataOptions

    @Flag(help: "Print one JSON object per problem (JSON Lines).")
    var json = false

    func run() throws {
        let context = try options.open()
        let (folder, catalog) = (context.folder, context.catalog)
        // Files deleted under retention are gone on purpose: their tombstones stand for them.
        let evidence = try catalog.allEvidence().filter { $0.purgedAt == nil }
        var problems: [(item: String, problem: String)] = []
        let progress = Progress(total: evidence.count, label: "verified")
        OrderedParallel.forEach(count: evidence.count, width: 2, work: { index -> String? in
            let record = evidence[index]
            return Fixity.problem(root: folder.root, storedPath: record.storedPath, sha256: record.sha256, size: record.size)
        }) { index, problem in
            if let problem { problems.append((evidence[index].storedPath, problem)) }
            progress.step(bytes: evidence[index].size)
        }
        progress.finish()
        for problem in try catalog.verifyAuditChain() + (try AuditChainCheck.anchorProblems(context)) {
            problems.append(("audit log", problem))
        }
        let integrity = try catalog.integrityCheck()
        if integrity != "ok" {
            problems.append(("catalog", "SQLite integrity check: \(integrity)"))
        }
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
        try catalog.audit(actor: "cli", action: "verified", subject: "vault", detail: .object([
            ("files", .int(Int64(evidence.count))), ("problems", .int(Int64(problems.count))),
        ]))
        if problems.isEmpty {
            Console.error("custody verify: \(evidence.count) stored file(s) and the audit chain are intact")
        } else {
            Console.error("custody verify: \(problems.count) problem(s) found")
            throw ExitCode(2)
        }
    }
}
