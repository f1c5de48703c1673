import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// The drop-folder protocol against a real `custody watch` (issue 11, item 2 and acceptance 2).
@Suite(.serialized) struct DropFolderTests {
    /// `custody watch --data DATA` over DATA/inbox, its JSON lines collected in `folder`.
    final class Watcher {
        let process = Process()
        let out: URL

        init(data: URL, settle: Double, folder: URL) throws {
            out = folder.appendingPathComponent("watch.out")
            let err = folder.appendingPathComponent("watch.err")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.executableURL = TestEnvironment.custodyBinary
            process.arguments = ["watch", "--data", data.path, "--settle", String(settle), "--interval", "0.2", "--json"]
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            try process.run()
        }

        var lines: [String] {
            ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        func waitFor(lines count: Int, timeout: Double = 20) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while lines.count < count && Date() < deadline { usleep(50_000) }
            return lines.count >= count
        }

        @discardableResult
        func stop() -> Int32? {
            process.terminate()
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                return nil
            }
            return process.terminationStatus
        }
    }

    @Test func aWriterThatPausesLongerThanTheSettleTimeHasItsCompleteFileStored() async throws {
        let dir = try TestEnvironment.temporaryFolder("dropfolder")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let inbox = data.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let watcher = try Watcher(data: data, settle: 0.5, folder: dir)
        defer { watcher.stop() }
        usleep(500_000)

        // A slow copy from a docking station: the first half, a pause of 4× the settle time
        // with the file still open, then the rest.
        let name = "J0012345_012345_20240214093135_0002.mp4"
        let source = TestEnvironment.footage.appendingPathComponent(name)
        let clip = try Data(contentsOf: source)
        let whole = try Fixtures.sha256(of: source)
        let half = dir.appendingPathComponent("half")
        try clip.prefix(clip.count / 2).write(to: half)
        let halfSHA = try Fixtures.sha256(of: half)
        let target = inbox.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: target.path, contents: nil)
        let writer = try FileHandle(forWritingTo: target)
        try writer.write(contentsOf: clip.prefix(clip.count / 2))
        usleep(2_000_000)
        #expect(watcher.lines.isEmpty, "the half file was taken: \(watcher.lines)")
        try writer.write(contentsOf: clip.dropFirst(clip.count / 2))
        try writer.close()

        #expect(watcher.waitFor(lines: 1))
        usleep(1_500_000)
        let lines = watcher.lines
        #expect(lines.count == 1, "taken once: \(lines)")
        #expect(lines.first?.contains(#""status":"ingested""#) == true, "\(lines)")
        #expect(lines.first?.contains(whole) == true, "\(lines)")
        #expect(watcher.stop() == 0)

        // The stored file is the complete one; no row for the half; the inbox is drained.
        let catalog = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)
        let evidence = try await catalog.allEvidence()
        #expect(evidence.map(\.sha256) == [whole])
        #expect(try await catalog.evidence(sha256: halfSHA) == nil)
        let stored = try #require(evidence.first)
        #expect(try Fixtures.sha256(of: data.appendingPathComponent(stored.storedPath)) == whole)
        #expect(!FileManager.default.fileExists(atPath: target.path))
        // Sealed read-only, and a new inode (nothing written to the inbox name can reach it).
        let attributes = try FileManager.default.attributesOfItem(atPath: data.appendingPathComponent(stored.storedPath).path)
        #expect((attributes[.posixPermissions] as? Int) == 0o444)
        let verify = try Run.program(TestEnvironment.custodyBinary, ["verify", "--data", data.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test func aSealedDropFolderFileIsACopyThatLaterWritesCannotReach() async throws {
        let dir = try TestEnvironment.temporaryFolder("dropfolder-inode")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let inbox = data.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let name = "J0023456_023456_20240214085800_0001.mp4"
        let source = TestEnvironment.footage.appendingPathComponent(name)
        let target = inbox.appendingPathComponent(name)
        try FileManager.default.copyItem(at: source, to: target)
        // A second name for the inbox file's inode: what a writer holding it would reach.
        let other = dir.appendingPathComponent("writer-view")
        try FileManager.default.linkItem(at: target, to: other)
        let watcher = try Watcher(data: data, settle: 0.3, folder: dir)
        defer { watcher.stop() }
        #expect(watcher.waitFor(lines: 1))
        #expect(watcher.stop() == 0)
        let catalog = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)
        let stored = try #require(try await catalog.allEvidence().first)
        let vaultFile = data.appendingPathComponent(stored.storedPath)
        let inode = { (url: URL) in (try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int) }
        #expect(try inode(vaultFile) != inode(other))
        // Writing on through the old inode leaves the evidence untouched.
        let handle = try FileHandle(forWritingTo: other)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("late bytes".utf8))
        try handle.close()
        let verify = try Run.program(TestEnvironment.custodyBinary, ["verify", "--data", data.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
