import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// A file that stops the process while it is probed (a crash in FFmpeg nobody has found yet) is
/// quarantined unprobed after three such deaths, so it cannot stop ingest at every start and
/// starve the files behind it; a single death (a kill, a power cut) is just retried. The crash is simulated by CUSTODY_FAILPOINT=crash-in-probe (SIGKILL
/// inside the guarded probe).
@Suite(.serialized) struct PoisonFileTests {
    static let sample = TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214084900_0001.mp4")

    @Test func aFileThatStoppedTheProcessWhileProbedIsQuarantinedUnprobedNextTime() async throws {
        let dir = try TestEnvironment.temporaryFolder("poison")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data"), clip = dir.appendingPathComponent("J0012345_012345_20240214084900_0001.mp4")
        try FileManager.default.copyItem(at: Self.sample, to: clip)

        // The probe stops the process at three starts in a row.
        for attempt in 1...3 {
            let crashed = try Run.program(TestEnvironment.custodyBinary, ["ingest", "--data", data.path, clip.path],
                                          environment: ["CUSTODY_FAILPOINT": "crash-in-probe"])
            #expect(crashed.status != 0, "attempt \(attempt): the failpoint should have stopped the process")
            #expect(FileManager.default.fileExists(atPath: clip.path), "the hand-in is still where it was")
        }

        let again = try Run.program(TestEnvironment.custodyBinary, ["ingest", "--json", "--data", data.path, clip.path])
        #expect(again.status < 128, "exit \(again.status): \(again.stderr)")
        #expect(again.stdout.contains("quarantined"), "\(again.stdout)")
        let catalog = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)
        let sha = try Fixtures.sha256(of: clip)
        let evidence = try #require(try await catalog.evidence(sha256: sha))
        #expect(evidence.location == .quarantine)
        #expect(evidence.quarantineReason?.contains("stopped Custody") == true, "\(evidence.quarantineReason ?? "")")
        // The marker is gone, and the next file is probed as usual.
        #expect(TestEnvironment.files(in: data.appendingPathComponent("probing")).isEmpty)
        let other = dir.appendingPathComponent("J0012345_012345_20240214093135_0002.mp4")
        try FileManager.default.copyItem(at: TestEnvironment.footage.appendingPathComponent(other.lastPathComponent), to: other)
        let next = try Run.program(TestEnvironment.custodyBinary, ["ingest", "--data", data.path, other.path])
        #expect(next.stdout.contains("ingested"), "\(next.stdout) \(next.stderr)")
    }

    /// One death during a probe proves nothing (a kill, a power cut): the file is probed again.
    @Test func aProbeInterruptedOnceIsProbedAgainAndStored() async throws {
        let dir = try TestEnvironment.temporaryFolder("poison-once")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data"), clip = dir.appendingPathComponent(Self.sample.lastPathComponent)
        try FileManager.default.copyItem(at: Self.sample, to: clip)
        let crashed = try Run.program(TestEnvironment.custodyBinary, ["ingest", "--data", data.path, clip.path],
                                      environment: ["CUSTODY_FAILPOINT": "crash-in-probe"])
        #expect(crashed.status != 0)
        let again = try Run.program(TestEnvironment.custodyBinary, ["ingest", "--json", "--data", data.path, clip.path])
        #expect(again.stdout.contains("\"ingested\""), "\(again.stdout) \(again.stderr)")
        let catalog = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)
        #expect(try await catalog.evidence(sha256: try await Fixtures.sha256(of: clip))?.location == .vault)
        #expect(TestEnvironment.files(in: data.appendingPathComponent("probing")).isEmpty)
    }

    @Test func anUploadThatStoppedTheServerIsQuarantinedAtTheNextStartAndTheServerStaysUp() async throws {
        let dir = try TestEnvironment.temporaryFolder("poison-upload")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let token = try Run.program(TestEnvironment.custodyBinary, ["token", "add", "--station", "dock-1", "--data", data.path])
        let tus = ["Tus-Resumable": "1.0.0", "Authorization": "Bearer " + token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)]
        let bytes = try Data(contentsOf: Self.sample)
        let metadata = "filename \(Data(Self.sample.lastPathComponent.utf8).base64EncodedString())"

        // First life: the probe of the finished upload kills the server.
        let port = RawHTTP.freePort()
        let first = Process()
        first.executableURL = TestEnvironment.custodyBinary
        first.arguments = ["serve", "--data", data.path, "--port", String(port)]
        first.environment = ProcessInfo.processInfo.environment.merging(["CUSTODY_FAILPOINT": "crash-in-probe"]) { $1 }
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        var up = false
        for _ in 0..<600 where !up {
            up = (try? RawHTTP.send(port: port, method: "GET", path: "/health"))?.status == 200
            if !up { usleep(50_000) }
        }
        try #require(up)
        let created = try RawHTTP.send(port: port, method: "POST", path: "/api/uploads",
                                       headers: tus.merging(["Upload-Length": String(bytes.count), "Upload-Metadata": metadata]) { $1 })
        let location = try #require(created.header("location"))
        _ = try? RawHTTP.send(port: port, method: "PATCH", path: location,
                              headers: tus.merging(["Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"]) { $1 },
                              body: bytes)
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal)
        // Two more lives die the same way: start-up resumes the finished upload and probes it.
        for life in 2...3 {
            let again = Process()
            again.executableURL = TestEnvironment.custodyBinary
            again.arguments = ["serve", "--data", data.path, "--port", String(RawHTTP.freePort())]
            again.environment = first.environment
            again.standardOutput = FileHandle.nullDevice
            again.standardError = FileHandle.nullDevice
            try again.run()
            let deadline = Date().addingTimeInterval(60)
            while again.isRunning && Date() < deadline { usleep(50_000) }
            if again.isRunning { again.terminate() }
            again.waitUntilExit()
            #expect(again.terminationReason == .uncaughtSignal, "life \(life) should have been stopped by the probe")
        }

        // Second life: start-up finishes the upload without probing it again, and stays up.
        let server = UploadResumeTests.Server(data: data)
        try server.start()
        defer { server.stop() }
        #expect(try RawHTTP.send(port: server.port, method: "GET", path: "/health").status == 200)
        server.stop()
        let catalog = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)
        let sha = try Fixtures.sha256(of: Self.sample)
        let evidence = try #require(try await catalog.evidence(sha256: sha))
        #expect(evidence.location == .quarantine)
        #expect(evidence.quarantineReason?.contains("stopped Custody") == true)
        #expect(try await catalog.receipts(sha256: sha).count == 1)
    }
}
