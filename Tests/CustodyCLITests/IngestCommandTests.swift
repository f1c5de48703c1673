import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// End-to-end tests of `custody ingest` and `custody verify` as separate processes.
@Suite struct IngestCommandTests {
    static let custody = TestEnvironment.custodyBinary

    @Test func jsonLinesSayIngestedDuplicateOrQuarantined() throws {
        let dir = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        let first = try Run.program(Self.custody, ["ingest", "--data", data, "--json", TestEnvironment.footage.path])
        #expect(first.status == 0)
        let statuses = try first.stdoutLines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(statuses.count == 17)
        #expect(statuses.filter { $0["status"] as? String == "ingested" }.count == 16)
        let quarantined = try #require(statuses.first { $0["status"] as? String == "quarantined" })
        #expect((quarantined["reason"] as? String)?.isEmpty == false)
        let second = try Run.program(Self.custody, ["ingest", "--data", data, "--json", TestEnvironment.footage.path])
        #expect(second.status == 0)
        #expect(second.stdoutLines.allSatisfy { $0.contains(#""status":"duplicate""#) })
        #expect(second.stderr.contains("17 duplicate"))
    }

    @Test func anInjectedWriteFailureMidCopyLosesNothing() async throws {
        let dir = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let source = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let clip = try #require(try Fixtures.distinctClips(1, in: source).first)
        let before = try Fixtures.sha256(of: clip)
        let result = try Run.program(
            Self.custody, ["ingest", "--data", data.path, "--json", clip.path],
            environment: ["CUSTODY_FAILPOINT": "write-after:10000"])
        #expect(result.status == 1)
        #expect(result.stdout.contains(#""status":"failed""#))
        #expect(result.stdout.contains("injected fault"))
        // The source is intact, and nothing half-written is left behind.
        #expect(try Fixtures.sha256(of: clip) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("staging").path).isEmpty)
        #expect(try await Catalog(path: data.appendingPathComponent("custody.sqlite").path).evidenceCount() == 0)
        // Without the fault the same file goes in.
        let retry = try Run.program(Self.custody, ["ingest", "--data", data.path, "--json", clip.path])
        #expect(retry.status == 0)
        #expect(retry.stdout.contains(#""status":"ingested""#))
    }

    @Test func aFileThatCannotBeReadIsReportedAndTheRestIsStored() throws {
        let dir = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir.path)
        let data = dir.appendingPathComponent("data")
        let source = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let clips = try Fixtures.distinctClips(2, in: source)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: clips[0].path)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: data.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: source.path)
        // Root reads any file, so run as nobody when the suite runs as root (as CI does).
        let asNobody = getuid() == 0
        let result = asNobody
            ? try Run.tool("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Self.custody.path, "ingest", "--data", data.path, "--json", source.path])
            : try Run.program(Self.custody, ["ingest", "--data", data.path, "--json", source.path])
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stdoutLines
        #expect(lines.count == 2)
        #expect(lines.first?.contains(#""status":"failed""#) == true)
        #expect(lines.first?.contains("Permission denied") == true)
        #expect(lines.last?.contains(#""status":"ingested""#) == true)
    }

    @Test func verifyNamesAFlippedByteADeletedFileAndAnEditedAuditRow() async throws {
        let dir = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        #expect(try Run.program(Self.custody, ["ingest", "--data", data.path, TestEnvironment.footage.path]).status == 0)
        let intact = try Run.program(Self.custody, ["verify", "--data", data.path])
        #expect(intact.status == 0, "\(intact.stdout)\(intact.stderr)")

        let catalog = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)
        let stored = try await catalog.allEvidence().filter { $0.location == .vault }
        // (a) one byte flipped
        let flipped = stored[0]
        let flippedURL = data.appendingPathComponent(flipped.storedPath)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: flippedURL.path)
        var bytes = try Data(contentsOf: flippedURL)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: flippedURL)
        let a = try Run.program(Self.custody, ["verify", "--data", data.path])
        #expect(a.status == 2)
        #expect(a.stdout.contains("\(flipped.storedPath): altered"))

        // (b) one file deleted
        let deleted = stored[1]
        try FileManager.default.removeItem(at: data.appendingPathComponent(deleted.storedPath))
        let b = try Run.program(Self.custody, ["verify", "--data", data.path])
        #expect(b.status == 2)
        #expect(b.stdout.contains("\(deleted.storedPath): missing"))

        // (c) an audit row edited in SQLite
        try await catalog.executeForTesting("UPDATE audit_log SET subject = 'something else' WHERE id = 3")
        let c = try Run.program(Self.custody, ["verify", "--data", data.path, "--json"])
        #expect(c.status == 2)
        #expect(c.stdout.contains("audit entry 3"))
        #expect(c.stdout.contains("was altered"))
    }
}

/// Issue 3, acceptance 2: SIGKILL a child `custody ingest` at random moments; after each, a
/// re-run completes and the store is exactly right.
@Suite(.serialized) struct IngestCrashTests {
    static let trials = 20
    static let fileCount = 60

