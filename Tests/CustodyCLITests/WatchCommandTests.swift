import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// `custody watch` as a real daemon process (issue 3, acceptance 5).
@Suite(.serialized) struct WatchCommandTests {
    final class Daemon {
        let process = Process()
        let out: URL
        let err: URL

        init(data: URL, inbox: URL, settle: Double = 1, folder: URL) throws {
            out = folder.appendingPathComponent("watch.out")
            err = folder.appendingPathComponent("watch.err")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.executableURL = TestEnvironment.custodyBinary
            process.arguments = ["watch", "--data", data.path, "--settle", String(settle), "--interval", "0.2", "--json", inbox.path]
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            try process.run()
        }

        var lines: [String] {
            ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        /// Sends SIGTERM and waits (bounded) for the exit status.
        func stop(timeout: Double = 30) -> Int32? {
            process.terminate()
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                return nil
            }
            return process.terminationStatus
        }

        func waitFor(lines count: Int, timeout: Double = 20) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while lines.count < count && Date() < deadline { usleep(50_000) }
            return lines.count >= count
        }
    }

    @Test func aSlowlyWrittenFileIsIngestedOnceAndOnlyWhenComplete() async throws {
        let dir = try TestEnvironment.temporaryFolder("watch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let inbox = dir.appendingPathComponent("inbox"), data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let daemon = try Daemon(data: data, inbox: inbox, settle: 1, folder: dir)
        defer { _ = daemon.stop() }
        usleep(500_000)

        // A camera dock writing 1.1 MB in 64 KB pieces over ~2 s: pauses shorter than the settle time.
        let clip = try Data(contentsOf: TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214093135_0002.mp4"))
        let target = inbox.appendingPathComponent("J0012345_012345_20240214093135_0002.mp4")
        _ = FileManager.default.createFile(atPath: target.path, contents: nil)
        let handle = try FileHandle(forWritingTo: target)
        var offset = 0
        while offset < clip.count {
            let end = min(offset + 65_536, clip.count)
            try handle.write(contentsOf: clip[offset..<end])
            offset = end
            usleep(100_000)
            #expect(daemon.lines.isEmpty, "ingested before the file was complete (at \(offset) bytes)")
        }
        try handle.close()
        // And a station that writes under a temporary name, then renames.
        let second = try Data(contentsOf: TestEnvironment.footage.appendingPathComponent("J0023456_023456_20240214085800_0001.mp4"))
        let part = inbox.appendingPathComponent("J0023456_023456_20240214085800_0001.mp4.part")
        try second.write(to: part)
        usleep(1_500_000)
        #expect(daemon.lines.count <= 1, "a .part file was taken")
        try FileManager.default.moveItem(at: part, to: inbox.appendingPathComponent("J0023456_023456_20240214085800_0001.mp4"))

        #expect(daemon.waitFor(lines: 2))
        usleep(1_500_000)
        let lines = daemon.lines
        #expect(lines.count == 2, "each file exactly once: \(lines)")
        #expect(lines.allSatisfy { $0.contains(#""status":"ingested""#) })
        // The daemon's background worker analyses what it stored (issue 14): within a round or two.
        let catalog = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)
        var analysed = 0
        for _ in 0..<60 where analysed < 2 {
            analysed = try await catalog.analysisCounts().done
            if analysed < 2 { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(analysed == 2, "custody watch analysed \(analysed) of its 2 clips")
        #expect(daemon.stop() == 0)

        let evidence = try await catalog.allEvidence()
        #expect(evidence.count == 2)
        let whole = try Fixtures.sha256(of: TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214093135_0002.mp4"))
        #expect(evidence.contains { $0.sha256 == whole })
        #expect(try await catalog.receiptCount() == 2)
        #expect(try await catalog.receipts(sha256: whole).first?.method == "watch")
        // The inbox is drained.
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbox.path).isEmpty)
    }

    @Test func sigtermDuringAnIngestFinishesItAndLeavesNothingHalfDone() async throws {
        let dir = try TestEnvironment.temporaryFolder("watch-term")
        defer { try? FileManager.default.removeItem(at: dir) }
        let inbox = dir.appendingPathComponent("inbox"), data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let staging = data.appendingPathComponent("staging")
        let daemon = try Daemon(data: data, inbox: inbox, settle: 0.3, folder: dir)
        usleep(500_000)

        // A large file takes long enough to copy, fsync and hash that the signal lands mid-way.
        let big = dir.appendingPathComponent("big.mp4")
        let make = try Run.tool("dd", ["if=/dev/urandom", "of=\(big.path)", "bs=1M", "count=400", "status=none"], timeout: 120)
        #expect(make.status == 0)
        try FileManager.default.moveItem(at: big, to: inbox.appendingPathComponent("big.mp4"))
        let deadline = Date().addingTimeInterval(20)
        var staged = false
        while !staged && Date() < deadline {
            staged = !((try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []).isEmpty
            if !staged { usleep(5_000) }
        }
        #expect(staged, "the ingest never started")
        let status = daemon.stop(timeout: 60)
        #expect(status == 0, "watch did not drain and exit 0: \(String(describing: status))")

        // Nothing half-done: staging empty, the journal clear, and the file either fully stored
        // (and gone from the inbox) or still in the inbox untouched.
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging.path).isEmpty)
        let catalog = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)
        #expect(try await catalog.pending().isEmpty)
        let stored = try await catalog.allEvidence()
        let inInbox = FileManager.default.fileExists(atPath: inbox.appendingPathComponent("big.mp4").path)
        #expect(stored.count == 1 && !inInbox, "drained ingest should have completed")
        let verify = try Run.program(TestEnvironment.custodyBinary, ["verify", "--data", data.path])
        #expect(verify.status == 0, "\(verify.stdout)")
    }
}
