import CustodyCore
import CustodyIngest
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 12, build 6 and acceptance 3: two `serve` and two `watch` processes, each its own node
/// with its own data folder (staging, journals), on one PostgreSQL catalog and one S3 vault.
/// Footage comes in through both inboxes and both upload endpoints; two reviewers on the two
/// servers race for the same items (exactly one wins each); one `watch` is SIGKILLed mid-ingest
/// again and again and restarted. In the end nothing is lost or duplicated, the other node's
/// work was never touched, and the audit chain verifies.
@Suite(.serialized) struct SeveralNodesTests {
    static let custody = TestEnvironment.custodyBinary

    /// A `custody` process in the background, its output in a file.
    final class Node {
        let name: String
        let data: URL
        let arguments: [String]
        var process: Process?
        let log: URL

        init(_ name: String, data: URL, arguments: [String]) {
            self.name = name
            self.data = data
            self.arguments = arguments
            log = data.deletingLastPathComponent().appendingPathComponent("\(name).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }

        func start() throws {
            let process = Process()
            process.executableURL = SeveralNodesTests.custody
            process.arguments = arguments
            let handle = try FileHandle(forWritingTo: log)
            handle.seekToEndOfFile()
            process.standardError = handle
            process.standardOutput = handle
            try process.run()
            self.process = process
        }

        func kill() {
            guard let process, process.isRunning else { return }
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func stop() {
            guard let process, process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }

        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    }

    struct Cluster {
        var dir: URL
        var url: String
        var password: String
        var passwordFile: String
        var drop: @Sendable () async -> Void
    }

    /// A fresh PostgreSQL database and S3 prefix, and a data folder per node naming both.
    static func cluster() async throws -> Cluster? {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["CUSTODY_PG_URL"], let passwordFile = env["CUSTODY_PG_PASSWORD_FILE"], TestObjectStore.current != nil else {
            if env["CI"] != nil { Issue.record("CUSTODY_PG_URL or CUSTODY_S3_ENDPOINT is not set: tools/test starts both servers") }
            return nil
        }
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let scratch = try await PostgresBackend.makeScratchDatabase(url: url, password: password)
        let dir = try TestEnvironment.temporaryFolder("several-nodes")
        return Cluster(dir: dir, url: scratch.url, password: password, passwordFile: passwordFile, drop: scratch.drop)
    }

    static func dataFolder(_ node: String, in cluster: Cluster, prefix: String) throws -> URL {
        let data = cluster.dir.appendingPathComponent(node)
        let folder = try DataFolder(path: data.path)
        let s3 = try #require(TestObjectStore.current)
        let vault = try s3.configSection(bucket: "custody-nodes", prefix: prefix, secretFile: cluster.dir.appendingPathComponent("s3-secret"))
        let config = ConfigFile.template
            .replacingOccurrences(of: "[catalog]\n", with: "[catalog]\nurl = \"\(cluster.url)\"\npassword_file = \"\(cluster.passwordFile)\"\n")
            .replacingOccurrences(of: "[vault]\n", with: vault)
            .replacingOccurrences(of: "[node]\n", with: "[node]\nid = \"\(node)\"\n")
        try Data(config.utf8).write(to: URL(fileURLWithPath: folder.configPath))
        return data
    }

    static func waitFor(_ what: String, seconds: Double = 120, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            usleep(100_000)
        }
        throw RawHTTP.Failure(description: "timed out waiting for \(what)")
    }

    static func names(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }
    }

