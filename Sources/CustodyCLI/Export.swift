import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation

/// `custody export --incident ID… --clip SHA… --reason TEXT --out DIR` (issue 17).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a signed disclosure package of incidents and clips that anyone can check with sha256sum and openssl.",
        discussion: """
            The package holds the originals (byte-identical), manifest.json, SHA256SUMS, their Ed25519 \
            signatures, the public key, a summary in Chinese and English and VERIFY.md. It is written \
            to DIR.partial and renamed to DIR when complete; exit status 0 then. Audited as `exported`.
            """)

    @OptionGroup var options: DataOptions

    @Option(name: .customLong("incident"), help: ArgumentHelp("An incident to export with every clip linked to it (repeatable).", valueName: "ID"))
    var incidents: [String] = []

    @Option(name: .customLong("clip"), help: ArgumentHelp("A clip to export by its SHA-256 (repeatable).", valueName: "SHA"))
    var clips: [String] = []

    @Option(help: ArgumentHelp("Why the footage leaves the department (required; audited).", valueName: "TEXT"))
    var reason: String

    @Option(help: ArgumentHelp("The package folder to create (must not exist).", valueName: "DIR"))
    var out: String

    func validate() throws {
        if incidents.isEmpty && clips.isEmpty { throw ValidationError("Name at least one --incident or --clip to export.") }
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--reason must say why the footage is disclosed.") }
        if out.lowercased().hasSuffix(".zip") {
            throw ValidationError("--out FILE.zip is not supported yet: give a folder (zip it afterwards; SHA256SUMS still checks it).")
        }
        if let bad = clips.first(where: { $0.count != 64 || !$0.allSatisfy(\.isHexDigit) }) {
            throw ValidationError("--clip '\(bad)' is not a SHA-256 (64 hex digits).")
        }
    }

    func run() async throws {
        let context = try await options.open()
        let request = EvidenceExport.Request(
            incidents: incidents, clips: clips.map { $0.lowercased() }, reason: reason, out: URL(fileURLWithPath: out).standardizedFileURL,
            actor: "cli:\(ProcessInfo.processInfo.environment["USER"] ?? NSUserName())", version: CustodyCommand.configuration.version,
            zone: context.zone)
        do {
            let done = try await EvidenceExport.run(request, catalog: context.catalog, vault: context.vault, folder: context.folder) { line in
                Console.error("custody export: \(line)")
            }
            Console.out("exported \(done.files) file(s), \(done.bytes) bytes, to \(done.folder.path); package SHA-256 \(done.packageSHA256)")
            if !done.purged.isEmpty {
                Console.out("not exported, purged under retention (their tombstones are in the manifest): \(done.purged.joined(separator: ", "))")
            }
        } catch let failure as EvidenceExport.Failure {
            Console.error("custody export: \(failure.description)")
            throw ExitCode(1)
        }
    }
}