    @Test func killedIngestsLeaveTheStoreRecoverable() async throws {
        let dir = try TestEnvironment.temporaryFolder("crash")
        defer { try? FileManager.default.removeItem(at: dir) }
        let originals = dir.appendingPathComponent("originals")
        try FileManager.default.createDirectory(at: originals, withIntermediateDirectories: true)
        let files = try Fixtures.distinctClips(Self.fileCount, in: originals)
        let hashes = Set(try files.map { try Fixtures.sha256(of: $0) })
        #expect(hashes.count == Self.fileCount)

        // How long an uninterrupted run takes, to spread the kills over it: the fastest of three
        // runs. A single first run (cold binary and page cache, a busy machine) can take twice
        // as long as the trials' runs, and kills spread over that span then land after the
        // ingest has finished.
        var runs: [Double] = []
        for n in 0..<3 {
            let full = try Run.program(TestEnvironment.custodyBinary, ["ingest", "--data", dir.appendingPathComponent("timing\(n)").path, originals.path])
            #expect(full.status == 0)
            runs.append(full.seconds)
        }
        let span = max(runs.min() ?? 0, 0.2)

        var generator = SystemRandomNumberGenerator()
        var killedMidway = 0
        for trial in 0..<Self.trials {
            let data = dir.appendingPathComponent("data\(trial)")
            // Odd trials hand in with --move (sources renamed into staging, not copied).
            let move = trial % 2 == 1
            let source = dir.appendingPathComponent("in\(trial)")
            try FileManager.default.copyItem(at: originals, to: source)
            let arguments = ["ingest", "--data", data.path] + (move ? ["--move"] : []) + [source.path]
            // Some trials kill twice, crashing a store that is already recovering.
            let kills = trial % 4 == 3 ? 2 : 1
            for _ in 0..<kills {
                let child = Process()
                child.executableURL = TestEnvironment.custodyBinary
                child.arguments = arguments
                child.standardOutput = FileHandle.nullDevice
                child.standardError = FileHandle.nullDevice
                try child.run()
                let delay = Double.random(in: 0.0...(span * 1.1), using: &generator)
                usleep(useconds_t(delay * 1_000_000))
                if child.isRunning { killedMidway += 1 }
                kill(child.processIdentifier, SIGKILL)
                child.waitUntilExit()
            }
            // Nothing handed in is lost, even before recovery: every content is at its source
            // or in staging or in the vault.
            let rerun = try Run.program(TestEnvironment.custodyBinary, arguments)
            #expect(rerun.status == 0, "trial \(trial): re-run failed: \(rerun.stderr)")

            let catalog = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)
            let evidence = try await catalog.allEvidence()
            let vaultFiles = try storedFiles(data.appendingPathComponent("vault"))
            // Every source is in the vault exactly once with a matching hash …
            #expect(Set(vaultFiles.keys) == hashes, "trial \(trial)\(move ? " (move)" : ""): vault holds \(vaultFiles.count) of \(hashes.count)")
            for (sha, url) in vaultFiles {
                #expect(try Fixtures.sha256(of: url) == sha, "trial \(trial): \(url.lastPathComponent) content")
            }
            // … catalog rows match vault files one to one …
            #expect(Set(evidence.map(\.sha256)) == Set(vaultFiles.keys), "trial \(trial): rows vs files")
            #expect(evidence.count == vaultFiles.count)
            // … staging is empty, the journals are clear, and SQLite is sound.
            #expect(try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("staging").path).isEmpty, "trial \(trial): staging")
            #expect(try await catalog.pending().isEmpty, "trial \(trial): journal")
            #expect(try await catalog.moves().isEmpty, "trial \(trial): move journal")
            #expect(try await catalog.integrityCheck() == "ok")
            #expect(try await catalog.verifyAuditChain().isEmpty, "trial \(trial): audit chain")
            if move {
                // Moved sources are all gone from the drop folder, none left behind or renamed.
                #expect(try FileManager.default.contentsOfDirectory(atPath: source.path).isEmpty, "trial \(trial): sources left")
            } else {
                #expect(try FileManager.default.contentsOfDirectory(atPath: source.path).count == Self.fileCount)
            }
            try? FileManager.default.removeItem(at: data)
            try? FileManager.default.removeItem(at: source)
        }
        // The kills must really land mid-run for the test to mean anything.
        #expect(killedMidway >= Self.trials / 2, "only \(killedMidway) kills landed while ingest ran")
    }

    /// sha256 → file, for every stored original (duplicated hashes would collapse: counted separately).
    func storedFiles(_ vault: URL) throws -> [String: URL] {
        var result: [String: URL] = [:]
        var count = 0
        let enumerator = FileManager.default.enumerator(at: vault, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            count += 1
            result[String(url.lastPathComponent.prefix(64))] = url
        }
        #expect(count == result.count, "a SHA-256 is stored twice")
        return result
    }
}
