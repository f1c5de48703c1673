public import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

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

    /// Opens (creating if needed) the folder at `path`. A folder that exists but cannot be
    /// written is a `StoreFailure` (read-only), not a file-system error.
    public init(path: String) throws {
        root = URL(fileURLWithPath: path).standardizedFileURL
        if FileManager.default.fileExists(atPath: root.path) && !StoreFailure.isWritable(root.path) {
            throw StoreFailure(code: .readOnly, path: root.path, detail: String(cString: strerror(EROFS)))
        }
        for folder in [root, vault, quarantine, staging, inbox, reports, uploads] {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                let code = Int32((error as NSError).userInfo[NSUnderlyingErrorKey].map { ($0 as! NSError).code } ?? 0)
                if code == ENOSPC || code == EDQUOT {
                    throw StoreFailure(code: .diskFull, path: root.path, detail: "cannot create \(folder.path)")
                }
                throw error
            }
        }
    }

    /// The folder at `path` as it is, nothing created (reading an archive copy).
    public init(existing path: String) {
        root = URL(fileURLWithPath: path).standardizedFileURL
    }

    public var hasCatalog: Bool { FileManager.default.fileExists(atPath: catalogPath) }

    /// `reports/chain-anchors.jsonl`: the audit chain's heads, written outside the catalog.
    public var anchorsFile: URL { reports.appendingPathComponent(ChainAnchor.fileName) }

    /// Every stored original under vault/ and quarantine/ (sidecar notes left out), as paths
    /// relative to the root (`vault/ab/cd/<sha256>.<ext>`), in path order.
    public func storedFiles() -> [String] {
        var files: [String] = []
        for base in [vault, quarantine] {
            guard let enumerator = FileManager.default.enumerator(atPath: base.path) else { continue }
            while let relative = enumerator.nextObject() as? String {
                guard !relative.hasSuffix(".reason.txt") else { continue }
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: base.appendingPathComponent(relative).path, isDirectory: &isDir), !isDir.boolValue {
                    files.append(base.lastPathComponent + "/" + relative)
                }
            }
        }
        return files.sorted()
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
