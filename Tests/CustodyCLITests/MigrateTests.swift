import CustodyCore
import CustodyIngest
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// `custody catalog migrate` and `custody vault migrate`, run as the built executable against
/// the test PostgreSQL cluster (`tools/postgres`, CUSTODY_PG_URL) and the Swift object store
/// (`tools/objectstore`, CUSTODY_S3_*). Outside CI, without them, the tests do nothing; in CI a
/// missing server is a failure.
@Suite struct MigrateTests {
    static let custody = TestEnvironment.custodyBinary

    struct Server {
        var url: String
        var passwordFile: String
        var password: String
    }

    static func postgres() throws -> Server? {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["CUSTODY_PG_URL"], let file = env["CUSTODY_PG_PASSWORD_FILE"] else {
            if env["CI"] != nil { Issue.record("CUSTODY_PG_URL is not set: tools/test starts the PostgreSQL cluster") }
            return nil
        }
        let password = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return Server(url: url, passwordFile: file, password: password)
    }

    struct Store {
        var endpoint: String
        var accessKey: String
        var secretKey: String
        var region: String
    }

    static func objectStore() -> Store? {
        let env = ProcessInfo.processInfo.environment
        guard let endpoint = env["CUSTODY_S3_ENDPOINT"], let access = env["CUSTODY_S3_ACCESS_KEY"], let secret = env["CUSTODY_S3_SECRET_KEY"] else {
            if env["CI"] != nil { Issue.record("CUSTODY_S3_ENDPOINT is not set: .ci/run starts the object store") }
            return nil
        }
        return Store(endpoint: endpoint, accessKey: access, secretKey: secret, region: env["CUSTODY_S3_REGION"] ?? "us-east-1")
    }

    /// A week of clips, calls, findings, queue items and verdicts (the audit report's
    /// fixture), plus an account with a token and a legal hold: every kind of row.
    static func richCatalog(_ label: String) async throws -> AuditFixture {
        let fx = try await AuditReportTests.fixtureWeek(label)
        let user = try await fx.catalog.addUser(name: "rita", role: .reviewer, officerID: nil, passwordHash: "unusable")
        _ = try await fx.catalog.issueToken(for: user, kind: "api", lifetime: 3600)
        let clip = try #require(try await fx.catalog.allEvidence().first?.sha256)
        _ = try await fx.catalog.placeHold(kind: .legalHold, clip: clip, incident: nil, reason: "complaint 2024-017", by: "sam")
        return fx
    }

    /// What a few read paths answer: the evidence list, the whole queue, the audit log.
    struct Answers: Equatable {
        var evidence: [EvidenceRecord]
        var queue: [ReviewItem]
        var queueTotal: Int
        var audit: [AuditEntry]
        var holds: [Hold]
    }

    static func answers(_ catalog: Catalog) async throws -> Answers {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let queue = try await catalog.queue(state: nil, limit: 1000, offset: 0, now: now)
        return Answers(
            evidence: try await catalog.allEvidence().sorted { $0.sha256 < $1.sha256 }, queue: queue.items, queueTotal: queue.total,
            audit: try await catalog.auditEntries(), holds: try await catalog.holds())
    }

    static func config(_ fx: AuditFixture) throws -> CustodyConfiguration {
        try ConfigFile.parse(try String(contentsOfFile: fx.folder.configPath, encoding: .utf8))
    }

    static func migrateCatalog(_ fx: AuditFixture, to url: String, _ server: Server, extra: [String] = [], environment: [String: String]? = nil) throws -> ProcessResult {
        try Run.program(custody, ["catalog", "migrate", "--data", fx.data, "--to", url, "--password-file", server.passwordFile] + extra,
                        environment: environment, timeout: 300)
    }

    // MARK: - Catalog

