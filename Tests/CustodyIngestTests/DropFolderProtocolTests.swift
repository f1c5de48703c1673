import CustodyIngest
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// The library side of the drop-folder protocol (issue 11, item 2).
@Suite struct DropFolderProtocolTests {
    @Test func namesThatWritersUseWhileWritingAreIgnored() {
        for name in ["clip.mp4.part", "clip.MP4.TMP", "clip.mp4.crdownload", "clip.mp4.partial", "clip.mp4.download",
                     ".clip.mp4", "~$clip.mp4", "clip.mp4~"] {
            #expect(SourceWalker.isIgnorableName(Array(name.utf8)), "\(name) would be taken")
        }
        #expect(!SourceWalker.isIgnorableName(Array("J0012345_012345_20240214093135_0002.mp4".utf8)))
    }

    @Test func aDropFolderFileThatChangedAfterItSettledIsNotStoredAndIsLeftInPlace() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let inbox = ws.folder.inbox
        let clip = try #require(try Fixtures.distinctClips(1, in: inbox).first)
        let settled = try #require(SourceState.of(RawPath(clip.path)))
        // The writer appends after the watcher saw it settle.
        let handle = try FileHandle(forWritingTo: clip)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 1, count: 100))
        try handle.close()
        var request = IngestRequest(source: RawPath(clip.path), move: true, method: "watch", handedInBy: "watch")
        request.settled = settled
        let result = await ws.ingestor.ingest(request)
        #expect(result.status == .failed && result.unsettled, "\(result)")
        await #expect(try ws.catalog.evidenceCount() == 0)
        #expect(FileManager.default.fileExists(atPath: clip.path))
        #expect(ws.stagingIsEmpty())
        // Once it settles again it is taken, whole, and only then removed from the inbox.
        request.settled = SourceState.of(RawPath(clip.path))
        let again = await ws.ingestor.ingest(request)
        #expect(again.status == .ingested, "\(again)")
        #expect(!FileManager.default.fileExists(atPath: clip.path))
    }

    @Test func aDropFolderFileStillOpenForWritingIsNotTaken() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let clip = try #require(try Fixtures.distinctClips(1, in: ws.folder.inbox).first)
        let writer = try FileHandle(forWritingTo: clip)
        defer { try? writer.close() }
        var request = IngestRequest(source: RawPath(clip.path), move: true, method: "watch", handedInBy: "watch")
        request.settled = SourceState.of(RawPath(clip.path))
        let result = await ws.ingestor.ingest(request)
        #expect(result.unsettled, "\(result)")
        await #expect(try ws.catalog.evidenceCount() == 0)
        #expect(FileManager.default.fileExists(atPath: clip.path))
    }
}
