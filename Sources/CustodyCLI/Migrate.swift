import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation

// Moving a deployment (issue 12): `custody catalog migrate --to postgres://…` and
// `custody vault migrate --to s3://…`. Each copies, verifies the copy, and only then rewrites
// its section of config.toml; each can be run again after it was cut short, and continues.
// Neither removes anything from the source. Exit status: 0 verified and switched; 2 the copy
// does not verify (nothing switched); 1 it could not be run.

/// `custody catalog …`: where the catalog is.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Move the catalog to another database.",
        subcommands: [CatalogMigrate.self])
}

/// `custody vault …`: where the stored files are.
struct VaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Move the stored files to another store.",
        subcommands: [VaultMigrate.self])
}

struct CatalogMigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy the catalog into a PostgreSQL database, verify the copy, then switch config.toml to it.",
        discussion: """
            Stop `custody serve` and `custody watch` (on every node sharing the catalog) first: the catalog must not \
            change while it is copied, and the copy fails verification if it did. The target database is created or \
            migrated to this build's schema; every table is copied in key order, keeping every id, a page at a time, \
            with progress on stderr. Run it again after an interruption: it continues where the copy stopped. A target \
            that holds another catalog is refused. Verification compares every row of every table and walks the audit \
            chain on the target; only then is [catalog] in config.toml rewritten (url, password_file), the rest of the \
            file kept. The old catalog is left as it was. The password comes from --password-file or \
            CUSTODY_CATALOG_PASSWORD, never the command line. --to sqlite: moves a PostgreSQL catalog back into this \
            data folder's custody.sqlite. Exit status 0 when verified and switched, 2 when the copy does not verify, \
            1 when it could not be run.
            """)

    @OptionGroup var options: DataOptions

    @Option(name: .customLong("to"), help: ArgumentHelp("postgres://USER@HOST:PORT/DB (no password in it), or sqlite: for this data folder's file.", valueName: "URL"))
    var target: String

    @Option(help: ArgumentHelp("File holding the target database's password (else CUSTODY_CATALOG_PASSWORD).", valueName: "PATH"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("Rows per page and per transaction.", visibility: .hidden))
    var pageSize = 500

    func validate() throws {
        guard pageSize > 0 else { throw ValidationError("--page-size must be at least 1.") }
    }

    func run() async throws {
        let context = try await options.open()
        let source = context.catalog
        let (destination, settings) = try await openTarget(context)
        var migration = CatalogMigration(from: source, to: destination)
        migration.pageSize = pageSize
        // Tests stand in for a kill with this: the run stops after that many rows.
        migration.stopAfterRows = ProcessInfo.processInfo.environment["CUSTODY_MIGRATE_STOP_AFTER"].flatMap { Int($0) }
        Console.error("custody catalog migrate: copying \(source.location) into \(destination.location) (serve and watch must be stopped)")
        let started = Date()
        let show: @Sendable (CatalogMigration.Step) -> Void = { step in
            guard step.total > 0 else { return }
            let verb = step.phase == .copy ? "copied" : "verified"
            Console.error("custody catalog migrate: \(step.table): \(step.done)/\(step.total) row(s) \(verb)\(step.finished ? "" : " …")")
        }
        let verification: CatalogMigration.Verification
        do {
            try await migration.copy(progress: show)
            verification = try await migration.verify(progress: show)
        } catch let failure as CatalogMigration.Failure {
            try? await destination.close()
            try? await source.close()
            Console.error("custody catalog migrate: \(failure.message)")
            if failure.code == .interrupted { Console.error("custody catalog migrate: run it again to continue") }
            throw ExitCode(1)
        } catch {
            try? await destination.close()
            try? await source.close()
            Console.error("custody catalog migrate: \(error)")
            Console.error("custody catalog migrate: nothing was switched; run it again to continue")
            throw ExitCode(1)
        }
        try? await destination.close()
        try? await source.close()
        for count in verification.counts {
            Console.out("\(count.table)\t\(count.source)\t\(count.target)")
        }
        guard verification.verified else {
            for problem in verification.problems { Console.error("custody catalog migrate: \(problem)") }
            Console.error("custody catalog migrate: the copy does not verify (\(verification.problems.count) problem(s)); config.toml still names \(source.location). If serve or watch ran meanwhile, stop them and run it again.")
            throw ExitCode(2)
        }
        do {
            try ConfigFile.switchSection(path: context.folder.configPath, section: "catalog", settings)
        } catch {
            Console.error("custody catalog migrate: the copy is verified, but \(error.description)")
            throw ExitCode(1)
        }
        let rows = verification.counts.reduce(0) { $0 + $1.target }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        Console.error("custody catalog migrate: verified \(rows) row(s) in \(verification.counts.count) tables and the audit chain in \(seconds) s; config.toml now names \(destination.location)")
        if destination.dialect == .postgres, passwordFile == nil {
            Console.error("custody catalog migrate: the password is not in config.toml: keep CUSTODY_CATALOG_PASSWORD set for every custody command (e.g. in /etc/custody/custody.env)")
        }
        Console.error("custody catalog migrate: the old catalog \(source.location) is left as it was")
    }

    /// The target catalog, and what [catalog] in config.toml says once it is verified.
    private func openTarget(_ context: Context) async throws -> (Catalog, [(key: String, value: String?)]) {
        if target.hasPrefix("postgres://") || target.hasPrefix("postgresql://") {
            let password: String?
            var file: String?
            if let passwordFile {
                let url = URL(fileURLWithPath: passwordFile).standardizedFileURL
                guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                    Console.error("custody catalog migrate: --password-file \(url.path) cannot be read")
                    throw ExitCode(1)
                }
                password = text.trimmingCharacters(in: .whitespacesAndNewlines)
                file = url.path
            } else {
                password = ProcessInfo.processInfo.environment["CUSTODY_CATALOG_PASSWORD"]
            }
            do {
                let catalog = try await Catalog(postgres: target, password: password)
                return (catalog, [("url", target), ("password_file", file)])
            } catch {
                Console.error("custody catalog migrate: cannot open the target: \(error)")
                throw ExitCode(1)
            }
        }
        // Back into this data folder's SQLite file: config.toml cannot name any other.
        let path = target.hasPrefix("sqlite:") ? String(target.dropFirst("sqlite:".count)) : target
        let resolved = path.isEmpty ? context.folder.catalogPath : URL(fileURLWithPath: path).standardizedFileURL.path
        guard resolved == context.folder.catalogPath else {
            Console.error("custody catalog migrate: --to must be postgres://USER@HOST:PORT/DB, or sqlite: for \(context.folder.catalogPath) (config.toml names no other SQLite file)")
            throw ExitCode(1)
        }
        guard context.catalog.dialect == .postgres else {
            Console.error("custody catalog migrate: the catalog already is \(context.folder.catalogPath)")
            throw ExitCode(1)
        }
        do {
            return (try Catalog(path: resolved), [("url", nil), ("password_file", nil)])
        } catch {
            Console.error("custody catalog migrate: cannot open \(resolved): \(error)")
            throw ExitCode(1)
        }
    }
}

