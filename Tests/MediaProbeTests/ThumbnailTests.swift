import CustodyTestSupport
import Foundation
import MediaProbe
import Testing

@Suite struct ThumbnailTests {
    /// Width and height from a JPEG's start-of-frame marker, after checking SOI and EOI.
    static func jpegDimensions(_ bytes: [UInt8]) -> (Int, Int)? {
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8,
              bytes[bytes.count - 2] == 0xFF, bytes[bytes.count - 1] == 0xD9 else { return nil }
        var i = 2
        while i + 9 < bytes.count {
            guard bytes[i] == 0xFF else { return nil }
            let marker = bytes[i + 1]
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            if (0xC0...0xC3).contains(marker) {
                let height = Int(bytes[i + 5]) << 8 | Int(bytes[i + 6])
                let width = Int(bytes[i + 7]) << 8 | Int(bytes[i + 8])
                return (width, height)
            }
            i += 2 + length
        }
        return nil
    }

    @Test(arguments: [
        (TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214084900_0001.mp4"), 160, 120),
        (TestEnvironment.corpus.appendingPathComponent("video/gopro_karma.mp4"), 854, 480),
        (TestEnvironment.corpus.appendingPathComponent("video/mde_with-gps.mov"), 568, 320),
    ])
    func thumbnailIsAValidJPEGOfTheClipsDimensions(file: URL, width: Int, height: Int) throws {
        let still = try Thumbnailer.thumbnail(path: file.path)
        #expect(still.width == width)
        #expect(still.height == height)
        let dims = try #require(Self.jpegDimensions(still.jpeg), "not a baseline JPEG")
        #expect(dims.0 == width)
        #expect(dims.1 == height)

        // FFmpeg itself reads it back as an MJPEG image of that size.
        let dir = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("t.jpg")
        try Data(still.jpeg).write(to: out)
        let probe = try Run.tool("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", out.path])
        #expect(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "mjpeg,\(width),\(height)")
    }

    @Test func thumbnailCanBeScaledDown() throws {
        let file = TestEnvironment.corpus.appendingPathComponent("video/gopro_karma.mp4")
        let still = try Thumbnailer.thumbnail(path: file.path, maxWidth: 320)
        #expect(still.width == 320)
        #expect(Self.jpegDimensions(still.jpeg)?.0 == 320)
    }

    @Test func aFileWithoutVideoGivesAClearError() throws {
        let file = TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214120000_0004.mp4")
        #expect(throws: MediaProbeError.self) { try Thumbnailer.thumbnail(path: file.path) }
    }
}
