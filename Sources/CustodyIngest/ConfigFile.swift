public import CustodyCore
import Foundation
import TOMLKit

/// Reads `config.toml` (TOMLKit), writing a commented default on first use.
public enum ConfigFile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static let template = """
        # Custody settings for this data folder.

        # Zone in which local times are read: file names, CSV times without an offset (IANA name).
        time_zone = "UTC"

        # File names of body-camera clips: a regular expression with named groups
        # device, officer, start (YYYYMMDDhhmmss, local time) and optionally seq.
        # file_name_pattern = '^(?<device>[A-Za-z0-9]+)_(?<officer>[A-Za-z0-9]+)_(?<start>\\d{14})_(?<seq>\\d+)(\\.[A-Za-z0-9]+)?$'

        # Or several file-name profiles, tried in order; `custody probe` says which matched.
        # Built in: station (the line above, the default), gat947 (GA/T 947: 7-character serial,
        # 6-digit badge), axis (Axis body-worn container/clip names, UTC), generic (…_YYYYMMDD_HHMMSS).
        # [naming]
        # profiles = ["station", "gat947", "axis", "generic"]
        # [naming.profile.vendor_x]     # one of your own, then list it in profiles
        # pattern = '^(?<officer>\\d{6})-(?<start>\\d{8}-\\d{6})\\.mp4$'
        # time_zone = "Asia/Shanghai"   # default: time_zone above

        # The coverage rule (SPEC §7). "Longer than" is strict.
        [policy]
        merge_gap_seconds = 2        # clips this close are one recording
        late_start_seconds = 30
        early_stop_seconds = 30
        interruption_seconds = 10
        late_upload_hours = 24
        link_before_minutes = 5      # a clip links to a call from dispatch − this …
        link_after_minutes = 10      # … to clearance + this
        window_starts_at = "arrived" # or "dispatched"
        prebuffer_required_seconds = 0 # pre-event buffer a recorder that reports its activation
                                     # (Axis) must hold before it: shorter is no_prebuffer; 0 = off

        # The 110 handling chain: 接警 received → 派警 dispatched → 到场 arrived → 处警 cleared.
        # A delay longer than its limit is a finding; a call still open that long is one too.
        [handling]
        dispatch_limit_seconds = 180 # received → dispatched: slow_dispatch
        arrival_limit_seconds = 900  # dispatched → arrived: slow_arrival
        no_arrival_hours = 2         # dispatched, no arrival, not cleared: no_arrival
        not_closed_hours = 24        # arrived (or dispatched), no clearance: not_closed (不闭环)
        # Tighter or looser limits for a priority or a category (category wins; keys left out
        # keep the value above). Values as the dispatch export writes them:
        # [handling.priority."1"]
        # arrival_limit_seconds = 600
        # [handling.category."噪音扰民"]
        # arrival_limit_seconds = 1800

        # What the camera saw (issue 14), found in every stored clip by `custody analyze`, `watch`,
        # `serve` and the nightly audit. A stretch longer than its number, inside a call's window,
        # is a finding: obscured_video, frozen_video, muted_audio. "Longer than" is strict.
        [content]
        obscured_seconds = 10        # picture dark (covered lens) or near-uniform
        frozen_seconds = 10          # picture unchanged between key frames
        muted_seconds = 10           # sound below muted_level_db
        muted_level_db = -60         # dBFS RMS; a quiet room is about -50 to -40
        prebuffer_grace_seconds = 30 # a clip's first seconds: pre-event buffer, often without sound

        # Camera clocks (issue 16): a check-out log's device_time_at_return (what the camera's
        # clock read when returned) beside returned_at corrects the camera's times in links and
        # findings; a camera off by more than this is a finding clock_drift and a queue item.
        [drift]
        limit_seconds = 30

        # Resumable uploads (tus) to `custody serve`.
        [uploads]
        max_size_mb = 8192           # larger uploads are refused (413)
        min_free_mb = 1024           # keep this much disk free beyond an upload (else 507)
        max_concurrent = 8           # uploads receiving at once; more are asked to retry (503)
        expire_after_hours = 72      # unfinished uploads untouched this long are removed (audited)

        """ + retentionTemplate + deploymentTemplate

    public static func loadOrCreate(path: String) throws(Failure) -> CustodyConfiguration {
        if !FileManager.default.fileExists(atPath: path) {
            do {
                try Data(template.utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
            } catch {
                // Another process may have written it first; read whatever is there.
            }
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Failure(description: "\(path) cannot be read.")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String = "config.toml") throws(Failure) -> CustodyConfiguration {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw Failure(description: "\(path) line \(error.source.begin.line): \(error.description)")
        } catch {
            throw Failure(description: "\(path): \(error)")
        }
        var config = CustodyConfiguration()
        if let zone = table["time_zone"] {
            guard let name = zone.string, let tz = TimeZone(identifier: name) else {
                throw Failure(description: "\(path): time_zone must be an IANA zone name such as \"Asia/Shanghai\".")
            }
            config.timeZone = tz
        }
        if let pattern = table["file_name_pattern"] {
            guard let text = pattern.string, (try? Regex(text)) != nil else {
                throw Failure(description: "\(path): file_name_pattern is not a valid regular expression.")
            }
            config.fileNamePattern = text
        }
        if let naming = table["naming"]?.table {
            config.naming = try parseNaming(naming, path: path)
            do { _ = try config.fileNaming() } catch { throw Failure(description: "\(path): naming: \(error)") }
        }
        if let policy = table["policy"]?.table {
            func number(_ key: String) throws(Failure) -> Double? {
                guard let value = policy[key] else { return nil }
                if let d = value.double, d >= 0 { return d }
                if let i = value.int, i >= 0 { return Double(i) }
                throw Failure(description: "\(path): policy.\(key) must be a number ≥ 0.")
            }
            if let v = try number("merge_gap_seconds") { config.policy.mergeGapSeconds = v }
            if let v = try number("late_start_seconds") { config.policy.lateStartSeconds = v }
            if let v = try number("early_stop_seconds") { config.policy.earlyStopSeconds = v }
            if let v = try number("interruption_seconds") { config.policy.interruptionSeconds = v }
            if let v = try number("late_upload_hours") { config.policy.lateUploadSeconds = v * 3600 }
            if let v = try number("link_before_minutes") { config.policy.linkBeforeSeconds = v * 60 }
            if let v = try number("link_after_minutes") { config.policy.linkAfterSeconds = v * 60 }
            if let v = try number("prebuffer_required_seconds") { config.policy.prebufferRequiredSeconds = v }
            if let start = policy["window_starts_at"] {
                guard let text = start.string, let value = Policy.WindowStart(rawValue: text) else {
                    throw Failure(description: "\(path): policy.window_starts_at must be \"arrived\" or \"dispatched\".")
                }
                config.policy.windowStart = value
            }
        }
        if let handling = table["handling"]?.table {
            config.policy.handling = try parseHandling(handling, path: path)
        }
        if let content = table["content"]?.table {
            config.policy.content = try parseContent(content, path: path)
        }
        if let uploads = table["uploads"]?.table {
            func number(_ key: String, minimum: Double) throws(Failure) -> Double? {
                guard let value = uploads[key] else { return nil }
                if let d = value.double, d >= minimum { return d }
                if let i = value.int, Double(i) >= minimum { return Double(i) }
                throw Failure(description: "\(path): uploads.\(key) must be a number ≥ \(Int(minimum)).")
            }
            if let v = try number("max_size_mb", minimum: 1) { config.uploads.maxBytes = Int64(v * 1_048_576) }
            if let v = try number("min_free_mb", minimum: 0) { config.uploads.minFreeBytes = Int64(v * 1_048_576) }
            if let v = try number("max_concurrent", minimum: 1) { config.uploads.maxConcurrent = Int(v) }
            if let v = try number("expire_after_hours", minimum: 0) { config.uploads.expireAfter = v * 3600 }
        }
        if let drift = table["drift"]?.table, let value = drift["limit_seconds"] {
            guard let v = value.double ?? value.int.map(Double.init), v >= 0 else {
                throw Failure(description: "\(path): drift.limit_seconds must be a number of seconds ≥ 0.")
            }
            config.policy.driftLimitSeconds = v
        }
        try parseRetentionAndAudit(table, into: &config, path: path)
        try parseDeployment(table, into: &config, path: path)
        return config
    }

    /// `[handling]`: the four limits, then `priority."P"` and `category."C"` tables of overrides.
    /// `[naming]`: `profiles = [...]` and `[naming.profile.NAME]` with `pattern`, `time_zone`.
    static func parseNaming(_ table: TOMLTable, path: String) throws(Failure) -> NamingSettings {
        var naming = NamingSettings()
        if let list = table["profiles"] {
            guard let array = list.array, !array.isEmpty else {
                throw Failure(description: "\(path): naming.profiles must be a list of profile names, e.g. [\"station\", \"axis\"].")
            }
            var names: [String] = []
            for value in array {
                guard let name = value.string, !name.isEmpty else {
                    throw Failure(description: "\(path): naming.profiles must hold profile names (strings).")
                }
                names.append(name)
            }
            naming.active = names
        }
        if let defined = table["profile"]?.table {
            for (name, value) in defined {
                guard let t = value.table, let pattern = t["pattern"]?.string else {
                    throw Failure(description: "\(path): naming.profile.\(name) needs a pattern (a regular expression with named groups).")
                }
                guard (try? Regex(pattern)) != nil else {
                    throw Failure(description: "\(path): naming.profile.\(name).pattern is not a valid regular expression.")
                }
                var zone: String? = nil
                if let z = t["time_zone"] {
                    guard let text = z.string, TimeZone(identifier: text) != nil else {
                        throw Failure(description: "\(path): naming.profile.\(name).time_zone must be an IANA zone name such as \"Asia/Shanghai\".")
                    }
                    zone = text
                }
                naming.defined[name] = NamingSettings.Pattern(pattern: pattern, timeZone: zone)
            }
            // Defined but not listed: active after the listed ones (or after the default).
            if naming.active == nil { naming.active = ["station"] + naming.defined.keys.sorted() }
        }
        return naming
    }

    static func parseContent(_ table: TOMLTable, path: String) throws(Failure) -> ContentPolicy {
        var policy = ContentPolicy()
        let known = ["obscured_seconds", "frozen_seconds", "muted_seconds", "muted_level_db", "prebuffer_grace_seconds"]
        if let unknown = table.keys.sorted().first(where: { !known.contains($0) }) {
            throw Failure(description: "\(path): content.\(unknown) is not a setting: use \(known.joined(separator: ", ")).")
        }
        for key in known {
            guard let value = table[key] else { continue }
            guard let number = value.double ?? value.int.map(Double.init), number.isFinite else {
                throw Failure(description: "\(path): content.\(key) must be a number.")
            }
            if key == "muted_level_db" {
                guard number < 0, number >= -120 else {
                    throw Failure(description: "\(path): content.muted_level_db must be between -120 and 0 (dBFS), e.g. -60.")
                }
                policy.mutedLevelDB = number
                continue
            }
            guard number >= 0 else { throw Failure(description: "\(path): content.\(key) must be a number of seconds ≥ 0.") }
            switch key {
            case "obscured_seconds": policy.obscuredSeconds = number
            case "frozen_seconds": policy.frozenSeconds = number
            case "muted_seconds": policy.mutedSeconds = number
            default: policy.prebufferGraceSeconds = number
            }
        }
        return policy
    }

    static func parseHandling(_ table: TOMLTable, path: String) throws(Failure) -> HandlingPolicy {
        func override(_ t: TOMLTable, _ name: String, top: Bool = false) throws(Failure) -> HandlingOverride {
            func number(_ key: String) throws(Failure) -> Double? {
                guard let value = t[key] else { return nil }
                if let d = value.double, d >= 0 { return d }
                if let i = value.int, i >= 0 { return Double(i) }
                throw Failure(description: "\(path): \(name).\(key) must be a number ≥ 0.")
            }
            let known = Set(["dispatch_limit_seconds", "arrival_limit_seconds", "no_arrival_hours", "not_closed_hours"] + (top ? ["priority", "category"] : []))
            if let unknown = t.keys.sorted().first(where: { !known.contains($0) }) {
                throw Failure(description: "\(path): \(name) has no setting \"\(unknown)\" (known: dispatch_limit_seconds, arrival_limit_seconds, no_arrival_hours, not_closed_hours).")
            }
            return HandlingOverride(
                dispatchSeconds: try number("dispatch_limit_seconds"), arrivalSeconds: try number("arrival_limit_seconds"),
                noArrivalSeconds: try number("no_arrival_hours").map { $0 * 3600 }, notClosedSeconds: try number("not_closed_hours").map { $0 * 3600 })
        }
        var policy = HandlingPolicy()
        let base = try override(table, "handling", top: true)
        policy.defaults = base.applied(to: policy.defaults)
        for (key, slot) in [("priority", \HandlingPolicy.byPriority), ("category", \HandlingPolicy.byCategory)] {
            guard let value = table[key] else { continue }
            guard let values = value.table else {
                throw Failure(description: "\(path): handling.\(key) must be tables, e.g. [handling.\(key).\"1\"].")
            }
            for name in values.keys.sorted() {
                guard let t = values[name]?.table else {
                    throw Failure(description: "\(path): handling.\(key).\"\(name)\" must be a table of limits.")
                }
                let o = try override(t, "handling.\(key).\"\(name)\"")
                policy[keyPath: slot][name] = o
            }
        }
        return policy
    }
}
