import CustodyCore
import Foundation

/// Writes one JSON object per line on stdout (SPEC §1: nothing else goes to stdout with --json).
final class JSONLineWriter {
    func write(_ value: some JSONLineConvertible) {
        FileHandle.standardOutput.write(Data(value.jsonValue.utf8 + [0x0A]))
    }
}

/// Human output goes to stdout a line at a time (unbuffered, so it interleaves in order with
/// stderr's progress in a pipe); diagnostics and progress go to stderr.
enum Console {
    static func out(_ message: String) {
        FileHandle.standardOutput.write(Data((message + "\n").utf8))
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}

/// "files done / total, MB/s" on stderr, about once a second, for runs longer than a second.
final class Progress {
    private let total: Int
    private let label: String
    private var done = 0
    private var bytes: Int64 = 0
    private let started = Date()
    private var lastShown = Date()

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    private var rate: String {
        let seconds = max(Date().timeIntervalSince(started), 0.001)
        return bytes > 0 ? String(format: ", %.1f MB/s", Double(bytes) / 1_000_000 / seconds) : ""
    }

    func step(bytes: Int64 = 0) {
        done += 1
        self.bytes += bytes
        let now = Date()
        guard total > 1, now.timeIntervalSince(lastShown) >= 1 else { return }
        lastShown = now
        Console.error("\(label) \(done)/\(total)\(rate)")
    }

    func finish() {
        let seconds = Date().timeIntervalSince(started)
        if seconds >= 1 && total > 1 {
            Console.error("\(label) \(done)/\(total) in \(String(format: "%.1f", seconds)) s\(rate)")
        }
    }
}

/// A readable block per probed file.
enum HumanFormat {
    static func describe(_ r: ProbeRecord) -> String {
        var lines = [r.path]
        func row(_ key: String, _ value: String) {
            lines.append("  " + key.padding(toLength: 10, withPad: " ", startingAt: 0) + value)
        }
        if let format = r.formatName {
            var parts = [format]
            if let d = r.duration { parts.append(String(format: "%.3f s", d)) }
            if let b = r.bitRate { parts.append("\(b / 1000) kb/s") }
            row("format", parts.joined(separator: ", "))
        }
        row("size", "\(r.size) bytes")
        if let start = r.startTime {
            row("started", "\(Timestamp.format(start)) (from \(r.timeSource?.rawValue ?? "?"))")
        }
        if r.deviceID != nil || r.officerID != nil {
            row("camera", "device \(r.deviceID ?? "-"), officer \(r.officerID ?? "-")")
        }
        row("file name", r.fileNameProfile.map { "matches profile \($0)" } ?? "matches no file-name profile")
        for s in r.streams {
            var text = "#\(s.index) \(s.codecType) \(s.codecName)"
            if let w = s.width, let h = s.height { text += " \(w)x\(h)" }
            if let f = s.frameRate { text += " " + String(format: "%g", f) + " fps" }
            if let rate = s.sampleRate { text += " \(rate) Hz" }
            if let ch = s.channels { text += " \(ch) ch" }
            row("stream", text)
        }
        if let loc = r.location { row("location", "\(loc.lat), \(loc.lon)") }
        if let sha = r.sha256 { row("sha256", sha) }
        row("integrity", r.integrity.rawValue + (r.error.map { " — " + $0 } ?? ""))
        return lines.joined(separator: "\n")
    }
}