struct VaultMigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy every stored file into an S3 bucket, verify each one's size and SHA-256 there, then switch config.toml to it.",
        discussion: """
            Copies every stored file the catalog knows (vault and quarantine), and anything else under vault/ and \
            quarantine/ in the current store (quarantine notes), into the target, with progress on stderr. Objects \
            already there with the right size are skipped, so a run cut short continues when run again. Then every \
            object is read back from the target and checked: its size, and its SHA-256 against the catalog's (for files \
            the catalog does not know, against the current store's). Only then is [vault] in config.toml rewritten; \
            nothing is removed from the current store. The secret key comes from --secret-key-file or \
            CUSTODY_VAULT_SECRET_KEY. A local folder as --to must be this data folder (moving an S3 vault back). \
            Exit status 0 when verified and switched, 2 when anything does not verify, 1 when it could not be run.
            """)

    @OptionGroup var options: DataOptions

    @Option(name: .customLong("to"), help: ArgumentHelp("s3://BUCKET/PREFIX, or this data folder's path.", valueName: "URL"))
    var target: String

    @Option(help: ArgumentHelp("The S3 endpoint, such as https://s3.example:443.", valueName: "URL"))
    var endpoint: String?

    @Option(help: "The S3 region.")
    var region = "us-east-1"

    @Option(help: ArgumentHelp("The S3 access key.", valueName: "KEY"))
    var accessKey: String?

    @Option(help: ArgumentHelp("File holding the S3 secret key (else CUSTODY_VAULT_SECRET_KEY).", valueName: "PATH"))
    var secretKeyFile: String?

    func run() async throws {
        let context = try await options.open()
        defer { Task { [catalog = context.catalog] in try? await catalog.close() } }
        let source = context.vault
        let (destination, settings) = try await openTarget(context)
        // Run again after it switched: nothing to copy, but the vault is still checked.
        let already = destination.location == source.location
        Console.error(already
            ? "custody vault migrate: the vault already is \(source.location): verifying it"
            : "custody vault migrate: copying \(source.location) into \(destination.location)")
        let started = Date()
        var mover = VaultMover(source: source, target: destination, catalog: context.catalog, staging: context.folder.staging)
        do {
            if !already { try await mover.copy() }
            try await mover.verify()
        } catch {
            Console.error("custody vault migrate: \(error)")
            Console.error("custody vault migrate: nothing was switched; run it again to continue")
            throw ExitCode(1)
        }
        guard mover.problems.isEmpty else {
            for problem in mover.problems.prefix(50) { Console.error("custody vault migrate: \(problem)") }
            if mover.problems.count > 50 { Console.error("custody vault migrate: … and \(mover.problems.count - 50) more") }
            Console.error("custody vault migrate: \(mover.problems.count) object(s) do not verify; config.toml still names \(source.location)")
            throw ExitCode(2)
        }
        if already {
            Console.out("objects\t\(mover.verified)\tbytes\t\(mover.verifiedBytes)\tcopied\t0")
            Console.error("custody vault migrate: verified \(mover.verified) object(s), \(mover.verifiedBytes) bytes; config.toml already names it")
            return
        }
        do {
            try ConfigFile.switchSection(path: context.folder.configPath, section: "vault", settings)
        } catch {
            Console.error("custody vault migrate: the copy is verified, but \(error.description)")
            throw ExitCode(1)
        }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        Console.out("objects\t\(mover.verified)\tbytes\t\(mover.verifiedBytes)\tcopied\t\(mover.copied)")
        Console.error("custody vault migrate: verified \(mover.verified) object(s), \(mover.verifiedBytes) bytes, in \(seconds) s; config.toml now names \(destination.location)")
        if settings.contains(where: { $0.key == "url" && $0.value != nil }), secretKeyFile == nil {
            Console.error("custody vault migrate: the secret key is not in config.toml: keep CUSTODY_VAULT_SECRET_KEY set for every custody command")
        }
        Console.error("custody vault migrate: nothing was removed from \(source.location)")
    }

    /// The target store, and what [vault] in config.toml says once it is verified.
    private func openTarget(_ context: Context) async throws -> (any Vault, [(key: String, value: String?)]) {
        if target.hasPrefix("s3://") {
            guard let endpoint, let url = URL(string: endpoint), url.scheme != nil else {
                Console.error("custody vault migrate: an S3 target needs --endpoint URL (such as http://127.0.0.1:8080)")
                throw ExitCode(1)
            }
            guard let accessKey else {
                Console.error("custody vault migrate: an S3 target needs --access-key")
                throw ExitCode(1)
            }
            let secret: String
            var file: String?
            if let secretKeyFile {
                let path = URL(fileURLWithPath: secretKeyFile).standardizedFileURL
                guard let text = try? String(contentsOf: path, encoding: .utf8) else {
                    Console.error("custody vault migrate: --secret-key-file \(path.path) cannot be read")
                    throw ExitCode(1)
                }
                secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
                file = path.path
            } else if let key = ProcessInfo.processInfo.environment["CUSTODY_VAULT_SECRET_KEY"] {
                secret = key
            } else {
                Console.error("custody vault migrate: an S3 target needs --secret-key-file or CUSTODY_VAULT_SECRET_KEY")
                throw ExitCode(1)
            }
            do {
                let vault = S3Vault(try S3VaultConfiguration.parse(url: target, endpoint: url, region: region, accessKey: accessKey, secretKey: secret))
                try await vault.createBucketIfMissing()
                return (vault, [("url", target), ("endpoint", endpoint), ("region", region), ("access_key", accessKey), ("secret_key_file", file)])
            } catch {
                Console.error("custody vault migrate: \(error)")
                throw ExitCode(1)
            }
        }
        // Back into this data folder: config.toml names no other folder.
        let resolved = URL(fileURLWithPath: target).standardizedFileURL.path
        guard resolved == context.folder.root.path else {
            Console.error("custody vault migrate: --to must be s3://BUCKET/PREFIX, or this data folder (\(context.folder.root.path)): config.toml names no other folder")
            throw ExitCode(1)
        }
        return (LocalVault(root: context.folder.root), ["url", "endpoint", "region", "access_key", "secret_key_file"].map { ($0, nil) })
    }
}

