public import Foundation

/// The layout of a Custody data folder (DESIGN.md "Data folder"). Creating one makes the
/// sub-folders that are missing; nothing existing is touched.
public struct DataFolder: Sendable {
    public let root: URL

    public var catalogPath: String { root.appendingPathComponent("custody.sqlite").path }
    public var vault: URL { root.appendingPathComponent("vault") }
    public var quarantine: URL { root.appendingPathComponent("quarantine") }
    public var staging: URL { root.appendingPathComponent("staging") }
    public var inbox: URL { root.appendingPathComponent("inbox") }
    public var reports: URL { root.appendingPathComponent("reports") }
    /// Resumable uploads in progress (`<id>.part`); complete ones move on into the vault.
    public var uploads: URL { root.appendingPathComponent("uploads") }
    public var configPath: String { root.appendingPathComponent("config.toml").path }

    /// Opens (creating if needed) the folder at `path`.
    public init(path: String) throws {
        root = URL(fileURLWithPath: path).standardizedFileURL
        for folder in [root, vault, quarantine, staging, inbox, reports, uploads] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
    }

    /// `--data DIR`, else `$CUSTODY_DATA`, else `./custody-data` (SPEC §1).
    public static func resolve(_ option: String?) -> String {
        option ?? ProcessInfo.processInfo.environment["CUSTODY_DATA"] ?? "custody-data"
    }

    /// `vault/ab/cd/<sha256>.<ext>`
    public func vaultPath(sha256: String, ext: String) -> URL {
        Self.sharded(vault, sha256: sha256, ext: ext)
    }

    /// `quarantine/ab/cd/<sha256>.<ext>`
    public func quarantinePath(sha256: String, ext: String) -> URL {
        Self.sharded(quarantine, sha256: sha256, ext: ext)
    }

    static func sharded(_ base: URL, sha256: String, ext: String) -> URL {
        let a = String(sha256.prefix(2)), b = String(sha256.dropFirst(2).prefix(2))
        let name = ext.isEmpty ? sha256 : "\(sha256).\(ext)"
        return base.appendingPathComponent(a).appendingPathComponent(b).appendingPathComponent(name)
    }

    /// A lower-case, safe extension from an original file name ("" when none or odd).
    public static func safeExtension(of name: String) -> String {
        let ext = (name as NSString).pathExtension.lowercased()
        guard !ext.isEmpty, ext.count <= 8, ext.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return "" }
        return ext
    }
}
