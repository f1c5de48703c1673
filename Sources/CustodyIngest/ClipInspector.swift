public import CustodyCore
public import Foundation
internal import MediaProbe

/// Everything Custody learns about a file before storing it: size and SHA-256 (streamed),
/// FFmpeg's probe, and the start time, device and officer from tags, file name or mtime.
public struct ClipInspector: Sendable {
    public var naming: FileNameConvention
    public var hash: Bool = true
    public var probeTimeLimit: Double = 30

    public init(naming: FileNameConvention) {
        self.naming = naming
    }

    /// Inspects one file. Unreadable media is a result, not an error; a file that cannot be read
    /// at all (permissions, vanished) comes back `unreadable` with the reason.
    public func inspect(path: String, originalName: String? = nil, modified knownModified: Date? = nil) -> ProbeRecord {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let modified = knownModified ?? attributes?[.modificationDate] as? Date
        var size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        var digest: String? = nil
        if hash {
            do {
                let result = try FileHasher.sha256(path: path)
                digest = result.sha256
                size = result.size
            } catch {
                return ProbeRecord(path: path, size: size, integrity: .unreadable, error: "The file cannot be read: \(error.description).")
            }
        }
        var options = ProbeOptions()
        options.timeLimit = probeTimeLimit
        let info = MediaProber.probe(path: path, options: options)
        return record(for: info, path: path, name: originalName ?? path, size: size, sha256: digest, modified: modified)
    }

    func record(for info: MediaInfo, path: String, name: String, size: Int64, sha256: String?, modified: Date?) -> ProbeRecord {
        let matched = naming.match(fileName: name)
        let named = matched?.parsed
        var record = ProbeRecord(
            path: path, size: size, sha256: sha256, formatName: info.formatName,
            duration: info.duration, bitRate: info.bitRate,
            deviceID: named?.deviceID ?? info.tags["device_id"],
            officerID: named?.officerID ?? info.tags["officer_id"],
            streams: info.streams.map {
                MediaStream(
                    index: $0.index, codecType: $0.codecType, codecName: $0.codecName, width: $0.width,
                    height: $0.height, frameRate: $0.frameRate.map { ($0 * 1000).rounded() / 1000 },
                    sampleRate: $0.sampleRate, channels: $0.channels)
            },
            tags: info.tags, location: ClipTiming.location(tags: info.tags),
            integrity: IntegrityVerdict(rawValue: info.integrity.rawValue) ?? .unreadable,
            error: info.error, packetDuration: info.packetDuration,
            durationSource: info.durationSource?.rawValue)
        record.fileNameProfile = matched?.profile
        if info.integrity != .unreadable || named?.start != nil {
            if let (start, source) = ClipTiming.startTime(
                tags: info.tags, fileName: named, modified: modified, duration: info.duration, zone: naming.timeZone)
            {
                record.startTime = start
                record.timeSource = source
            }
        }
        return record
    }
}
