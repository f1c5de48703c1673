import Foundation

/// The clip page's chart of what the camera saw (issue 14): the picture's mean brightness
/// (0…255) and the sound's level (dBFS, −90…0) second by second, over the clip's obscured,
/// frozen and muted stretches (hatched as on the incident timeline). An SVG, no script.
struct ProfileChart {
    var luma: [Double?]
    var level: [Double?]
    var stretches: [(kind: String, start: Double, end: Double)]
    var duration: Double
    var lumaLabel: String
    var levelLabel: String
    var legend: [String: String]
    var width = 1100.0
    var height = 150.0

    func svg() -> String {
        let seconds = max(duration, Double(max(luma.count, level.count)), 1)
        let left = 40.0, right = width - 10, top = 10.0, bottom = height - 36
        func x(_ t: Double) -> Double { left + t / seconds * (right - left) }
        func yLuma(_ v: Double) -> Double { bottom - min(255, max(0, v)) / 255 * (bottom - top) }
        func yLevel(_ v: Double) -> Double { bottom - (min(0, max(-90, v)) + 90) / 90 * (bottom - top) }
        var parts = ["<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" style=\"font:11px sans-serif\">"]
        parts.append("<defs>")
        for h in Timeline.hatch {
            parts.append("<pattern id=\"chart-hatch-\(h.kind)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                + "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"\(h.colour)\" stroke-width=\"2\" opacity=\"0.45\"/></pattern>")
        }
        parts.append("</defs>")
        parts.append("<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"#f7f9fb\" stroke=\"#d5dbe3\"/>")
        for s in stretches {
            let colour = Timeline.hatch.first { $0.kind == s.kind }?.colour ?? "#000"
            parts.append("<rect class=\"stretch stretch-\(s.kind)\" x=\"\(f(x(s.start)))\" y=\"\(f(top))\" width=\"\(f(max(1.5, x(s.end) - x(s.start))))\" height=\"\(f(bottom - top))\" fill=\"url(#chart-hatch-\(s.kind))\" stroke=\"\(colour)\" stroke-width=\"0.6\"><title>\(HTML.escape(legend[s.kind] ?? s.kind)) \(Int(s.start))–\(Int(s.end)) s</title></rect>")
        }
        func polyline(_ values: [Double?], y: (Double) -> Double, colour: String, id: String) -> String {
            var segments: [String] = [], current: [String] = []
            for (i, v) in values.enumerated() {
                if let v { current.append("\(f(x(Double(i) + 0.5))),\(f(y(v)))") } else if !current.isEmpty {
                    segments.append(current.joined(separator: " "))
                    current = []
                }
            }
            if !current.isEmpty { segments.append(current.joined(separator: " ")) }
            return segments.map { "<polyline class=\"\(id)\" points=\"\($0)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.4\"/>" }.joined()
        }
        parts.append(polyline(luma, y: yLuma, colour: "#27ae60", id: "luma"))
        parts.append(polyline(level, y: yLevel, colour: "#8e44ad", id: "level"))
        // Time ticks: a round step giving at most 10 labels.
        let step = [5.0, 10, 30, 60, 120, 300, 600, 1800, 3600].first { seconds / $0 <= 10 } ?? 3600
        var t = 0.0
        while t <= seconds {
            parts.append("<line x1=\"\(f(x(t)))\" x2=\"\(f(x(t)))\" y1=\"\(f(bottom))\" y2=\"\(f(bottom + 5))\" stroke=\"#8795a6\"/>")
            let label = t >= 60 ? String(format: "%d:%02d", Int(t) / 60, Int(t) % 60) : "\(Int(t)) s"
            parts.append("<text x=\"\(f(x(t)))\" y=\"\(f(bottom + 17))\" text-anchor=\"middle\" fill=\"#5b6776\">\(label)</text>")
            t += step
        }
        parts.append("<text x=\"4\" y=\"\(f(top + 10))\" fill=\"#27ae60\">255</text><text x=\"4\" y=\"\(f(bottom - 2))\" fill=\"#27ae60\">0</text>")
        parts.append("<text x=\"\(f(right - 4))\" y=\"\(f(top + 10))\" text-anchor=\"end\" fill=\"#8e44ad\">0 dB</text>")
        parts.append("<text x=\"\(f(right - 4))\" y=\"\(f(bottom - 2))\" text-anchor=\"end\" fill=\"#8e44ad\">−90 dB</text>")
        // Legend: the two lines, then the kinds present.
        var lx = left
        let ly = height - 6
        for (label, colour) in [(lumaLabel, "#27ae60"), (levelLabel, "#8e44ad")] {
            parts.append("<line x1=\"\(f(lx))\" x2=\"\(f(lx + 18))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(colour)\" stroke-width=\"2\"/>")
            parts.append("<text x=\"\(f(lx + 23))\" y=\"\(f(ly))\" fill=\"#36404c\">\(HTML.escape(label))</text>")
            lx += 34 + Self.textWidth(label)
        }
        for h in Timeline.hatch where stretches.contains(where: { $0.kind == h.kind }) {
            let label = legend[h.kind] ?? h.kind
            parts.append("<rect x=\"\(f(lx))\" y=\"\(f(ly - 9))\" width=\"18\" height=\"10\" fill=\"url(#chart-hatch-\(h.kind))\" stroke=\"\(h.colour)\" stroke-width=\"0.8\"/>")
            parts.append("<text x=\"\(f(lx + 23))\" y=\"\(f(ly))\" fill=\"#36404c\">\(HTML.escape(label))</text>")
            lx += 34 + Self.textWidth(label)
        }
        parts.append("</svg>")
        return parts.joined()
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Rough width of an 11 px label: CJK characters are square, Latin ones about half as wide.
    static func textWidth(_ text: String) -> Double {
        text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x2E80 ? 11.5 : 6.5) }
    }
}
