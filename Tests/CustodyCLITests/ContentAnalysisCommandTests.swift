import CustodyCore
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Issue 14 through the command line: `custody analyze` on the labelled corpus that
/// `tools/make-content-samples` writes, side by side with FFmpeg's own detectors, and the
/// analysis queue of a data folder worked by `custody analyze --pending`.
@Suite(.serialized) struct ContentAnalysisCommandTests {
    static let custody = TestEnvironment.custodyBinary

    struct Labelled: Decodable {
        struct Stretch: Decodable, Equatable {
            var kind: String
            var start: Double
            var end: Double
        }
        var file: String
        var duration: Double
        var keyframe_interval: Double
        var stretches: [Stretch]
    }

    struct Analysed: Decodable {
        var path: String
        var duration: Double?
        var stretches: [Labelled.Stretch]
        var error: String?
    }

    /// The labelled corpus (made once per build folder; the script skips work it has done).
    static let corpus: Result<(folder: URL, labels: [Labelled]), any Error> = Result {
        let folder = TestEnvironment.packageRoot.appendingPathComponent(".build/content-samples")
        let made = try Run.program(
            URL(fileURLWithPath: "/bin/bash"), [TestEnvironment.packageRoot.appendingPathComponent("tools/make-content-samples").path, folder.path],
            timeout: 600)
        guard made.status == 0 else { throw Failure("make-content-samples failed: \(made.stderr)") }
        let labels = try String(contentsOf: folder.appendingPathComponent("expected.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONDecoder().decode(Labelled.self, from: Data($0.utf8)) }
        return (folder, labels)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    static func analyse(_ files: [URL]) throws -> (status: Int32, results: [String: Analysed]) {
        let run = try Run.program(custody, ["analyze", "--json"] + files.map(\.path), timeout: 300)
        var results: [String: Analysed] = [:]
        for line in run.stdoutLines {
            let r = try JSONDecoder().decode(Analysed.self, from: Data(line.utf8))
            results[URL(fileURLWithPath: r.path).lastPathComponent] = r
        }
        return (run.status, results)
    }

    /// Acceptance 1: each labelled stretch found within the larger of 1 s and the file's key-frame
    /// interval, and nothing where there is nothing.
    @Test func theLabelledCorpusGivesExactlyItsStretches() throws {
        let (folder, labels) = try Self.corpus.get()
        #expect(labels.count >= 10)
        // The corpus covers what the issue asks for.
        let names = labels.map(\.file).joined(separator: " ")
        for part in ["1080p", "480p", "h264", "hevc", ".mp4", ".mkv", ".ts", "black", "darknoise", "bright", "frozen", "silence", "roomnoise", "noaudio"] {
            #expect(names.contains(part), "no clip for \(part)")
        }
        let (status, results) = try Self.analyse(labels.map { folder.appendingPathComponent($0.file) })
        #expect(status == 0)
        for label in labels {
            let got = try #require(results[label.file], "\(label.file) not analysed")
            #expect(got.error == nil, "\(label.file): \(got.error ?? "")")
            let tolerance = max(1, label.keyframe_interval)
            #expect(got.stretches.count == label.stretches.count, "\(label.file): got \(got.stretches), want \(label.stretches)")
            for (a, b) in zip(got.stretches, label.stretches) {
                #expect(a.kind == b.kind && abs(a.start - b.start) <= tolerance && abs(a.end - b.end) <= tolerance, "\(label.file): got \(a), want \(b)")
            }
            #expect(abs((got.duration ?? 0) - label.duration) <= tolerance, "\(label.file): duration \(got.duration ?? 0)")
        }
    }

    /// FFmpeg's detectors' stretches on one file: (kind, start, end), with our policy's numbers.
    static func ffmpegStretches(_ file: URL) throws -> [Labelled.Stretch] {
        let run = try Run.program(
            URL(fileURLWithPath: "/usr/bin/ffmpeg"),
            ["-hide_banner", "-nostats", "-i", file.path, "-vf", "blackdetect=d=10:pix_th=0.10,freezedetect=n=0.003:d=10",
             "-af", "silencedetect=n=-60dB:d=10", "-f", "null", "-"], timeout: 300)
        var found: [Labelled.Stretch] = []
        var open: [String: Double] = [:]
        let text = run.stderr
        func number(after key: String, in line: Substring) -> Double? {
            guard let range = line.range(of: key) else { return nil }
            return Double(line[range.upperBound...].prefix { "0123456789.-".contains($0) })
        }
        for line in text.split(separator: "\n") {
            if let s = number(after: "black_start:", in: line), let e = number(after: "black_end:", in: line) {
                found.append(.init(kind: "obscured", start: s, end: e))
            }
            if let s = number(after: "lavfi.freezedetect.freeze_start: ", in: line) { open["frozen"] = s }
            if let e = number(after: "lavfi.freezedetect.freeze_end: ", in: line), let s = open.removeValue(forKey: "frozen") {
                found.append(.init(kind: "frozen", start: s, end: e))
            }
            if let s = number(after: "silence_start: ", in: line) { open["muted"] = s }
            if let e = number(after: "silence_end: ", in: line), let s = open.removeValue(forKey: "muted") {
                found.append(.init(kind: "muted", start: s, end: e))
            }
        }
        // A stretch still open at the end of the file ends there.
        if let s = open["frozen"] { found.append(.init(kind: "frozen", start: s, end: .infinity)) }
        if let s = open["muted"] { found.append(.init(kind: "muted", start: s, end: .infinity)) }
        return found
    }

    /// Acceptance 2: where FFmpeg's blackdetect, freezedetect and silencedetect speak, Custody
    /// agrees within the same tolerance, after the two rules FFmpeg does not have: the
    /// pre-event grace (silence before 30 s), and a black screen is obscured, not also frozen.
    @Test func whereFFmpegsDetectorsSpeakTheyAgree() throws {
        let (folder, labels) = try Self.corpus.get()
        let files = labels.map { folder.appendingPathComponent($0.file) }
        let (_, results) = try Self.analyse(files)
        var compared = 0
        for (label, file) in zip(labels, files) {
            let ours = try #require(results[label.file]).stretches
            let duration = label.duration
            let tolerance = max(1, label.keyframe_interval)
            var theirs = try Self.ffmpegStretches(file).map { s in
                Labelled.Stretch(kind: s.kind, start: s.start, end: min(s.end, duration))
            }
            let black = theirs.filter { $0.kind == "obscured" }
            theirs = theirs.compactMap { s in
                var s = s
                if s.kind == "muted" { s.start = max(s.start, 30) }
                if s.kind == "frozen", black.contains(where: { abs($0.start - s.start) <= tolerance && abs($0.end - s.end) <= tolerance }) {
                    return nil  // FFmpeg's freeze of a black screen
                }
                return s.end - s.start > 10 + 0.05 ? s : nil
            }
            for s in theirs {
                compared += 1
                #expect(ours.contains { $0.kind == s.kind && abs($0.start - s.start) <= tolerance && abs($0.end - s.end) <= tolerance },
                        "\(label.file): FFmpeg found \(s), Custody \(ours)")
            }
            // FFmpeg speaks on every silence and every freeze: ours has no such stretch it lacks.
            for s in ours where s.kind == "muted" || s.kind == "frozen" {
                let noAudio = label.file.contains("noaudio")
                guard !(noAudio && s.kind == "muted") else { continue }  // no stream: FFmpeg has nothing to listen to
                #expect(theirs.contains { $0.kind == s.kind && abs($0.start - s.start) <= tolerance && abs($0.end - s.end) <= tolerance },
                        "\(label.file): Custody found \(s), FFmpeg \(theirs)")
            }
        }
        #expect(compared >= 6, "FFmpeg confirmed only \(compared) stretches")
    }

    /// Acceptance 4 through the queue: a stored clip that cannot be analysed is tried a few
    /// times, reported, and then left alone; `--retry-failed` queues it again.
    @Test func aStoredClipThatCannotBeAnalysedIsReportedNotRetriedForever() throws {
        let dir = try TestEnvironment.temporaryFolder("analyze-pending")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        let clips = ["J0034567_034567_20240214130000_0004.mp4", "J0012345_012345_20240214084900_0001.mp4"]
        let inbox = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        for name in clips { try FileManager.default.copyItem(at: TestEnvironment.footage.appendingPathComponent(name), to: inbox.appendingPathComponent(name)) }
        let ingest = try Run.program(Self.custody, ["ingest", "--data", data, inbox.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        // Spoil one stored original behind the catalog's back (as a disk fault would).
        let vault = URL(fileURLWithPath: data).appendingPathComponent("vault")
        let stored = try #require(FileManager.default.enumerator(at: vault, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "mp4" }.sorted { $0.path < $1.path })
        #expect(stored.count == 2)
        let spoilt = stored[0]
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: spoilt.path)
        try Data("not a video any more".utf8).write(to: spoilt)

        let first = try Run.program(Self.custody, ["analyze", "--pending", "--data", data])
        #expect(first.status == 1, "a clip given up is an exit status of 1")
        #expect(first.stderr.contains("1 clip(s) analysed"), "\(first.stderr)")
        #expect(first.stderr.contains("1 given up as unreadable"), "\(first.stderr)")
        let second = try Run.program(Self.custody, ["analyze", "--pending", "--data", data])
        #expect(second.status == 0)
        #expect(second.stderr.contains("nothing waits for analysis (1 analysed, 1 could not be"), "\(second.stderr)")
        let retried = try Run.program(Self.custody, ["analyze", "--pending", "--retry-failed", "--data", data])
        #expect(retried.stderr.contains("1 clip(s) whose analysis had failed are queued again"), "\(retried.stderr)")
        #expect(retried.status == 1)

        // Files named on the command line: the unreadable one has its error and exit 1.
        let direct = try Run.program(Self.custody, ["analyze", "--json", spoilt.path, inbox.appendingPathComponent(clips[0]).path])
        #expect(direct.status == 1)
        let lines = try direct.stdoutLines.map { try JSONDecoder().decode(Analysed.self, from: Data($0.utf8)) }
        #expect(lines.count == 2 && lines[0].error != nil && lines[1].error == nil && lines[1].stretches.isEmpty)
        #expect(direct.stdoutLines[0].contains("\"stretches\":[]") && direct.stdoutLines[1].contains("\"error\":null"))
        let wrong = try Run.program(Self.custody, ["analyze", "--pending", "x.mp4"])
        #expect(wrong.status != 0 && wrong.stderr.contains("Give either FILEs or --pending"))
    }
}
