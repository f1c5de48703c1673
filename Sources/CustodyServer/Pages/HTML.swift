import CustodyCore
import Foundation

/// Small helpers for pages: escaping (for the SVG we draw by hand; Mustache escapes the rest),
/// local time, durations.
enum HTML {
    static func escape(_ s: String) -> String { HTMLText.escape(s) }

    static func localTime(_ seconds: Double?, zone: TimeZone) -> String {
        guard let seconds else { return "—" }
        let local = seconds + Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds)))
        let date = Date(timeIntervalSince1970: local)
        let f = DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: date)
    }

    static func clock(_ seconds: Double, zone: TimeZone) -> String {
        String(localTime(seconds, zone: zone).suffix(8))
    }

    /// A length of time in words, so that it cannot be read as a time of day: "18 min 0 s",
    /// "6 h 48 min", "1021 d 8 h" (Chinese: 18分0秒, 6小时48分, 1021天8小时).
    static func span(_ seconds: Double, _ language: Language) -> String {
        let s = Int(seconds.rounded()), zh = language == .zh
        let d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60
        if d >= 2 { return zh ? "\(d)天\(h)小时" : "\(d) d \(h) h" }
        if s >= 3600 { let hours = s / 3600; return zh ? "\(hours)小时\(m)分" : "\(hours) h \(m) min" }
        if s >= 60 { return zh ? "\(m)分\(sec)秒" : "\(m) min \(sec) s" }
        return zh ? "\(sec)秒" : "\(sec) s"
    }

    /// `a=1&b=2` bodies (application/x-www-form-urlencoded); repeated names keep every value.
    static func formFields(_ body: String) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { part in
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            guard let key = parts.first, !key.isEmpty else { continue }
            fields[key.hasSuffix("[]") ? String(key.dropLast(2)) : key, default: []].append(parts.count > 1 ? parts[1] : "")
        }
        return fields
    }
}