    @Test func anSQLiteCatalogMovesToPostgreSQLWithEveryRowAndTheConfigFollows() async throws {
        guard let server = try Self.postgres() else { return }
        let fx = try await Self.richCatalog("migrate-catalog")
        defer { fx.cleanUp() }
        let before = try await Self.answers(fx.catalog)
        #expect(before.queue.count > 5 && before.audit.count > 20 && before.holds.count == 1)
        try await fx.catalog.close()
        let scratch = try await PostgresBackend.makeScratchDatabase(url: server.url, password: server.password)
        defer { Task { await scratch.drop() } }

        let run = try Self.migrateCatalog(fx, to: scratch.url, server)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("evidence: 9/9 row(s) copied"), "\(run.stderr)")
        #expect(run.stderr.contains("verified"))
        // stdout: table, source rows, target rows; every table equal and non-trivial ones there.
        let counts = run.stdoutLines.map { $0.split(separator: "\t").map(String.init) }
        #expect(counts.count == 30)
        #expect(counts.allSatisfy { $0.count == 3 && $0[1] == $0[2] }, "\(run.stdout)")
        for table in ["evidence", "receipts", "audit_log", "dispatch_rows", "links", "findings", "users", "sessions", "review_items", "reviews", "holds"] {
            #expect(counts.first { $0[0] == table }.map { Int($0[1])! > 0 } == true, "\(table) is empty in the fixture")
        }

        let config = try Self.config(fx)
        #expect(config.catalog.url == scratch.url)
        #expect(config.catalog.passwordFile == server.passwordFile)
        let text = try String(contentsOfFile: fx.folder.configPath, encoding: .utf8)
        #expect(text.hasPrefix("time_zone = \"Asia/Shanghai\""), "the rest of config.toml is kept")

        let moved = try await Catalog(postgres: scratch.url, password: server.password)
        let after = try await Self.answers(moved)
        #expect(after == before)
        #expect(try await moved.verifyAuditChain().isEmpty)
        // The identity counters were moved past the copied ids: new rows get new ids.
        let newUser = try await moved.addUser(name: "sam", role: .supervisor, officerID: nil, passwordHash: "unusable")
        #expect(newUser.id > 1)
        try await moved.close()