    @Test func twoServersAndTwoWatchersShareOneCatalogAndOneVaultThroughKillsAndRaces() async throws {
        guard let cluster = try await Self.cluster() else { return }
        defer { try? FileManager.default.removeItem(at: cluster.dir) }
        let started = Date()
        let prefix = "run-\(UUID().uuidString.prefix(8))"
        let serveA = try Self.dataFolder("serve-a", in: cluster, prefix: prefix)
        let serveB = try Self.dataFolder("serve-b", in: cluster, prefix: prefix)
        let watchA = try Self.dataFolder("watch-a", in: cluster, prefix: prefix)
        let watchB = try Self.dataFolder("watch-b", in: cluster, prefix: prefix)
        let catalog = try await Catalog(postgres: cluster.url, password: cluster.password)
        defer { Task { try? await catalog.close(); await cluster.drop() } }

        // Footage: distinct clips for each way in, known by SHA-256.
        let pool = cluster.dir.appendingPathComponent("pool")
        try FileManager.default.createDirectory(at: pool, withIntermediateDirectories: true)
        let clips = try Fixtures.distinctClips(72, in: pool)
        var expected: [String: String] = [:]  // sha → way in
        for (i, clip) in clips.enumerated() {
            expected[try Fixtures.sha256(of: clip)] = i < 40 ? "watch-a" : i < 60 ? "watch-b" : "upload"
        }
        let forA = Array(clips[0..<40]), forB = Array(clips[40..<60]), uploads = Array(clips[60..<72])

        // Two servers, each a node of its own.
        let portA = RawHTTP.freePort(), portB = RawHTTP.freePort()
        let a = Node("serve-a", data: serveA, arguments: ["serve", "--data", serveA.path, "--port", String(portA)])
        let b = Node("serve-b", data: serveB, arguments: ["serve", "--data", serveB.path, "--port", String(portB)])
        try a.start()
        defer { a.stop() }
        try Self.waitFor("serve-a") { (try? RawHTTP.send(port: portA, method: "GET", path: "/health"))?.status == 200 }
        try b.start()
        defer { b.stop() }
        try Self.waitFor("serve-b") { (try? RawHTTP.send(port: portB, method: "GET", path: "/health"))?.status == 200 }

        // Watcher B runs throughout; watcher A is killed mid-ingest and restarted.
        let watchArgs = { (data: URL) in ["watch", "--data", data.path, "--settle", "0.2", "--interval", "0.1"] }
        let wb = Node("watch-b", data: watchB, arguments: watchArgs(watchB))
        let wa = Node("watch-a", data: watchA, arguments: watchArgs(watchA))
        try wb.start()
        defer { wb.stop() }
        let inboxA = watchA.appendingPathComponent("inbox"), inboxB = watchB.appendingPathComponent("inbox")
        for clip in forB { try FileManager.default.copyItem(at: clip, to: inboxB.appendingPathComponent(clip.lastPathComponent)) }

        // Uploads to both servers (tus), half each, while the watchers work.
        let station = try await catalog.addUser(name: "dock", role: .station, officerID: nil, passwordHash: "unusable")
        let stationToken = try await catalog.issueToken(for: station, kind: "test", lifetime: 3600)
        for (i, clip) in uploads.enumerated() {
            let port = i.isMultiple(of: 2) ? portA : portB
            let bytes = try Data(contentsOf: clip)
            let tus = ["Tus-Resumable": "1.0.0", "Authorization": "Bearer \(stationToken)"]
            let metadata = "filename \(Data(clip.lastPathComponent.utf8).base64EncodedString())"
            let created = try RawHTTP.send(port: port, method: "POST", path: "/api/uploads",
                                           headers: tus.merging(["Upload-Length": String(bytes.count), "Upload-Metadata": metadata]) { $1 })
            try #require(created.status == 201, "create on \(port): \(created.status)")
            let location = try #require(created.header("location"))
            let done = try RawHTTP.send(port: port, method: "PATCH", path: location,
                                        headers: tus.merging(["Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"]) { $1 }, body: bytes)
            #expect(done.status == 204, "upload \(i) on \(port): \(done.status) \(String(decoding: done.body, as: UTF8.self))")
        }

        // Watcher A: files in, SIGKILL at a random moment while some are still waiting, restart.
        var random = SeededRandom(seed: UInt64(started.timeIntervalSince1970))
        var next = 0, kills = 0, killsWithWorkLeft = 0, killsMidHandIn = 0
        while kills < 12 || next < forA.count {
            // Keep a few files waiting so that each kill lands in the middle of the work.
            while next < forA.count && Self.names(inboxA).count < 6 {
                let clip = forA[next]
                try FileManager.default.copyItem(at: clip, to: inboxA.appendingPathComponent(clip.lastPathComponent))
                next += 1
            }
            let before = Self.names(inboxA).count
            try wa.start()
            // Once it has taken a file, a moment later: in the middle of that hand-in or the next.
            try? Self.waitFor("watch-a to take a file", seconds: 20) { Self.names(inboxA).count < before || before == 0 }
            usleep(UInt32.random(in: 0...150_000, using: &random))
            let waiting = Self.names(inboxA).count + Self.names(watchA.appendingPathComponent("staging")).count
            wa.kill()
            kills += 1
            if waiting > 0 { killsWithWorkLeft += 1 }
            if try await !catalog.pending(node: "watch-a").isEmpty { killsMidHandIn += 1 }
            if kills > 40 { break }
        }
        try wa.start()
        defer { wa.stop() }

        // Everything is in once the inboxes are empty and every expected file has its row.
        try Self.waitFor("every hand-in stored", seconds: 240) {
            Self.names(inboxA).isEmpty && Self.names(inboxB).isEmpty
        }
        var stored: [EvidenceRecord] = []
        let deadline = Date().addingTimeInterval(120)
        repeat {
            stored = try await catalog.allEvidence()
            if Set(stored.map(\.sha256)) == Set(expected.keys) { break }
            usleep(200_000)
        } while Date() < deadline
        wa.stop()
        wb.stop()

        // Nothing lost, nothing duplicated: one row and one receipt per file, one object each.
        #expect(Set(stored.map(\.sha256)) == Set(expected.keys), "missing: \(Set(expected.keys).subtracting(stored.map(\.sha256)).count)")
        #expect(stored.count == expected.count)
        var repeats = 0
        for record in stored {
            let receipts = try await catalog.receipts(sha256: record.sha256)
            let told = receipts.map { "\($0.method) \($0.sourcePath) at \(Timestamp.format($0.recordedAt)) dup \($0.duplicate)" }
            #expect(receipts.count == 1, "\(record.sha256) (\(expected[record.sha256] ?? "?")) has \(receipts.count) receipts: \(told)")
            repeats += receipts.count - 1
        }
        let s3 = try #require(TestObjectStore.current)
        let vault = S3Vault(S3VaultConfiguration(endpoint: s3.endpoint, bucket: "custody-nodes", prefix: prefix,
                                                 region: s3.region, accessKey: s3.accessKey, secretKey: s3.secretKey))
        let objects = try await vault.listAll(prefix: "vault/")
        #expect(Set(objects.map(\.key)) == Set(stored.map(\.storedPath)))
        // Each node's journals are finished; no staging file of either watcher is left.
        #expect(try await catalog.pending().isEmpty)
        #expect(try await catalog.moves().isEmpty)
        #expect(Self.names(watchA.appendingPathComponent("staging")).isEmpty, "\(Self.names(watchA.appendingPathComponent("staging")))")
        #expect(Self.names(watchB.appendingPathComponent("staging")).isEmpty)
        // The node that ran throughout never failed a hand-in.
        #expect(!wb.output.contains("ingest failed") && !wb.output.contains("\"failed\""), "\(wb.output.suffix(2000))")
        #expect(killsWithWorkLeft >= 10, "\(kills) kills, \(killsWithWorkLeft) with hand-ins still under way")

        // Two reviewers on the two servers race for the same items: exactly one claim wins.
        _ = await DispatchImport.run(path: TestEnvironment.samples.appendingPathComponent("dispatch.csv").path, catalog: catalog, zone: TimeZone(identifier: "UTC")!)
        try await catalog.relink(officers: nil, policy: CustodyConfiguration().policy, actor: "test")
        try await catalog.refreshQueue(sampleShare: 1, seed: "nodes")
        let rita = try await catalog.addUser(name: "rita", role: .reviewer, officerID: nil, passwordHash: "unusable")
        let remy = try await catalog.addUser(name: "remy", role: .reviewer, officerID: nil, passwordHash: "unusable")
        let tokens = [try await catalog.issueToken(for: rita, kind: "test", lifetime: 3600),
                      try await catalog.issueToken(for: remy, kind: "test", lifetime: 3600)]
        let items = try await catalog.queue(state: "open", limit: 10, offset: 0).items.map(\.id)
        #expect(items.count >= 3, "the queue has \(items.count) open items")
        let ports = [portA, portB]
        var wins = 0
        for item in items {
            let answers = Answers()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                let answer = try? RawHTTP.send(port: ports[i], method: "POST", path: "/api/queue/\(item)/claim",
                                               headers: ["Authorization": "Bearer \(tokens[i])", "Content-Type": "application/json"], body: Data("{}".utf8))
                answers.add(answer?.status ?? 0)
            }
            let statuses = answers.sorted
            #expect(statuses == [200, 409], "item \(item): \(statuses)")
            wins += statuses.filter { $0 == 200 }.count
        }
        #expect(wins == items.count)

        // The audit chain, appended to by six processes, verifies; so does every stored object.
        let verify = try Run.program(Self.custody, ["verify", "--data", serveA.path], timeout: 300)
        #expect(verify.status == 0, "\(verify.stdout)\n\(verify.stderr)")
        #expect(verify.stderr.contains("\(expected.count) stored file(s) and the audit chain are intact"), "\(verify.stderr)")

        let seconds = Int(Date().timeIntervalSince(started))
        print("several nodes: \(expected.count) files (40 watch-a, 20 watch-b, 12 uploads), \(kills) SIGKILLs of watch-a "
            + "(\(killsWithWorkLeft) with work under way, \(killsMidHandIn) with a journalled hand-in in flight), \(items.count) claim races each won once, \(objects.count) objects, \(repeats) repeat receipts, \(seconds) s")
    }

    final class Answers: @unchecked Sendable {
        private let lock = NSLock()
        private var statuses: [Int] = []
        func add(_ status: Int) { lock.lock(); statuses.append(status); lock.unlock() }
        var sorted: [Int] { lock.lock(); defer { lock.unlock() }; return statuses.sorted() }
    }
}
