import CustodyIngest
import CustodyTestSupport
import Foundation
import Testing

@Suite struct FileHasherTests {
    @Test func matchesSha256sumAcrossChunkBoundaries() throws {
        let dir = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for size in [0, 1, FileHasher.chunkSize - 1, FileHasher.chunkSize, FileHasher.chunkSize * 2 + 17] {
            let file = dir.appendingPathComponent("f\(size)")
            var bytes = [UInt8](repeating: 0, count: size)
            for i in 0..<size { bytes[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
            try Data(bytes).write(to: file)
            let ours = try FileHasher.sha256(path: file.path)
            let reference = try Run.tool("sha256sum", [file.path]).stdout.split(separator: " ").first.map(String.init)
            #expect(ours.sha256 == reference)
            #expect(ours.size == Int64(size))
        }
    }

    @Test func anUnreadableFileIsAnError() {
        #expect(throws: FileHasher.Failure.self) { try FileHasher.sha256(path: "/nonexistent/file") }
    }
}
