import CustodyCore
import CustodyIngest
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Issue 12, acceptance 4 on a small catalog: while a full `custody link` runs in another
/// process, every API request answers exactly as without it (no 401, no 5xx, the same body),
/// and `custody ingest` of one clip returns at once, its relink queued and done by the link.
@Suite(.serialized) struct RelinkWhileServingTests {
    /// `custody serve` on a data folder, on a free port.
    final class Serve {
        let port = RawHTTP.freePort()
        let process = Process()
        let log: URL

        init(data: URL) throws {
            log = data.deletingLastPathComponent().appendingPathComponent("serve.log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = TestEnvironment.custodyBinary
            process.arguments = ["serve", "--data", data.path, "--port", String(port)]
            process.standardError = try FileHandle(forWritingTo: log)
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        /// Up, and its first queue refresh (a long write at start-up) finished.
        func waitUntilReady() throws {
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if text.contains("new queue item"), (try? RawHTTP.send(port: port, method: "GET", path: "/health"))?.status == 200 { return }
                usleep(100_000)
            }
            throw RawHTTP.Failure(description: "custody serve did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// A program run in the background, with its output in files.
    final class Background {
        let process = Process()
        let out: URL
        let started = Date()

        init(_ arguments: [String], in dir: URL, name: String) throws {
            out = dir.appendingPathComponent(name + ".out")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            process.executableURL = TestEnvironment.custodyBinary
            process.arguments = arguments
            let handle = try FileHandle(forWritingTo: out)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        var output: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
    }

    struct Answer: Equatable, CustomStringConvertible {
        var status: Int
        var body: String
        var description: String { "\(status) \(body.prefix(160))" }
    }

    /// The catalog of the data folder `data`: its SQLite file, or a fresh PostgreSQL database
    /// (from `tools/postgres`, via CUSTODY_PG_URL) named in its config.toml. Nil when asked for
    /// PostgreSQL where no test cluster runs (outside CI).
    static func catalog(_ backend: String, data: URL) async throws -> (Catalog, drop: @Sendable () async -> Void)? {
        let folder = try DataFolder(path: data.path)
        guard backend == "postgres" else { return (try Catalog(path: folder.catalogPath), {}) }
        let env = ProcessInfo.processInfo.environment
        guard let url = env["CUSTODY_PG_URL"], let passwordFile = env["CUSTODY_PG_PASSWORD_FILE"] else {
            if env["CI"] != nil { Issue.record("CUSTODY_PG_URL is not set: tools/test starts the PostgreSQL cluster") }
            return nil
        }
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let scratch = try await PostgresBackend.makeScratchDatabase(url: url, password: password)
        let config = ConfigFile.template.replacingOccurrences(
            of: "[catalog]\n", with: "[catalog]\nurl = \"\(scratch.url)\"\npassword_file = \"\(passwordFile)\"\n")
        try Data(config.utf8).write(to: URL(fileURLWithPath: folder.configPath))
        let catalog = try await Catalog(postgres: scratch.url, password: password)
        return (catalog, { try? await catalog.close(); await scratch.drop() })
    }

    @Test(arguments: ["sqlite", "postgres"])
    func everyAnswerDuringAFullLinkInAnotherProcessEqualsTheAnswerWithoutIt(_ backend: String) async throws {
        let dir = try TestEnvironment.temporaryFolder("relink-serving")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        guard let (catalog, drop) = try await Self.catalog(backend, data: data) else { return }
        // A catalog where a debug `custody link` takes a few seconds.
        let token: String
        do {
            var plan = BenchmarkSeeder.Plan()
            // 400 calls and 800 clips per officer either way (the incident below is officer
            // B00001's first call); seeding PostgreSQL row by row is slow, so fewer officers there.
            (plan.officers, plan.rows, plan.clips) = backend == "postgres" ? (50, 20_000, 40_000) : (100, 40_000, 80_000)
            try await BenchmarkSeeder.seed(catalog, plan: plan) { _ in }
            let user = try await catalog.addUser(name: "rita", role: .reviewer, officerID: nil, passwordHash: "unusable")
            token = try await catalog.issueToken(for: user, kind: "test", lifetime: 3600)
        }
        let first = try Run.program(TestEnvironment.custodyBinary, ["link", "--data", data.path], timeout: 300)
        #expect(first.status == 0, "\(first.stderr)")

        let server = try Serve(data: data)
        defer { server.stop() }
        try server.waitUntilReady()
        let auth = ["Authorization": "Bearer \(token)"]
        func get(_ path: String) throws -> Answer {
            let r = try RawHTTP.send(port: server.port, method: "GET", path: path, headers: auth)
            return Answer(status: r.status, body: String(decoding: r.body, as: UTF8.self))
        }
        func json(_ answer: Answer) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]) ?? [:]
        }
        // Officer B00001's first call (the seeder numbers calls officer by officer, 400 each).
        let incident = "2024-00000401"
        let detail = try get("/api/incidents/\(incident)")
        #expect(detail.status == 200, "\(detail)")
        let clips = (json(detail)["clips"] as? [[String: Any]]) ?? []
        let clip = try #require(clips.first?["sha256"] as? String, "incident \(incident) has no linked clip: \(detail)")
        let top = try get("/api/queue?limit=1")
        let queuedIncident = (((json(top)["items"] as? [[String: Any]])?.first)?["incident_id"] as? String) ?? incident
        let paths = [
            "/api/queue?limit=20", "/api/queue?state=all&limit=5&offset=100", "/api/incidents/\(incident)",
            "/api/incidents/\(queuedIncident)", "/api/clips/\(clip)", "/api/findings?incident_id=\(incident)",
            "/api/findings?officer_id=B00002",
        ]
        let baseline = try paths.map(get)
        for (path, answer) in zip(paths, baseline) {
            #expect(answer.status == 200, "\(path): \(answer)")
        }
        #expect(json(baseline[5])["findings"].map { ($0 as? [Any])?.isEmpty == false } == true, "the chosen incident has findings")

        // 1. The same requests, over and over, for as long as a full link runs in another process.
        let link = try Background(["link", "--data", data.path], in: dir, name: "link")
        var rounds = 0
        var different: [String] = []
        while link.process.isRunning || rounds == 0 {
            for (path, expected) in zip(paths, baseline) {
                let answer = try get(path)
                if answer != expected { different.append("\(path): \(answer) (was \(expected.status))") }
            }
            rounds += 1
        }
        link.process.waitUntilExit()
        #expect(link.process.terminationStatus == 0, "\(link.output)")
        #expect(rounds >= 3, "the link ended before the requests could be repeated: make the catalog bigger")
        #expect(different.isEmpty, "\(different.count) answer(s) of \(rounds * paths.count) differed, e.g. \(different.prefix(3))")
        #expect(try paths.map(get) == baseline)

        // 2. A hand-in during a full link: stored and answered at once, its relink queued.
        let source = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let officers = (json(detail)["officers"] as? [[String: Any]]) ?? []
        let arrived = try #require(officers.first?["arrived_at"] as? String)
        let at = try #require(Timestamp.parse(arrived, zone: TimeZone(identifier: "UTC")!)).addingTimeInterval(30)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMddHHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        // A sample without a creation_time tag: the name gives its time and officer.
        var bytes = try Data(contentsOf: TestEnvironment.footage.appendingPathComponent("J0034567_034567_20240214103340_0003.mp4"))
        bytes.append(Data([0, 0, 0, 16]) + Data("free".utf8) + Data("relink12".utf8))
        let name = "J9000001_B00001_\(formatter.string(from: at))_0001.mp4"
        try bytes.write(to: source.appendingPathComponent(name))
        let sha = try Fixtures.sha256(of: source.appendingPathComponent(name))

        let second = try Background(["link", "--data", data.path], in: dir, name: "link2")
        usleep(1_000_000)
        let ingest = try Run.program(TestEnvironment.custodyBinary, ["ingest", "--data", data.path, "--tz", "UTC", source.path], timeout: 300)
        let linkStillRunning = second.process.isRunning
        second.process.waitUntilExit()
        let linkSeconds = Date().timeIntervalSince(second.started)
        #expect(second.process.terminationStatus == 0, "\(second.output)")
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("ingested"), "\(ingest.stdout)")
        // The link writes in short transactions: the hand-in's writes take their turn between two.
        #expect(linkStillRunning, "the hand-in waited for the link (\(String(format: "%.1f", ingest.seconds)) s, link \(String(format: "%.1f", linkSeconds)) s)")
        #expect(ingest.seconds < linkSeconds / 2, "ingest took \(ingest.seconds) s during a link of \(linkSeconds) s")
        #expect(ingest.stderr.contains("queued"), "\(ingest.stderr)")
        // The link took the queued officer in before it ended: the clip is linked to its call.
        let stored = try get("/api/clips/\(sha)")
        #expect(stored.status == 200, "\(stored)")
        #expect((json(stored)["incidents"] as? [String])?.contains(incident) == true, "\(stored)")
        #expect(try await catalog.relinksWanted().isEmpty)
        await drop()
    }
}
