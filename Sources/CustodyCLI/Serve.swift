import ArgumentParser
import CustodyCore
import CustodyServer
import CustodyStore
import Foundation
import Hummingbird

/// `custody serve [--host 127.0.0.1] [--port 8080]`
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the review queue and the JSON API until signalled.")

    @OptionGroup var options: DataOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1 to 65535.") }
    }

    func run() async throws {
        let context = try options.open()
        let added = try context.catalog.refreshQueue()
        var settings = ServerSettings()
        settings.host = host
        settings.port = port
        let server = CustodyServer(folder: context.folder, catalog: context.catalog, config: context.config, settings: settings)
        Console.error("custody serve: \(context.folder.root.path) on http://\(host):\(port)/ (\(added) new queue item(s)); Ctrl-C to stop")
        try await server.application(logger: Logs.logger("custody.serve")).runService()
    }
}

/// `custody user add NAME --role ROLE [--officer ID]`, password read from stdin.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Accounts.", subcommands: [UserAdd.self])
}

struct UserAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Create an account; the password is read from stdin (first line).")

    @OptionGroup var options: DataOptions

    @Argument(help: "The user name.")
    var name: String

    @Option(help: "officer, reviewer, supervisor, auditor or admin.")
    var role: String

    @Option(help: "For officers: their badge number (they see only their own footage).")
    var officer: String?

    func validate() throws {
        guard let role = Role(rawValue: role), role != .station else {
            throw ValidationError("--role must be officer, reviewer, supervisor, auditor or admin.")
        }
        if role == .officer && officer == nil { throw ValidationError("An officer account needs --officer BADGE.") }
        if name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 64 { throw ValidationError("The user name must be 1 to 64 characters.") }
    }

    func run() async throws {
        guard let password = readLine(strippingNewline: true), password.count >= 8 else {
            Console.error("custody user add: give a password of at least 8 characters on stdin, e.g. `echo 'secret pass' | custody user add …`")
            throw ExitCode(1)
        }
        let context = try options.open()
        let hash = await Passwords.hash(password, cost: 12)
        do {
            let user = try context.catalog.addUser(name: name, role: Role(rawValue: role)!, officerID: officer, passwordHash: hash)
            Console.out("added \(user.name) (\(user.role.rawValue)\(officer.map { ", officer \($0)" } ?? ""))")
        } catch let error as Catalog.AccountError {
            Console.error("custody user add: \(error.description)")
            throw ExitCode(1)
        }
    }
}
