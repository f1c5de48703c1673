import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// The file that crashed the probe, uploaded over tus by an officer (issue 11, acceptance 4):
/// the server answers, the upload is quarantined with its reason, and a restart comes up clean.
@Suite(.serialized) struct HostileUploadTests {
    @Test func aFileThatCrashedTheProbeIsQuarantinedAndTheServerStaysUp() async throws {
        let dir = try TestEnvironment.temporaryFolder("hostile-upload")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let token = try Run.program(TestEnvironment.custodyBinary, ["token", "add", "--station", "dock-1", "--data", data.path])
        #expect(token.status == 0, "\(token.stderr)")
        let tus = ["Tus-Resumable": "1.0.0", "Authorization": "Bearer " + token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)]
        let whole = try Data(contentsOf: TestEnvironment.corpus.appendingPathComponent("video/exiftool_M2TS.mts"))
        let bytes = whole.prefix(358)
        let name = "J0012345_012345_20240214084900_0009.mts"
        let metadata = "filename \(Data(name.utf8).base64EncodedString()),officer \(Data("012345".utf8).base64EncodedString())"

        let server = UploadResumeTests.Server(data: data)
        try server.start()
        defer { server.stop() }
        let created = try RawHTTP.send(
            port: server.port, method: "POST", path: "/api/uploads",
            headers: tus.merging(["Upload-Length": String(bytes.count), "Upload-Metadata": metadata]) { $1 })
        try #require(created.status == 201)
        let location = try #require(created.header("location"))
        let done = try RawHTTP.send(
            port: server.port, method: "PATCH", path: location,
            headers: tus.merging(["Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"]) { $1 },
            body: Data(bytes))
        #expect(done.status == 204)
        #expect(done.header("custody-status") == "quarantined")
        let sha = try #require(done.header("custody-sha256"))

        // Still up, and still up after a restart (start-up resumes finished uploads).
        #expect(try RawHTTP.send(port: server.port, method: "GET", path: "/health").status == 200)
        server.stop()
        try server.start()
        #expect(try RawHTTP.send(port: server.port, method: "GET", path: "/health").status == 200)
        server.stop()

        let catalog = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)
        let evidence = try #require(try await catalog.evidence(sha256: sha))
        #expect(evidence.location == .quarantine)
        #expect(evidence.quarantineReason?.isEmpty == false)
        #expect(try await catalog.receipts(sha256: sha).count == 1)
        let note = data.appendingPathComponent(evidence.storedPath + ".reason.txt")
        #expect(try String(contentsOf: note, encoding: .utf8).contains("reason: "))
        #expect(TestEnvironment.files(in: data.appendingPathComponent("uploads")).isEmpty)
        let verify = try Run.program(TestEnvironment.custodyBinary, ["verify", "--data", data.path])
        #expect(verify.status == 0, "verify: \(verify.stdout) \(verify.stderr)")
    }

    @Test func theProbeCommandReportsTheCrashingFileInsteadOfDying() throws {
        let dir = try TestEnvironment.temporaryFolder("hostile-probe")
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try Data(contentsOf: TestEnvironment.corpus.appendingPathComponent("video/exiftool_M2TS.mts"))
        let cut = dir.appendingPathComponent("cut.mts")
        try whole.prefix(358).write(to: cut)
        let probe = try Run.program(TestEnvironment.custodyBinary, ["probe", "--json", cut.path])
        // Exit 139 was the SIGSEGV; a damaged file is a result with a verdict.
        #expect(probe.status == 0 || probe.status == 1, "exit \(probe.status): \(probe.stderr)")
        #expect(probe.stdout.contains("\"integrity\""))
        let ingest = try Run.program(TestEnvironment.custodyBinary, ["ingest", "--data", dir.appendingPathComponent("data").path, cut.path])
        #expect(ingest.status < 128, "exit \(ingest.status): \(ingest.stderr)")
        #expect(ingest.stdout.contains("quarantined"), "\(ingest.stdout)")
    }

    /// A 1,378-byte AVI the instrumented fuzzer found makes FFmpeg's demuxer grow one index to
    /// 1.7 GB (ffprobe included). Custody caps FFmpeg's single allocations, so it is judged with
    /// the memory of any other probe.
    @Test func aTinyAVIThatAsksFFmpegFor17GBIsProbedInOrdinaryMemory() throws {
        let file = TestEnvironment.packageRoot.appendingPathComponent("Tests/MediaProbeTests/Crashers/fuzz-avi-1378-bytes-1.7GB-index.avi")
        let run = try Run.tool("time", ["-f", "peak-kb %M", TestEnvironment.custodyBinary.path, "probe", "--json", file.path])
        let peak = run.stderr.split(separator: "\n").last { $0.hasPrefix("peak-kb ") }.flatMap { Int($0.dropFirst(8)) }
        let kb = try #require(peak, "\(run.stderr)")
        #expect(kb < 400_000, "custody probe peaked at \(kb / 1024) MB")
        #expect(run.stdout.contains("\"integrity\""))
    }
}