/// Copies and checks one store's objects into another, object by object (one file at a time on
/// disk, none in memory), counting and reporting progress on stderr.
struct VaultMover {
    let source: any Vault
    let target: any Vault
    let catalog: Catalog
    let staging: URL

    /// What does not verify, one line each.
    private(set) var problems: [String] = []
    private(set) var copied = 0
    private(set) var verified = 0
    private(set) var verifiedBytes: Int64 = 0
    /// Objects under vault/ and quarantine/ that no evidence row names (quarantine notes and
    /// the like): their digest is the source's.
    private var others: [StoredObject] = []

    init(source: any Vault, target: any Vault, catalog: Catalog, staging: URL) {
        self.source = source
        self.target = target
        self.catalog = catalog
        self.staging = staging
    }

    /// Objects and bytes done of a total, with the rate, about once a second.
    final class Meter {
        let phase: String
        let objects: Int
        let bytes: Int64
        var doneObjects = 0
        var doneBytes: Int64 = 0
        let started = Date()
        var shown = Date()

        init(_ phase: String, objects: Int, bytes: Int64) {
            self.phase = phase
            self.objects = objects
            self.bytes = bytes
        }

        func add(bytes: Int64) {
            doneBytes += bytes
            if Date().timeIntervalSince(shown) >= 1 { show() }
        }

