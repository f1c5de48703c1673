import CustodyTestSupport
import Foundation
import MediaProbe
import Testing

/// The content analysis of issue 14 in MediaProbe: the stretch rules on hand-made profiles, and
/// the decoder on every real camera file and on mutants of them (never a crash, never a hang).
@Suite struct SignalAnalyzerTests {
    typealias Sample = SignalProfile.VideoSample

    static func alive(_ t: Double) -> Sample { Sample(time: t, mean: 100, spread: 60, darkShare: 0.2, change: 30) }
    static func dark(_ t: Double) -> Sample { Sample(time: t, mean: 20, spread: 6, darkShare: 0.95, change: 8) }
    static func still(_ t: Double) -> Sample { Sample(time: t, mean: 100, spread: 60, darkShare: 0.2, change: 0.2) }

    /// One sample a second: alive 0–9, dark 10–21 (12 s), alive, frozen from 30 (the picture
    /// of 30 held until 41), alive to 60. Sound loud but silent 0–35 (grace cuts it to 30–35:
    /// too short) and 45–56.5.
    static var profile: SignalProfile {
        var video: [Sample] = []
        for t in 0..<60 {
            let s = Double(t)
            video.append(t >= 10 && t < 22 ? dark(s) : t > 30 && t < 41 ? still(s) : alive(s))
        }
        var levels = [Double](repeating: -20, count: 600)
        for w in 0..<350 { levels[w] = -.infinity }
        for w in 450..<565 { levels[w] = -75 }
        return SignalProfile(duration: 60, hasVideo: true, hasAudio: true, video: video, audioWindow: 0.1, audioLevels: levels)
    }

    @Test func stretchesFollowThePolicyNumbers() {
        let found = Self.profile.stretches(SignalThresholds())
        #expect(found == [
            SignalStretch(kind: .obscured, start: 10, end: 22),
            SignalStretch(kind: .frozen, start: 30, end: 41),
            SignalStretch(kind: .muted, start: 45, end: 56.5),
        ])
        // Longer than is strict: 12 s of dark is not longer than 12.
        var strict = SignalThresholds()
        strict.obscuredSeconds = 12
        strict.frozenSeconds = 11
        #expect(!Self.profile.stretches(strict).contains { $0.kind == .obscured || $0.kind == .frozen })
        // Without the grace, the silent start is muted too; a quieter level finds less.
        var noGrace = SignalThresholds()
        noGrace.prebufferGraceSeconds = 0
        #expect(Self.profile.stretches(noGrace).filter { $0.kind == .muted }.map(\.start) == [0, 45])
        var quieter = SignalThresholds()
        quieter.mutedLevelDB = -80
        #expect(Self.profile.stretches(quieter).filter { $0.kind == .muted }.isEmpty)
    }

    @Test func aBlackScreenIsObscuredNotAlsoFrozen() {
        let video = (0..<40).map { Sample(time: Double($0), mean: 0, spread: 0, darkShare: 1, change: $0 == 0 ? nil : 0) }
        let profile = SignalProfile(duration: 40, hasVideo: true, hasAudio: true, video: video, audioWindow: 0.1, audioLevels: Array(repeating: -20, count: 400))
        #expect(profile.stretches(SignalThresholds()) == [SignalStretch(kind: .obscured, start: 0, end: 40)])
        // Near-uniform bright frames (a lens pressed on a shirt) are obscured too.
        #expect(Sample(time: 0, mean: 200, spread: 3, darkShare: 0, change: 5).obscured)
        #expect(!Self.alive(0).obscured)
    }

    @Test func aClipWithoutSoundIsMutedAfterTheGrace() {
        let video = (0..<50).map { Self.alive(Double($0)) }
        let silent = SignalProfile(duration: 50, hasVideo: true, hasAudio: false, video: video, audioWindow: 0.1, audioLevels: [])
        #expect(silent.stretches(SignalThresholds()) == [SignalStretch(kind: .muted, start: 30, end: 50)])
        let short = SignalProfile(duration: 38, hasVideo: true, hasAudio: false, video: Array(video.prefix(38)), audioWindow: 0.1, audioLevels: [])
        #expect(short.stretches(SignalThresholds()).isEmpty, "8 s after the grace is not longer than 10 s")
        let seconds = silent.perSecond()
        #expect(seconds.luma.count == 50 && seconds.level.allSatisfy { $0 == nil })
    }

    /// Every file of the real-camera corpus is analysed within a bounded time; those FFmpeg
    /// cannot read are an error, not a crash.
    @Test func everyCorpusFileIsAnalysedWithoutACrashOrAHang() throws {
        let files = TestEnvironment.files(in: TestEnvironment.corpus.appendingPathComponent("video"))
        #expect(files.count >= 10)
        var analysed = 0, refused = 0
        let decodable: Set = ["gopro_karma.mp4", "gopro_max_heromode.mp4", "mde_with-gps.mov", "mp4parse_no_timescale.mp4", "mp4ff_v300_multiple_segments_fragmented.mp4"]
        for file in files {
            let started = Date()
            var options = SignalOptions()
            options.minimumBudget = 30
            do {
                let profile = try SignalAnalyzer.analyze(path: file.path, options: options)
                analysed += 1
                #expect(profile.duration >= 0)
                #expect(profile.video.allSatisfy { $0.time >= 0 && $0.mean >= 0 && $0.mean <= 255 }, "\(file.lastPathComponent)")
                _ = profile.stretches(SignalThresholds())
                if file.lastPathComponent == "mp4ff_v300_multiple_segments_fragmented.mp4" {
                    #expect(profile.duration < 10, "its fragments run 8 s, whatever its header says")
                }
            } catch {
                #expect(!decodable.contains(file.lastPathComponent), "\(file.lastPathComponent): \(error.message)")
                refused += 1
                #expect(!error.message.isEmpty)
            }
            let seconds = Date().timeIntervalSince(started)
            #expect(seconds < 45, "\(file.lastPathComponent) took \(seconds) s")
        }
        // Many corpus files are headers without frames (FFmpeg decodes nothing from them either);
        // those with pictures are analysed.
        #expect(analysed >= 5 && refused >= 5, "analysed \(analysed), refused \(refused)")
    }

    @Test func mutantsOfRealCameraFilesNeitherCrashNorHangTheAnalysis() throws {
        let dir = try TestEnvironment.temporaryFolder("hostile-signal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let seeds = try TestEnvironment.files(in: HostileInputTests.corpusVideo).map { url in
            (url.pathExtension, Array(try HostileInputTests.bytes(url).prefix(65_536)))
        }
        var random = SeededRandom(seed: 20_261_202)
        var slowest = 0.0
        for i in 0..<300 {
            let (ext, original) = seeds[i % seeds.count]
            let url = dir.appendingPathComponent("m.\(ext)")
            try Data(HostileInputTests.mutant(of: original, using: &random)).write(to: url)
            var options = SignalOptions()
            options.timeLimit = HostileInputTests.limit
            options.minimumBudget = HostileInputTests.limit
            let started = Date()
            _ = try? SignalAnalyzer.analyze(path: url.path, options: options)
            slowest = max(slowest, Date().timeIntervalSince(started))
        }
        #expect(slowest < HostileInputTests.limit * 2 + 1, "slowest mutant: \(slowest) s")
    }
}
