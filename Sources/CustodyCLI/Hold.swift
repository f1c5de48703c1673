import ArgumentParser
import CustodyCore
import CustodyStore
import Foundation

/// `custody hold add|release|list`: legal holds and case-evidence marks, which keep footage
/// from retention's deletion for as long as they stand.
struct HoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "Legal holds and case-evidence marks (footage under them is never deleted).",
        subcommands: [HoldAdd.self, HoldRelease.self, HoldList.self])
}

/// Who acts on the command line: `--by`, else the system user.
private func commandLineActor(_ by: String?) -> String { by ?? "cli:\(ProcessInfo.processInfo.userName)" }

struct HoldAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Put a clip, or every clip linked to an incident, on legal hold or mark it as case evidence.")

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("The clip's SHA-256.", valueName: "SHA256"))
    var clip: String?

    @Option(help: ArgumentHelp("An incident: every clip linked to it is held.", valueName: "ID"))
    var incident: String?

    @Flag(help: "Mark as case evidence rather than a legal hold.")
    var caseEvidence = false

    @Option(help: "Why (a case number, a court order, a complaint…).")
    var reason: String

    @Option(help: ArgumentHelp("Who places it (default: the system user).", valueName: "NAME"))
    var by: String?

    func validate() throws {
        guard (clip == nil) != (incident == nil) else { throw ValidationError("Name either --clip SHA256 or --incident ID.") }
        if let clip, clip.count != 64 || !clip.allSatisfy(\.isHexDigit) {
            throw ValidationError("--clip takes a SHA-256: 64 hexadecimal characters.")
        }
    }

    func run() async throws {
        let context = try await options.open()
        do {
            let hold = try await context.catalog.placeHold(
                kind: caseEvidence ? .caseEvidence : .legalHold, clip: clip?.lowercased(), incident: incident, reason: reason, by: commandLineActor(by))
            Console.out("hold \(hold.id): \(hold.kind.rawValue) on \(hold.clipSHA256 ?? "incident \(hold.incidentID!)") (\(hold.reason))")
        } catch let error as Catalog.HoldError {
            Console.error("custody hold add: \(error.description)")
            throw ExitCode(1)
        }
    }
}

struct HoldRelease: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release", abstract: "End a hold; its footage falls back to its other retention classes.")

    @OptionGroup var options: DataOptions

    @Argument(help: "The hold's number (custody hold list).")
    var id: Int64

    @Option(help: "Why it ends.")
    var reason: String

    @Option(help: ArgumentHelp("Who releases it (default: the system user).", valueName: "NAME"))
    var by: String?

    func run() async throws {
        let context = try await options.open()
        do {
            let hold = try await context.catalog.releaseHold(id, reason: reason, by: commandLineActor(by))
            Console.out("hold \(hold.id) released (\(hold.releaseReason ?? ""))")
        } catch let error as Catalog.HoldError {
            Console.error("custody hold release: \(error.description)")
            throw ExitCode(1)
        }
    }
}

struct HoldList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List holds, newest first.")

    @OptionGroup var options: DataOptions

    @Flag(help: "Released holds too.")
    var all = false

    @Flag(help: "Print one JSON object per hold (JSON Lines).")
    var json = false

    func run() async throws {
        let holds = try await options.open().catalog.holds(activeOnly: !all)
        if json {
            let output = JSONLineWriter()
            holds.forEach(output.write)
            return
        }
        if holds.isEmpty { Console.out("no holds") }
        for h in holds {
            var line = "\(h.id)  \(h.kind.rawValue)  \(h.clipSHA256 ?? "incident \(h.incidentID!)")  \(h.reason)  by \(h.placedBy) at \(Timestamp.format(h.placedAt))"
            if let released = h.releasedAt { line += "  released \(Timestamp.format(released)) by \(h.releasedBy ?? "?")" }
            Console.out(line)
        }
    }
}
