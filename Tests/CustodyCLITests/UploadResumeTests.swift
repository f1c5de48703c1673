import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Uploads cut at random offsets against a real `custody serve`, some with the server
/// restarted (or killed outright) between the cut and the resume (issue 6, acceptance 2).
@Suite(.serialized) struct UploadResumeTests {
    /// `custody serve` as a child process on a port of its own.
    final class Server {
        let data: URL
        let port = RawHTTP.freePort()
        var process: Process?
        let log: URL

        let extra: [String]

        init(data: URL, extra: [String] = []) {
            self.data = data
            self.extra = extra
            log = data.deletingLastPathComponent().appendingPathComponent("serve-\(port).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }

        func start() throws {
            let process = Process()
            process.executableURL = TestEnvironment.custodyBinary
            process.arguments = ["serve", "--data", data.path, "--port", String(port)] + extra
            let handle = try FileHandle(forWritingTo: log)
            handle.seekToEndOfFile()
            process.standardError = handle
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            self.process = process
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                if let r = try? RawHTTP.send(port: port, method: "GET", path: "/health"), r.status == 200 { return }
                usleep(50_000)
            }
            throw RawHTTP.Failure(description: "custody serve did not start")
        }

        /// SIGTERM (a restart) or SIGKILL (a crash), and wait for the exit.
        func stop(crash: Bool = false) {
            guard let process else { return }
            kill(process.processIdentifier, crash ? SIGKILL : SIGTERM)
            process.waitUntilExit()
            self.process = nil
        }
    }

    @Test func randomlyCutUploadsResumeAndAreStoredOnce() async throws {
        let dir = try TestEnvironment.temporaryFolder("upload-cuts")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data"), clipsDir = dir.appendingPathComponent("clips")
        try FileManager.default.createDirectory(at: clipsDir, withIntermediateDirectories: true)
        let token = try Run.program(TestEnvironment.custodyBinary, ["token", "add", "--station", "dock-1", "--data", data.path])
        #expect(token.status == 0, "\(token.stderr)")
        let auth = "Bearer " + token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let trials = 24
        let clips = try Fixtures.distinctClips(trials, in: clipsDir)
        let seed = UInt64(Date().timeIntervalSince1970)
        var random = SeededRandom(seed: seed)
        let server = Server(data: data)
        try server.start()
        defer { server.stop() }

        var restarts = 0, crashes = 0, keptPartial = 0, cuts = 0
        for (trial, clip) in clips.enumerated() {
            let bytes = try Data(contentsOf: clip)
            let tus = ["Tus-Resumable": "1.0.0", "Authorization": auth]
            let metadata = "filename \(Data(clip.lastPathComponent.utf8).base64EncodedString()),officer \(Data("012345".utf8).base64EncodedString())"
            let created = try RawHTTP.send(
                port: server.port, method: "POST", path: "/api/uploads",
                headers: tus.merging(["Upload-Length": String(bytes.count), "Upload-Metadata": metadata]) { $1 })
            try #require(created.status == 201, "trial \(trial) (seed \(seed)): create gave \(created.status)")
            let location = try #require(created.header("location"))

            // One to three cuts at random offsets, then the rest in one go.
            var offset = 0
            for _ in 0..<Int.random(in: 1...3, using: &random) where offset < bytes.count - 1 {
                let sent = Int.random(in: 1..<(bytes.count - offset), using: &random)
                let mode = Int.random(in: 0..<4, using: &random)  // 0: crash mid-body, 1: restart after the cut
                try RawHTTP.cut(
                    port: server.port, method: "PATCH", path: location,
                    headers: tus.merging(["Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream"]) { $1 },
                    body: bytes[offset...], sentBytes: sent,
                    beforeClose: { if mode == 0 { server.stop(crash: true) } })
                cuts += 1
                if mode == 0 {
                    crashes += 1
                    try server.start()
                } else if mode == 1 {
                    server.stop()
                    restarts += 1
                    try server.start()
                }
                // The client asks where to go on; a handler still finishing the cut answers 423.
                var head = try RawHTTP.send(port: server.port, method: "HEAD", path: location, headers: tus)
                for _ in 0..<50 where head.status == 423 {
                    usleep(50_000)
                    head = try RawHTTP.send(port: server.port, method: "HEAD", path: location, headers: tus)
                }
                try #require(head.status == 200, "trial \(trial) (seed \(seed)): HEAD gave \(head.status)")
                let now = try #require(Int(head.header("upload-offset") ?? ""))
                #expect(now >= offset && now <= offset + sent, "trial \(trial) (seed \(seed)): offset \(now) after sending \(sent) from \(offset)")
                if now > offset { keptPartial += 1 }
                offset = now
            }
            var answer: RawHTTP.Response?
            for _ in 0..<50 {
                answer = try RawHTTP.send(
                    port: server.port, method: "PATCH", path: location,
                    headers: tus.merging(["Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream"]) { $1 },
                    body: Data(bytes[offset...]))
                guard answer?.status == 423 else { break }
                usleep(50_000)
            }
            let done = try #require(answer)
            let text = String(decoding: done.body, as: UTF8.self)
            #expect(done.status == 204, "trial \(trial) (seed \(seed)): last PATCH gave \(done.status) \(text)")
            #expect(done.header("upload-offset") == "\(bytes.count)")
            #expect(done.header("custody-sha256") == (try Fixtures.sha256(of: clip)), "trial \(trial) (seed \(seed))")
            #expect(["ingested", "quarantined"].contains(done.header("custody-status") ?? ""), "trial \(trial): \(done.header("custody-status") ?? "no status")")
        }
        server.stop()

        // Every clip once in the vault, with one receipt; nothing left in uploads/ or staging/.
        let catalog = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)
        let evidence = try await catalog.allEvidence()
        #expect(evidence.count == trials)
        for clip in clips {
            let sha = try Fixtures.sha256(of: clip)
            #expect(try await catalog.receipts(sha256: sha).count == 1, "\(clip.lastPathComponent) has one receipt")
        }
        #expect(TestEnvironment.files(in: data.appendingPathComponent("uploads")).isEmpty)
        #expect(TestEnvironment.files(in: data.appendingPathComponent("staging")).isEmpty)
        let verify = try Run.program(TestEnvironment.custodyBinary, ["verify", "--data", data.path])
        #expect(verify.status == 0, "verify: \(verify.stdout)")
        print("upload cuts (seed \(seed)): \(trials) uploads, \(cuts) cuts, \(crashes) server crashes, \(restarts) restarts, bytes kept in \(keptPartial) cuts")
        // The trials really exercised what they claim to.
        #expect(cuts >= trials)
        #expect(crashes >= 3 && restarts >= 3, "crashes \(crashes), restarts \(restarts) (seed \(seed))")
        #expect(keptPartial >= trials / 4, "bytes before a cut were kept in \(keptPartial) of \(cuts) cuts (seed \(seed))")
    }