        func object() {
            doneObjects += 1
            if Date().timeIntervalSince(shown) >= 1 { show() }
        }

        func show(final: Bool = false) {
            shown = Date()
            let seconds = max(Date().timeIntervalSince(started), 0.001)
            let rate = String(format: "%.1f MB/s", Double(doneBytes) / 1_000_000 / seconds)
            Console.error("custody vault migrate: \(phase) \(doneObjects)/\(objects) object(s), \(mb(doneBytes))/\(mb(bytes)) MB, \(rate)\(final ? "" : " …")")
        }

        private func mb(_ b: Int64) -> String { String(format: "%.1f", Double(b) / 1_000_000) }
    }

    mutating func copy() async throws {
        others = try await otherObjects()
        let totals = try await catalog.storedObjectTotals()
        let meter = Meter("copied", objects: totals.count + others.count, bytes: totals.bytes + others.reduce(0) { $0 + $1.size })
        var after: String?
        while true {
            let page = try await catalog.storedObjects(after: after, limit: 500)
            guard let last = page.last else { break }
            for object in page { try await copy(object, meter) }
            after = last.sha256
        }
        for object in others { try await copy(object, meter) }
        meter.show(final: true)
    }

    /// Every object under vault/ and quarantine/ of the source that no evidence row names,
    /// with the SHA-256 the source hands back.
    private mutating func otherObjects() async throws -> [StoredObject] {
        var found: [StoredObject] = []
        for prefix in ["vault/", "quarantine/"] {
            var after: String?
            while true {
                let page = try await source.list(prefix: prefix, after: after, limit: 1000)
                guard let last = page.last else { break }
                let known = try await catalog.catalogued(keys: page.map(\.key))
                for entry in page where !known.contains(entry.key) {
                    do {
                        let digest = try await source.digest(of: entry.key)
                        found.append(StoredObject(key: entry.key, sha256: digest.sha256, size: digest.size))
                    } catch {
                        problems.append("\(entry.key): cannot be read from \(source.location): \(error)")
                    }
                }
                guard page.count == 1000 else { break }
                after = last.key
            }
        }
        return found
    }

