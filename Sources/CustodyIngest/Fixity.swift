public import Foundation

/// Re-hashing a stored original against its catalogued SHA-256 and size (`custody verify`,
/// the nightly audit's fixity check).
public enum Fixity {
    /// What is wrong with the file at `root/storedPath`, or nil when it is intact.
    public static func problem(root: URL, storedPath: String, sha256: String, size: Int64) -> String? {
        let path = root.appendingPathComponent(storedPath).path
        guard FileManager.default.fileExists(atPath: path) else { return "missing" }
        guard let hashed = try? FileHasher.sha256(path: path) else { return "unreadable" }
        return hashed.sha256 == sha256 && hashed.size == size ? nil : "altered (content no longer matches its SHA-256)"
    }
}
