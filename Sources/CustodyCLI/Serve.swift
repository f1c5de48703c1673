import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyServer
import CustodyStore
import Foundation
import ServiceLifecycle

/// `custody serve [--host 127.0.0.1] [--port 8080]`
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the review queue and the JSON API until signalled.")

    @OptionGroup var options: DataOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(help: ArgumentHelp("Close a connection silent this long, even mid-request (a stalled upload is then resumable).", valueName: "SECONDS"))
    var idleTimeout: Int64 = 60

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1 to 65535.") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second.") }
    }

    func run() async throws {
        let context = try await options.open()
        try await Reconcile.atStartUp(try context.ingestor(logger: Logs.logger("custody.serve")))
        var settings = ServerSettings()
        settings.host = host
        settings.port = port
        settings.idleTimeoutSeconds = idleTimeout
        let server = CustodyServer(folder: context.folder, catalog: context.catalog, config: context.config, settings: settings, vault: context.vault)
        let maintenance = MaintenanceService(catalog: context.catalog, uploads: server.uploads, policy: context.config.policy, every: 300)
        let analysis = context.analysisService(logger: Logs.logger("custody.serve"))
        Console.error("custody serve: \(context.folder.root.path) on http://\(host):\(port)/; Ctrl-C to stop")
        try await server.run(logger: Logs.logger("custody.serve"), services: [maintenance, analysis])
    }
}

/// `custody user add NAME --role ROLE [--officer ID]`, password read from stdin.
struct UserCommand: AsyncParsableCommand {
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
        let context = try await options.open()
        let hash = await Passwords.hash(password, cost: 12)
        do {
            let user = try await context.catalog.addUser(name: name, role: Role(rawValue: role)!, officerID: officer, passwordHash: hash)
            Console.out("added \(user.name) (\(user.role.rawValue)\(officer.map { ", officer \($0)" } ?? ""))")
        } catch let error as Catalog.AccountError {
            Console.error("custody user add: \(error.description)")
            throw ExitCode(1)
        }
    }
}

