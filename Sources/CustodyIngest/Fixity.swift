public import CustodyStore
import Crypto
import Foundation

/// Re-hashing a stored original against its catalogued SHA-256 and size (`custody verify`,
/// the nightly audit's fixity check), wherever the vault keeps it.
public enum Fixity {
    /// What is wrong with the object `key`, or nil when it is intact. A file on this machine is
    /// hashed on a thread of its own; a remote object is streamed back and hashed as it comes.
    public static func problem(vault: any Vault, key: String, sha256: String, size: Int64) async -> String? {
        if let file = vault.localFile(key) {
            let path = file.path
            return await Blocking.run { () -> String? in
                guard FileManager.default.fileExists(atPath: path) else { return "missing" }
                guard let hashed = try? FileHasher.sha256(path: path) else { return "unreadable" }
                return verdict(sha256: hashed.sha256, size: hashed.size, expected: sha256, expectedSize: size)
            }
        }
        do {
            guard let stored = try await vault.size(of: key) else { return "missing" }
            guard stored == size else { return altered }
            var hasher = SHA256()
            var read: Int64 = 0
            try await vault.stream(key, chunkSize: 8 << 20) { chunk in
                hasher.update(data: chunk)
                read += Int64(chunk.count)
            }
            let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            return verdict(sha256: digest, size: read, expected: sha256, expectedSize: size)
        } catch let error as VaultError where error.code == .notFound {
            return "missing"
        } catch {
            return "unreadable (\(error))"
        }
    }

    static let altered = "altered (content no longer matches its SHA-256)"

    static func verdict(sha256: String, size: Int64, expected: String, expectedSize: Int64) -> String? {
        sha256 == expected && size == expectedSize ? nil : altered
    }
}
