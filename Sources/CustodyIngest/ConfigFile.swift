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
            if let start = policy["window_starts_at"] {
                guard let text = start.string, let value = Policy.WindowStart(rawValue: text) else {
                    throw Failure(description: "\(path): policy.window_starts_at must be \"arrived\" or \"dispatched\".")
                }
                config.policy.windowStart = value
            }
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
        try parseRetentionAndAudit(table, into: &config, path: path)
        try parseDeployment(table, into: &config, path: path)
        return config
    }
}