        // Every command now runs on the new catalog: verify re-hashes the vault against it.
        let verify = try Run.program(Self.custody, ["verify", "--data", fx.data])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let queue = try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2024-02-18"])
        #expect(queue.status == 0, "\(queue.stderr)")
    }

    @Test func aMigrationCutShortContinuesAndEndsVerifiedWithoutDuplicates() async throws {
        guard let server = try Self.postgres() else { return }
        let fx = try await Self.richCatalog("migrate-resume")
        defer { fx.cleanUp() }
        let before = try await Self.answers(fx.catalog)
        try await fx.catalog.close()
        let scratch = try await PostgresBackend.makeScratchDatabase(url: server.url, password: server.password)
        defer { Task { await scratch.drop() } }

        // Stops after 7 rows in pages of 3: evidence (9 rows) is left part-copied.
        let cut = try Self.migrateCatalog(fx, to: scratch.url, server, extra: ["--page-size", "3"], environment: ["CUSTODY_MIGRATE_STOP_AFTER": "7"])
        #expect(cut.status == 1)
        #expect(cut.stderr.contains("stopped after 9 row(s)"), "\(cut.stderr)")
        #expect(try Self.config(fx).catalog.url == nil, "nothing is switched before the copy verifies")
        let partial = try await Catalog(postgres: scratch.url, password: server.password)
        #expect(try await partial.evidenceCount() == 9)
        #expect(try await partial.receiptCount() == 0)
        try await partial.close()

        // A second cut, inside another table, then the rest.
        let again = try Self.migrateCatalog(fx, to: scratch.url, server, extra: ["--page-size", "4"], environment: ["CUSTODY_MIGRATE_STOP_AFTER": "10"])
        #expect(again.status == 1, "\(again.stderr)")
        let rest = try Self.migrateCatalog(fx, to: scratch.url, server)
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(try Self.config(fx).catalog.url == scratch.url)
        let moved = try await Catalog(postgres: scratch.url, password: server.password)
        #expect(try await Self.answers(moved) == before)
        #expect(try await moved.verifyAuditChain().isEmpty)
        try await moved.close()
    }

    @Test func aTargetHoldingAnotherCatalogIsRefused() async throws {
        guard let server = try Self.postgres() else { return }
        let fx = try await Self.richCatalog("migrate-refuse")
        defer { fx.cleanUp() }
        try await fx.catalog.close()
        let scratch = try await PostgresBackend.makeScratchDatabase(url: server.url, password: server.password)
        defer { Task { await scratch.drop() } }
        let other = try await Catalog(postgres: scratch.url, password: server.password)
        try await other.audit(actor: "someone", action: "note", subject: "another deployment")
        try await other.close()

        let run = try Self.migrateCatalog(fx, to: scratch.url, server)
        #expect(run.status == 1)
        #expect(run.stderr.contains("not an unfinished copy of this one"), "\(run.stderr)")
        #expect(try Self.config(fx).catalog.url == nil)
        let untouched = try await Catalog(postgres: scratch.url, password: server.password)
        #expect(try await untouched.evidenceCount() == 0)
        #expect(try await untouched.auditEntries().count == 1)
        try await untouched.close()
    }

    // MARK: - Vault

    /// A data folder with the samples ingested (vault files, a quarantined one and its reason
    /// note), and an S3 vault under a fresh prefix to move it to.
    static func ingestedFolder(_ label: String, store: Store) async throws -> (root: URL, data: URL, prefix: String, vault: S3Vault) {
        let root = try TestEnvironment.temporaryFolder(label)
        let data = root.appendingPathComponent("data")
        let ingest = try Run.program(custody, ["ingest", "--data", data.path, TestEnvironment.footage.path], timeout: 300)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let prefix = "migrate-\(UUID().uuidString.prefix(8).lowercased())"
        let vault = S3Vault(S3VaultConfiguration(
            endpoint: URL(string: store.endpoint)!, bucket: "custody-migrate", prefix: prefix, region: store.region,
            accessKey: store.accessKey, secretKey: store.secretKey))
        try await vault.createBucketIfMissing()
        try Data(store.secretKey.utf8).write(to: root.appendingPathComponent("secret"))
        return (root, data, prefix, vault)
    }

    static func migrateVault(data: URL, root: URL, prefix: String, store: Store) throws -> ProcessResult {
        try Run.program(custody, [
            "vault", "migrate", "--data", data.path, "--to", "s3://custody-migrate/\(prefix)", "--endpoint", store.endpoint,
            "--region", store.region, "--access-key", store.accessKey, "--secret-key-file", root.appendingPathComponent("secret").path,
        ], timeout: 300)
    }

    @Test func aLocalVaultMovesToS3WithEveryObjectIntactAndARerunOnlyVerifies() async throws {
        guard let store = Self.objectStore() else { return }
        let (root, data, prefix, vault) = try await Self.ingestedFolder("migrate-vault", store: store)
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = DataFolder(existing: data.path)
        let local = LocalVault(root: folder.root)
        let sourceKeys = try await local.listAll(prefix: "vault/") + (try await local.listAll(prefix: "quarantine/"))
        #expect(sourceKeys.contains { $0.key.hasSuffix(".reason.txt") }, "the fixture has a quarantine note")

        let run = try Self.migrateVault(data: data, root: root, prefix: prefix, store: store)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("objects\t\(sourceKeys.count)\t"), "\(run.stdout)")
        #expect(run.stderr.contains("MB/s"))

        // Every stored file of the catalog is in the bucket, with its size and SHA-256.
        let catalog = try Catalog(path: folder.catalogPath)
        let evidence = try await catalog.allEvidence()
        #expect(evidence.count == 17)
        for row in evidence {
            #expect(try await vault.size(of: row.storedPath) == row.size)
            let digest = try await vault.digest(of: row.storedPath)
            #expect(digest.sha256 == row.sha256)
        }
        // And everything else under vault/ and quarantine/, byte for byte.
        for entry in sourceKeys {
            #expect(try await vault.digest(of: entry.key).sha256 == (try await local.digest(of: entry.key)).sha256, "\(entry.key)")
        }
        try await catalog.close()
        let config = try ConfigFile.parse(try String(contentsOfFile: folder.configPath, encoding: .utf8))
        #expect(config.vault.url == "s3://custody-migrate/\(prefix)")
        #expect(config.vault.endpoint == store.endpoint && config.vault.accessKey == store.accessKey)
        // Nothing left the source.
        #expect(try await local.listAll(prefix: "vault/").count + (try await local.listAll(prefix: "quarantine/")).count == sourceKeys.count)

        // Run again: the vault already is the bucket; nothing is copied, everything is re-checked.
        let again = try Self.migrateVault(data: data, root: root, prefix: prefix, store: store)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("objects\t17\t") && again.stdout.contains("copied\t0"), "\(again.stdout)")
        // The commands that read the catalog still run (the config with the S3 vault opens).
        let audit = try Run.program(Self.custody, ["audit", "--data", data.path])
        #expect(audit.status == 0, "\(audit.stderr)")
    }

    @Test func aDamagedObjectInTheTargetFailsVerificationAndNothingIsSwitched() async throws {
        guard let store = Self.objectStore() else { return }
        let (root, data, prefix, vault) = try await Self.ingestedFolder("migrate-vault-damaged", store: store)
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = DataFolder(existing: data.path)
        let catalog = try Catalog(path: folder.catalogPath)
        let victim = try #require(try await catalog.allEvidence().first { $0.location == .vault })
        try await catalog.close()
        // Other bytes of the same size already under the clip's key (a put that went wrong).
        let bad = root.appendingPathComponent("bad")
        try Data(repeating: 0x5A, count: Int(victim.size)).write(to: bad)
        let badSHA = try Fixtures.sha256(of: bad)
        #expect(try await vault.put(file: bad, key: victim.storedPath, sha256: badSHA, size: victim.size) == .stored)

        let run = try Self.migrateVault(data: data, root: root, prefix: prefix, store: store)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains(victim.storedPath) && run.stderr.contains("not \(victim.sha256)"), "\(run.stderr)")
        let config = try ConfigFile.parse(try String(contentsOfFile: folder.configPath, encoding: .utf8))
        #expect(config.vault.url == nil, "nothing is switched when an object does not verify")
    }

    // MARK: - Config rewrite

    @Test func switchingASectionKeepsEveryOtherLineAndCommentsOutWhatIsGone() throws {
        let text = ConfigFile.template.replacingOccurrences(of: "[catalog]\n", with: "[catalog]\nurl = \"postgres://a@h:1/old\"\npassword_file = \"/old\"\n")
        let switched = ConfigFile.rewrite(text, section: "catalog", [("url", "postgres://custody@db:5432/new"), ("password_file", nil)])
        let config = try ConfigFile.parse(switched)
        #expect(config.catalog.url == "postgres://custody@db:5432/new")
        #expect(config.catalog.passwordFile == nil)
        #expect(switched.contains("# password_file = \"/old\""))
        #expect(switched.replacingOccurrences(of: "url = \"postgres://custody@db:5432/new\"", with: "url = \"postgres://a@h:1/old\"")
            .replacingOccurrences(of: "# password_file = \"/old\"", with: "password_file = \"/old\"") == text)
        let added = ConfigFile.rewrite("time_zone = \"UTC\"\n", section: "vault", [("url", "s3://b/p"), ("endpoint", "http://x:1"), ("access_key", "k")])
        #expect(try ConfigFile.parse(added).vault.url == "s3://b/p")
        #expect(added.hasPrefix("time_zone = \"UTC\"\n\n[vault]\nurl = \"s3://b/p\"\n"))
    }
}
