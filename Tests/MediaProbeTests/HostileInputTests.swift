import CustodyTestSupport
import Foundation
import MediaProbe
import Testing

/// Hostile and damaged inputs never crash or hang the probe or the thumbnailer (issue 11, item 1).
///
/// The probe runs in this process: a double free or a wild read fails the whole test run, which is
/// the point. `tools/fuzz/run` looks for new inputs; each one it finds goes into `Crashers/`.
@Suite struct HostileInputTests {
    static let corpusVideo = TestEnvironment.corpus.appendingPathComponent("video")
    static let crashers = TestEnvironment.packageRoot.appendingPathComponent("Tests/MediaProbeTests/Crashers")

    /// A probe of one input, timed. Every hostile input gets the same tight budget, so a hang
    /// shows as a wall time far past it.
    struct Outcome {
        var info: MediaInfo
        var seconds: Double
    }

    static let limit = 3.0

    static func probe(_ bytes: [UInt8], in folder: URL, name: String = "input.bin", thumbnail: Bool = true) throws -> Outcome {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        var options = ProbeOptions()
        options.timeLimit = limit
        let start = Date()
        let info = MediaProber.probe(path: url.path, options: options)
        if thumbnail, info.integrity != .unreadable {
            _ = try? Thumbnailer.thumbnail(path: url.path, maxWidth: 160, timeLimit: limit)
        }
        return Outcome(info: info, seconds: Date().timeIntervalSince(start))
    }

    static func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    @Test func theTruncationThatCrashedTheProbeIsAnUnreadableResult() throws {
        let dir = try TestEnvironment.temporaryFolder("hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try Self.bytes(Self.corpusVideo.appendingPathComponent("exiftool_M2TS.mts"))
        let outcome = try Self.probe(Array(whole.prefix(358)), in: dir, name: "cut.mts")
        // avformat_find_stream_info fails on it: the probe says so instead of freeing twice.
        #expect(outcome.info.integrity != .ok)
        #expect(outcome.info.error?.isEmpty == false)
    }

    @Test func everyTruncationOfTheCameraFileIsAResultWithinItsTimeLimit() throws {
        let dir = try TestEnvironment.temporaryFolder("hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try Self.bytes(Self.corpusVideo.appendingPathComponent("exiftool_M2TS.mts"))
        var notOK = 0, slowest = 0.0
        // Every length from empty to one byte short of whole (1,344 inputs).
        for length in 0..<whole.count {
            let outcome = try Self.probe(Array(whole.prefix(length)), in: dir, name: "cut.mts", thumbnail: length % 8 == 0)
            if outcome.info.integrity != .ok { notOK += 1 }
            slowest = max(slowest, outcome.seconds)
        }
        #expect(notOK > 0)
        #expect(slowest < Self.limit * 2 + 1, "a truncation took \(slowest) s")
    }

    @Test func everyInputTheFuzzerFoundReplaysWithoutACrash() throws {
        let dir = try TestEnvironment.temporaryFolder("hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        let found = TestEnvironment.files(in: Self.crashers)
        #expect(!found.isEmpty, "Crashers/ holds the inputs that crashed the probe; it is never empty")
        for url in found {
            let outcome = try Self.probe(try Self.bytes(url), in: dir, name: url.lastPathComponent)
            #expect(outcome.seconds < Self.limit * 2 + 1, "\(url.lastPathComponent) took \(outcome.seconds) s")
            if outcome.info.integrity == .unreadable {
                #expect(outcome.info.error?.isEmpty == false, "\(url.lastPathComponent) is unreadable without a reason")
            }
        }
    }

    /// One byte-level mutant: flipped bytes, a cut, inserted junk, a zeroed run, a repeated chunk
    /// or a field of 0xFF (sizes and counts read as huge), as fuzzers and damaged cards make.
    static func mutant(of original: [UInt8], using random: inout SeededRandom) -> [UInt8] {
        var bytes = original
        guard !bytes.isEmpty else { return [UInt8.random(in: 0...255, using: &random)] }
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let at = Int.random(in: 0..<max(bytes.count, 1), using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0:
                for _ in 0..<Int.random(in: 1...8, using: &random) {
                    let i = Int.random(in: 0..<bytes.count, using: &random)
                    bytes[i] ^= UInt8.random(in: 1...255, using: &random)
                }
            case 1:
                bytes = Array(bytes.prefix(max(at, 1)))
            case 2:
                let junk = (0..<Int.random(in: 1...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                bytes.insert(contentsOf: junk, at: at)
            case 3:
                let end = min(bytes.count, at + Int.random(in: 1...512, using: &random))
                for i in at..<end { bytes[i] = 0 }
            case 4:
                let end = min(bytes.count, at + Int.random(in: 1...2048, using: &random))
                bytes.insert(contentsOf: bytes[at..<end], at: Int.random(in: 0...bytes.count, using: &random))
            default:
                let end = min(bytes.count, at + 4)
                for i in at..<end { bytes[i] = 0xFF }
            }
            if bytes.isEmpty { bytes = [0] }
        }
        return bytes
    }

    @Test func twelveHundredMutantsOfRealCameraFilesNeitherCrashNorHang() throws {
        let dir = try TestEnvironment.temporaryFolder("hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Each corpus file's first 64 KiB: the headers, the index and the first packets.
        let seeds = try TestEnvironment.files(in: Self.corpusVideo).map { url in
            (url.pathExtension, Array(try Self.bytes(url).prefix(65_536)))
        }
        #expect(seeds.count >= 10)
        let seed = UInt64(ProcessInfo.processInfo.environment["CUSTODY_MUTATION_SEED"] ?? "") ?? 20_261_201
        var random = SeededRandom(seed: seed)
        var counts: [Integrity: Int] = [:]
        var slowest = (seconds: 0.0, input: "")
        for i in 0..<1_200 {
            let (ext, original) = seeds[i % seeds.count]
            let bytes = Self.mutant(of: original, using: &random)
            let outcome = try Self.probe(bytes, in: dir, name: "m.\(ext)", thumbnail: i % 4 == 0)
            counts[outcome.info.integrity, default: 0] += 1
            if outcome.seconds > slowest.seconds { slowest = (outcome.seconds, "mutant \(i) (seed \(seed))") }
        }
        #expect(counts.values.reduce(0, +) == 1_200)
        // The mutants are hostile enough to matter: many are judged damaged.
        #expect((counts[.unreadable] ?? 0) + (counts[.truncated] ?? 0) > 100, "\(counts)")
        #expect(slowest.seconds < Self.limit * 2 + 1, "\(slowest.input) took \(slowest.seconds) s")
    }
}