    /// Puts one object into the target, unless an object of its size is already there (a run
    /// before this one stored it; verification reads it back either way).
    private mutating func copy(_ object: StoredObject, _ meter: Meter) async throws {
        defer { meter.object() }
        do {
            if let existing = try await target.size(of: object.key) {
                if existing != object.size {
                    problems.append("\(object.key): \(target.location) already holds \(existing) bytes there, not \(object.size); it was left as it is")
                }
                meter.add(bytes: object.size)
                return
            }
            if let file = source.localFile(object.key), !(target is LocalVault) {
                _ = try await target.put(file: file, key: object.key, sha256: object.sha256, size: object.size)
            } else {
                // A remote source (or a folder target, which would hard-link the file itself):
                // through a temporary file in staging, removed afterwards.
                try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
                let temporary = staging.appendingPathComponent(".migrate-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: temporary) }
                guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
                      let handle = FileHandle(forWritingAtPath: temporary.path) else {
                    throw VaultError(.io, key: object.key, "\(temporary.path) cannot be created")
                }
                do {
                    try await source.stream(object.key, chunkSize: 1 << 20) { chunk in try handle.write(contentsOf: chunk) }
                    try handle.synchronize()
                    try handle.close()
                } catch {
                    try? handle.close()
                    throw error
                }
                _ = try await target.put(file: temporary, key: object.key, sha256: object.sha256, size: object.size)
            }
            copied += 1
            meter.add(bytes: object.size)
        } catch let error as VaultError where error.code != .unavailable && error.code != .denied && error.code != .full {
            // This object's fault (missing, altered, conflicting): name it, go on with the rest.
            problems.append("\(object.key): \(error.message)")
        }
    }

    /// Reads every object back from the target: size and SHA-256.
    mutating func verify() async throws {
        let totals = try await catalog.storedObjectTotals()
        let meter = Meter("verified", objects: totals.count + others.count, bytes: totals.bytes + others.reduce(0) { $0 + $1.size })
        var after: String?
        while true {
            let page = try await catalog.storedObjects(after: after, limit: 500)
            guard let last = page.last else { break }
            for object in page { try await verify(object, meter) }
            after = last.sha256
        }
        for object in others { try await verify(object, meter) }
        meter.show(final: true)
    }

    private mutating func verify(_ object: StoredObject, _ meter: Meter) async throws {
        defer { meter.object() }
        do {
            guard let size = try await target.size(of: object.key) else {
                problems.append("\(object.key): missing from \(target.location)")
                return
            }
            guard size == object.size else {
                problems.append("\(object.key): \(size) bytes in \(target.location), not \(object.size)")
                return
            }
            let digest = try await target.digest(of: object.key) { meter.add(bytes: Int64($0)) }
            guard digest.sha256 == object.sha256, digest.size == object.size else {
                problems.append("\(object.key): reads back from \(target.location) with SHA-256 \(digest.sha256), not \(object.sha256)")
                return
            }
            verified += 1
            verifiedBytes += size
        } catch let error as VaultError where error.code == .notFound {
            problems.append("\(object.key): missing from \(target.location)")
        }
    }
}