/// `custody demo`: a throw-away data folder with the samples ingested, check-outs and dispatch
/// imported and linked, one demo account per role, then `serve`.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the bundled samples from a throw-away data folder, with demo accounts.")

    @Option(help: ArgumentHelp("Data folder to fill (default: a new temporary folder).", valueName: "DIR"))
    var data: String?

    @Option(help: ArgumentHelp("The samples folder (footage/, dispatch.csv, devices.csv).", valueName: "DIR"))
    var samples = "samples"

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    static let accounts: [(String, Role, String?)] = [
        ("reviewer", .reviewer, nil), ("reviewer2", .reviewer, nil), ("supervisor", .supervisor, nil),
        ("auditor", .auditor, nil), ("admin", .admin, nil), ("officer", .officer, "012345"),
    ]

    func run() async throws {
        let samplesURL = URL(fileURLWithPath: samples)
        guard FileManager.default.fileExists(atPath: samplesURL.appendingPathComponent("footage").path) else {
            Console.error("custody demo: no samples at \(samples)/footage: run it from the project folder or pass --samples DIR")
            throw ExitCode(1)
        }
        let path = data ?? FileManager.default.temporaryDirectory.appendingPathComponent("custody-demo-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let config = URL(fileURLWithPath: path).appendingPathComponent("config.toml")
        if !FileManager.default.fileExists(atPath: config.path) {
            try Data("# custody demo: the samples run on Beijing time\ntime_zone = \"Asia/Shanghai\"\n".utf8).write(to: config)
        }
        var options = try DataOptions.parse(["--data", path])
        options.tz = nil
        let context = try await options.open()
        Console.error("custody demo: data folder \(path)")

        // The pipeline, as an operator would run it.
        let ingestor = try context.ingestor(logger: Logs.logger("custody.demo"))
        let received = Timestamp.parse("2024-02-14T12:00:00Z", zone: context.zone)
        let files = SourceWalker.expand([RawPath(samplesURL.appendingPathComponent("footage").path)]).files
        var results: [IngestResult] = []
        for file in files {
            results.append(await ingestor.ingest(IngestRequest(source: file, receivedAt: received, method: "ingest", handedInBy: "demo")))
        }
        Console.error("custody demo: ingested \(results.filter { $0.status == .ingested }.count), quarantined \(results.filter { $0.status == .quarantined }.count)")
        _ = await DeviceImport.run(path: samplesURL.appendingPathComponent("devices.csv").path, catalog: context.catalog, zone: context.zone)
        let (report, _) = await DispatchImport.run(path: samplesURL.appendingPathComponent("dispatch.csv").path, catalog: context.catalog, zone: context.zone)
        Console.error(report.human)
        // The import page offers the mapping files in DATA/mappings: the bundled ones.
        let mappings = context.folder.root.appendingPathComponent("mappings")
        try? FileManager.default.createDirectory(at: mappings, withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: samplesURL.appendingPathComponent("mappings").path)) ?? []
        where name.hasSuffix(".json") && !name.contains("expected") {
            try? FileManager.default.copyItem(at: samplesURL.appendingPathComponent("mappings").appendingPathComponent(name), to: mappings.appendingPathComponent(name))
        }
        // What the cameras saw (issue 14): the samples are small, so in the foreground.
        let analysed = try await ContentAnalysis.work(
            catalog: context.catalog, vault: context.vault, policy: context.config.policy.content, node: context.config.node.id,
            scratch: context.folder.staging)
        Console.error("custody demo: analysed \(analysed.analyzed) clip(s): \(analysed.stretches) obscured, frozen or muted stretch(es)")
        try await context.catalog.relink(officers: nil, policy: context.config.policy, actor: "demo")
        // A larger sample share than production's 5 %, so the eight clean calls show a few.
        try await context.catalog.refreshQueue(handling: context.config.policy.handling, sampleShare: 0.25, seed: "demo")
        // The nightly audit for the samples' day and for the Sunday that closes their week, so the
        // report page and DATA/reports have a daily and a weekly report to show.
        for day in ["2024-02-14", "2024-02-18"] {
            var audit = NightlyAudit(context: context, day: CalendarDay(day)!)
            audit.actor = "demo"
            audit.announce = { _ in }
            let outcome = try await audit.run()
            Console.error("custody demo: " + NightlyAudit.summaryLine(CalendarDay(day)!, zone: context.zone, outcome))
        }

        Console.out("Demo accounts (user / password):")
        for (name, role, officer) in Self.accounts where await (try? context.catalog.credentials(name: name)) == nil {
            let password = "\(name)-demo"
            let hash = await Passwords.hash(password, cost: 10)
            _ = try await context.catalog.addUser(name: name, role: role, officerID: officer, passwordHash: hash)
            Console.out("  \(name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(password.padding(toLength: 16, withPad: " ", startingAt: 0)) \(role.rawValue)\(officer.map { " (badge \($0))" } ?? "")")
        }
        let station = try await context.catalog.stationUser(name: "dock-demo", unusablePasswordHash: await Passwords.hash(UUID().uuidString, cost: 4))
        let stationToken = try await context.catalog.issueStationToken(for: station, lifetime: nil, actor: "demo")
        Console.out("Docking-station upload token (tus at /api/uploads; sign in as officer for My footage):\n  \(stationToken)")
        Console.out("Open http://\(host):\(port)/ and sign in; the JSON API is under /api (docs/API.md).")

        var settings = ServerSettings()
        settings.host = host
        settings.port = port
        settings.demoMode = true
        let server = CustodyServer(folder: context.folder, catalog: context.catalog, config: context.config, settings: settings, vault: context.vault)
        let maintenance = MaintenanceService(catalog: context.catalog, uploads: server.uploads, policy: context.config.policy, every: 300)
        let analysis = context.analysisService(logger: Logs.logger("custody.demo"))
        try await server.run(logger: Logs.logger("custody.demo"), services: [maintenance, analysis])
    }
}

/// Brings the whole review queue up to date, at start and then every `every` seconds, so that
/// imports made while the server runs (or a full `custody link`) reach reviewers without
/// slowing start-up or requests. The same round finishes uploads a crash left complete but not
/// stored, and removes stale unfinished ones. A `Service` in the server's `ServiceGroup`: it
/// stops with the server (a round under way is finished first).
struct MaintenanceService: Service {
    let catalog: Catalog
    let uploads: UploadSpool
    let policy: Policy
    let every: Double

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            await round()
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(nanoseconds: UInt64(every * 1_000_000_000))
            }
        }
    }

    func round() async {
        let resumed = await uploads.resumeComplete()
        if resumed > 0 { Console.error("custody serve: stored \(resumed) upload(s) completed before a restart") }
        let expired = await uploads.expireStale()
        if expired > 0 { Console.error("custody serve: removed \(expired) unfinished upload(s) past their expiry") }
        do {
            // Hand-ins queued while a relink ran, when that relink did not take them.
            let relinked = try await catalog.relinkWanted(policy: policy, actor: "serve")
            if !relinked.isEmpty { Console.error("custody serve: relinked \(relinked.count) officer(s) queued by hand-ins during a relink") }
        } catch {
            Console.error("custody serve: queued relink failed: \(error)")
        }
        do {
            let added = try await catalog.refreshQueue(handling: policy.handling)
            if added > 0 { Console.error("custody serve: \(added) new queue item(s)") }
        } catch {
            Console.error("custody serve: queue refresh failed: \(error)")
        }
    }
}