    /// A client that stops sending mid-chunk but never closes (a phone out of signal): the
    /// server closes the connection after its idle time, keeps what arrived, and the upload
    /// can be resumed instead of staying locked by a request that never ends.
    @Test func aStalledUploadIsReleasedAfterTheIdleTimeout() throws {
        let dir = try TestEnvironment.temporaryFolder("upload-stall")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let token = try Run.program(TestEnvironment.custodyBinary, ["token", "add", "--station", "dock-1", "--data", data.path])
        let tus = ["Tus-Resumable": "1.0.0", "Authorization": "Bearer " + token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)]
        let bytes = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let server = Server(data: data, extra: ["--idle-timeout", "2"])
        try server.start()
        defer { server.stop() }
        let created = try RawHTTP.send(port: server.port, method: "POST", path: "/api/uploads",
                                       headers: tus.merging(["Upload-Length": String(bytes.count)]) { $1 })
        let location = try #require(created.header("location"))
        // 30,000 bytes, then silence for longer than the idle timeout, the socket still open.
        try RawHTTP.cut(
            port: server.port, method: "PATCH", path: location,
            headers: tus.merging(["Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"]) { $1 },
            body: bytes, sentBytes: 30_000, pause: 4)
        let head = try RawHTTP.send(port: server.port, method: "HEAD", path: location, headers: tus)
        #expect(head.status == 200)
        #expect(head.header("upload-offset") == "30000")
        let rest = try RawHTTP.send(
            port: server.port, method: "PATCH", path: location,
            headers: tus.merging(["Upload-Offset": "30000", "Content-Type": "application/offset+octet-stream"]) { $1 },
            body: bytes[30_000...])
        #expect(rest.status == 204)
        #expect(rest.header("upload-offset") == "100000")
    }
}
