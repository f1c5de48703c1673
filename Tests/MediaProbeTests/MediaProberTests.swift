import CustodyTestSupport
import Foundation
import MediaProbe
import Testing

@Suite struct MediaProberTests {
    static let footage = TestEnvironment.footage
    static let corpusVideo = TestEnvironment.corpus.appendingPathComponent("video")

    func sample(_ name: String) -> String {
        Self.footage.appendingPathComponent(name).path
    }

    @Test func aCompleteClipIsOkWithItsExactDurationAndStreams() {
        let info = MediaProber.probe(path: sample("J0012345_012345_20240214084900_0001.mp4"))
        #expect(info.integrity == .ok)
        #expect(info.error == nil)
        #expect(info.formatName == "mov,mp4,m4a,3gp,3g2,mj2")
        #expect(info.duration == 1020)
        #expect(info.durationSource == .container)
        #expect(info.streams.count == 2)
        #expect(info.streams.first?.codecName == "h264")
        #expect(info.streams.last?.codecName == "aac")
        #expect(info.streams.first?.width == 160)
        #expect(info.streams.first?.height == 120)
        #expect(info.tags["creation_time"] == "2024-02-14T00:49:00.000000Z")
        #expect(info.tags["location"] == "+32.0929+034.8620/")
        // 1 fps for 1020 s: every frame is a packet; and the sound's, 8 kHz AAC in 1024-sample frames.
        #expect(info.streams.first?.packets == 1020)
        #expect(info.packetCount == 1020 + 7970)
    }

    @Test func theCutSampleIsTruncated() throws {
        let info = MediaProber.probe(path: sample("J0023456_023456_20240214133000_0006.mp4"))
        #expect(info.integrity == .truncated)
        let error = try #require(info.error)
        #expect(error.contains("past the end"))
        // The container still declares 120 s; the packets present stop well short of it.
        #expect(info.duration == 120)
        #expect((info.packetDuration ?? 999) < 100)
    }

    @Test func theTextFileIsUnreadableWithASentence() throws {
        let info = MediaProber.probe(path: sample("J0012345_012345_20240214120000_0004.mp4"))
        #expect(info.integrity == .unreadable)
        let error = try #require(info.error)
        #expect(error.hasSuffix("."))
        #expect(!error.contains("\n"))
        #expect(info.streams.isEmpty)
    }

    @Test func aMissingFileIsUnreadable() {
        let info = MediaProber.probe(path: "/nonexistent/clip.mp4")
        #expect(info.integrity == .unreadable)
        #expect(info.error == "The file does not exist.")
    }

    @Test func aPlaylistIsNotFollowed() throws {
        // An HLS playlist pointing at another file must not be read through: only video
        // containers are accepted.
        let dir = try TestEnvironment.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let playlist = dir.appendingPathComponent("evil.m3u8")
        try "#EXTM3U\n#EXTINF:10,\n\(sample("J0012345_012345_20240214084900_0001.mp4"))\n#EXT-X-ENDLIST\n"
            .write(to: playlist, atomically: true, encoding: .utf8)
        let info = MediaProber.probe(path: playlist.path)
        #expect(info.integrity == .unreadable)
    }

    @Test func everyCorpusFileIsProbedQuicklyWithAVerdict() throws {
        let files = TestEnvironment.files(in: Self.corpusVideo)
        try #require(files.count >= 16, "the shared corpus must be beside the clone at ../shared/corpus")
        for file in files {
            let started = Date()
            let info = MediaProber.probe(path: file.path)
            let seconds = Date().timeIntervalSince(started)
            #expect(seconds < 10, "\(file.lastPathComponent) took \(seconds) s")
            if info.integrity != .ok {
                #expect(info.error?.isEmpty == false, "\(file.lastPathComponent) has no error sentence")
            }
        }
    }

    @Test(arguments: [
        ("mp4parse_clusterfuzz_6093954524250112.mp4", Integrity.unreadable),
        ("exiftool_Matroska.mkv", .unreadable),
        ("pymediainfo_sample.mkv", .unreadable),
        ("mp4ff_init_truncated.mp4", .truncated),
        ("exiftool_QuickTime_pentax.mov", .truncated),
        ("exiftool_RIFF.avi", .truncated),
        ("exiftool_Pentax.avi", .truncated),
        ("jcodec_metaedit_keyed.mp4", .truncated),
        ("gopro_karma.mp4", .ok),
        ("gopro_max_heromode.mp4", .ok),
        ("mde_with-gps.mov", .ok),
        ("mp4parse_metadata.mp4", .ok),
        ("mp4parse_no_timescale.mp4", .ok),
        ("mp4ff_v300_multiple_segments_fragmented.mp4", .ok),
    ])
    func corpusVerdicts(name: String, expected: Integrity) {
        let info = MediaProber.probe(path: Self.corpusVideo.appendingPathComponent(name).path)
        #expect(info.integrity == expected, "\(name): \(info.error ?? "no error")")
    }

    @Test func fragmentedMP4DurationComesFromItsFragments() throws {
        // Its moov says 3900 s (a live-stream placeholder); 240 frames at 30 fps are 8 s.
        let info = MediaProber.probe(path: Self.corpusVideo.appendingPathComponent("mp4ff_v300_multiple_segments_fragmented.mp4").path)
        #expect(info.fragmented)
        #expect(info.containerDuration == 3900)
        #expect(info.durationSource == .packets)
        let duration = try #require(info.duration)
        #expect(abs(duration - 8.0) < 0.05)
        #expect(info.packetCount == 240)
    }

    @Test func aTimeLimitStopsAProbe() {
        var options = ProbeOptions()
        options.timeLimit = 0.000001
        let info = MediaProber.probe(path: Self.corpusVideo.appendingPathComponent("gopro_karma.mp4").path, options: options)
        // Either the open or the scan is interrupted; the file is never called ok.
        #expect(info.integrity != .ok)
        #expect(info.error != nil)
    }
}
