import ArgumentParser
import CustodyCore
import CustodyIngest
import Foundation

/// `custody axis connection-file --site NAME --url BASE_URL [--out FILE]` (issue 16).
struct AxisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "axis",
        abstract: "The Axis body-worn system as a source of recordings.",
        subcommands: [AxisConnectionFile.self])
}

struct AxisConnectionFile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connection-file",
        abstract: "Write the connection file an administrator loads into AXIS Body Worn Manager, with new credentials.",
        discussion: """
            Creates (or replaces) the site's upload account — the file holds its only copy of the key, so \
            keep it like a password — and writes the JSON the Axis Body Worn Integration API's \
            "Connection API" describes. The system then uploads each recording to `custody serve` at \
            BASE_URL/axis/ (auth at BASE_URL/axis/auth/v1.0). Users must carry their badge number as \
            the user-supplied ID (StoreUserIDKey) so recordings are attributed.
            """)

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("The site's name, as the Axis manager shows it (at most 64 characters).", valueName: "NAME"))
    var site: String

    @Option(help: ArgumentHelp("Where the Axis system reaches `custody serve`, e.g. https://custody.example:8443.", valueName: "BASE_URL"))
    var url: String

    @Option(help: ArgumentHelp("Write the file here (default: stdout). It is created readable by its owner only.", valueName: "FILE"))
    var out: String?

    func validate() throws {
        if site.trimmingCharacters(in: .whitespaces).isEmpty || site.utf8.count > 64 {
            throw ValidationError("--site must be a name of 1 to 64 bytes.")
        }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), parsed.host != nil else {
            throw ValidationError("--url '\(url)' is not an http(s) address such as https://custody.example:8443.")
        }
    }

    func run() async throws {
        let context = try await options.open()
        let made = try await AxisCredentials.create(
            site: site, baseURL: url, catalog: context.catalog, version: CustodyCommand.configuration.version, actor: "cli")
        if let out {
            let target = URL(fileURLWithPath: out)
            guard FileManager.default.createFile(atPath: target.path, contents: made.file, attributes: [.posixPermissions: 0o600]) else {
                Console.error("custody axis connection-file: cannot write \(out).")
                throw ExitCode(1)
            }
            Console.error("custody axis connection-file: wrote \(out) for account \(made.userName) (any earlier key of this site no longer works)")
        } else {
            FileHandle.standardOutput.write(made.file + Data("\n".utf8))
        }
        if url.lowercased().hasPrefix("http:") {
            Console.error("custody axis connection-file: note: \(url) is plain HTTP; the Axis README recommends HTTPS (a reverse proxy with a certificate) for production.")
        }
    }
}
