import ArgumentParser
import CustodyCore
import CustodyServer
import CustodyStore
import Foundation

/// `custody token add --station NAME` / `custody token revoke --station NAME`: upload-only
/// tokens for docking stations (they cannot sign in, read or review anything).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Upload-only tokens for docking stations.", subcommands: [TokenAdd.self, TokenRevoke.self])
}

struct StationName: ParsableArguments {
    @Option(help: "The docking station's name (its account is made on first use).")
    var station: String

    func validate() throws {
        let name = station.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 64, name == station else {
            throw ValidationError("--station must be 1 to 64 characters without leading or trailing spaces.")
        }
    }
}

struct TokenAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Issue an upload-only token for a docking station and print it (shown once).",
        discussion: "The station sends it as `Authorization: Bearer <token>` to /api/uploads and may name the officer and device in Upload-Metadata.")

    @OptionGroup var options: DataOptions
    @OptionGroup var name: StationName

    @Option(help: "Days until the token expires (default: never; revoke with `custody token revoke`).")
    var expiresDays: Int?

    func validate() throws {
        if let expiresDays, expiresDays < 1 { throw ValidationError("--expires-days must be at least 1.") }
    }

    func run() async throws {
        let context = try await options.open()
        // A random password nobody knows: the account exists only to own tokens.
        let unusable = await Passwords.hash(UUID().uuidString + UUID().uuidString, cost: 4)
        do {
            let user = try await context.catalog.stationUser(name: name.station, unusablePasswordHash: unusable)
            let token = try await context.catalog.issueStationToken(
                for: user, lifetime: expiresDays.map { Double($0) * 86400 }, actor: "cli")
            Console.out(token)
            Console.error("custody token add: upload-only token for station \(user.name)\(expiresDays.map { ", valid \($0) day(s)" } ?? ""); it is not shown again")
        } catch let error as Catalog.AccountError {
            Console.error("custody token add: \(error.description)")
            throw ExitCode(1)
        }
    }
}

struct TokenRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke every token of a docking station.")

    @OptionGroup var options: DataOptions
    @OptionGroup var name: StationName

    func run() async throws {
        let context = try await options.open()
        guard let (user, _) = try await context.catalog.credentials(name: name.station), user.role == .station else {
            Console.error("custody token revoke: there is no docking station named '\(name.station)'")
            throw ExitCode(1)
        }
        let n = try await context.catalog.revokeTokens(userID: user.id, name: user.name, actor: "cli")
        Console.out("revoked \(n) token(s) of station \(user.name)")
    }
}
