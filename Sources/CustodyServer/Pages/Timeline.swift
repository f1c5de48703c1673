import Foundation

/// The incident page's timeline, drawn to scale in SVG: the required window, the clips that
/// recorded, and the gaps found, with clock ticks in the configured zone.
struct Timeline {
    struct Mark { var start: Double; var end: Double; var label: String }

    var window: (Double, Double)?
    var clips: [Mark]
    var gaps: [Mark]
    var zone: TimeZone
    /// Obscured, frozen and muted stretches of the clips (issue 14), drawn hatched over them.
    var stretches: [(kind: String, mark: Mark)] = []
    /// The legend's words for each stretch kind.
    var legend: [String: String] = [:]
    /// Bookmarks the recorder set (issue 16), drawn as flags above the clips.
    var bookmarks: [Mark] = []
    var width = 1100.0

    /// Colour of each stretch kind's hatching.
    static let hatch: [(kind: String, colour: String)] = [("obscured", "#2c3e50"), ("frozen", "#2471a3"), ("muted", "#d35400")]

    func svg() -> String {
        var points = clips.flatMap { [$0.start, $0.end] } + gaps.flatMap { [$0.start, $0.end] }
        if let window { points += [window.0, window.1] }
        guard var lo = points.min(), var hi = points.max() else { return "" }
        if hi - lo < 60 { lo -= 30; hi += 30 }
        let pad = (hi - lo) * 0.03
        lo -= pad
        hi += pad
        let left = 8.0, right = width - 8
        func x(_ t: Double) -> Double { left + (t - lo) / (hi - lo) * (right - left) }
        func rect(_ a: Double, _ b: Double, y: Double, h: Double, fill: String, title: String, extra: String = "") -> String {
            let w = max(1.5, x(b) - x(a))
            return "<rect x=\"\(f(x(a)))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"\(fill)\" \(extra)><title>\(HTML.escape(title))</title></rect>"
        }
        var parts: [String] = []
        let kinds = Self.hatch.filter { h in stretches.contains { $0.kind == h.kind } }
        let height = kinds.isEmpty ? 84 : 102
        parts.append("<svg viewBox=\"0 0 \(Int(width)) \(height)\" width=\"100%\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" style=\"font:11px sans-serif\">")
        if !kinds.isEmpty {
            parts.append("<defs>")
            for h in kinds {
                parts.append("<pattern id=\"hatch-\(h.kind)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                    + "<rect width=\"6\" height=\"6\" fill=\"#fff\" opacity=\"0.55\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"\(h.colour)\" stroke-width=\"3\"/></pattern>")
            }
            parts.append("</defs>")
        }
        if let window {
            parts.append(rect(window.0, window.1, y: 8, h: 22, fill: "#d5dbe3", title: "\(HTML.clock(window.0, zone: zone)) – \(HTML.clock(window.1, zone: zone))"))
        }
        for gap in gaps {
            parts.append(rect(gap.start, gap.end, y: 8, h: 22, fill: "#e74c3c", title: gap.label, extra: "opacity=\"0.85\""))
        }
        for clip in clips {
            parts.append(rect(clip.start, clip.end, y: 36, h: 16, fill: "#27ae60", title: clip.label, extra: "rx=\"2\""))
        }
        for b in bookmarks {
            let bx = f(x(b.start))
            parts.append("<g class=\"bookmark\"><line x1=\"\(bx)\" x2=\"\(bx)\" y1=\"30\" y2=\"54\" stroke=\"#8e44ad\" stroke-width=\"1.5\"/>"
                + "<path d=\"M\(bx) 30 l7 -4 l-7 -4 z\" fill=\"#8e44ad\"/><title>\(HTML.escape(b.label))</title></g>")
        }
        // Muted sound in the lower half of the bar, a spoilt picture over all of it.
        for (kind, mark) in stretches {
            let muted = kind == "muted"
            parts.append(rect(mark.start, mark.end, y: muted ? 44 : 36, h: muted ? 8 : 16, fill: "url(#hatch-\(kind))", title: mark.label,
                              extra: "class=\"stretch stretch-\(kind)\" stroke=\"\(Self.hatch.first { $0.kind == kind }?.colour ?? "#000")\" stroke-width=\"0.8\""))
        }
        var lx = left
        for h in kinds {
            let label = HTML.escape(legend[h.kind] ?? h.kind)
            parts.append("<rect x=\"\(f(lx))\" y=\"88\" width=\"18\" height=\"10\" fill=\"url(#hatch-\(h.kind))\" stroke=\"\(h.colour)\" stroke-width=\"0.8\"/>")
            parts.append("<text x=\"\(f(lx + 23))\" y=\"97\" fill=\"#36404c\" class=\"legend\">\(label)</text>")
            lx += 34 + ProfileChart.textWidth(legend[h.kind] ?? h.kind)
        }
        // Ticks at a round step giving 6–12 labels.
        let steps: [Double] = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400]
        let step = steps.first { (hi - lo) / $0 <= 12 } ?? 86_400
        let offset = Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: lo)))
        var t = ((lo + offset) / step).rounded(.up) * step - offset
        while t <= hi {
            parts.append("<line x1=\"\(f(x(t)))\" x2=\"\(f(x(t)))\" y1=\"56\" y2=\"62\" stroke=\"#8795a6\"/>")
            parts.append("<text x=\"\(f(x(t)))\" y=\"76\" text-anchor=\"middle\" fill=\"#5b6776\">\(HTML.clock(t, zone: zone).prefix(step < 60 ? 8 : 5))</text>")
            t += step
        }
        parts.append("<line x1=\"\(f(left))\" x2=\"\(f(right))\" y1=\"56\" y2=\"56\" stroke=\"#b4bfcc\"/>")
        parts.append("</svg>")
        return parts.joined()
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
