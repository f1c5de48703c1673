public import CustodyStore
public import Foundation
import Crypto

/// The installation's Ed25519 signing key (issue 17): made on first use, kept in the data
/// folder's `keys/` (0700) as `signing-ed25519.key` (0600, the 32-byte seed), never in the
/// catalog. Export packages are signed with it; its public key (PEM) and fingerprint are shown.
public struct SigningKey: Sendable {
    /// The 32-byte seed (Curve25519.Signing.PrivateKey is not Sendable; it is rebuilt from this).
    let seed: Data
    var key: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: seed) }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func path(_ folder: DataFolder) -> URL { folder.root.appendingPathComponent("keys/signing-ed25519.key") }

    /// Reads the key, or makes it when there is none yet.
    public static func loadOrCreate(_ folder: DataFolder) throws -> SigningKey {
        let file = path(folder)
        if let data = FileManager.default.contents(atPath: file.path) {
            guard data.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: data) else {
                throw Failure(description: "\(file.path) is not an Ed25519 key (32 bytes); restore it from the backup rather than replace it, or packages signed before cannot be told from forgeries.")
            }
            return SigningKey(seed: key.rawRepresentation)
        }
        let dir = file.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = Curve25519.Signing.PrivateKey()
        guard FileManager.default.createFile(atPath: file.path, contents: key.rawRepresentation, attributes: [.posixPermissions: 0o600]) else {
            throw Failure(description: "cannot write \(file.path)")
        }
        return SigningKey(seed: key.rawRepresentation)
    }

    /// The key's public half if it exists (nil before the first export).
    public static func existing(_ folder: DataFolder) -> SigningKey? {
        guard let data = FileManager.default.contents(atPath: path(folder).path), data.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: data) else { return nil }
        return SigningKey(seed: key.rawRepresentation)
    }

    /// A raw 64-byte Ed25519 signature of `data` (what `openssl pkeyutl -verify -rawin` checks).
    public func sign(_ data: Data) throws -> Data { try key.signature(for: data) }

    /// SubjectPublicKeyInfo DER: the fixed Ed25519 prefix (RFC 8410) and the 32-byte key.
    public var publicKeyDER: Data { Data([0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]) + key.publicKey.rawRepresentation }

    public var publicKeyPEM: String {
        "-----BEGIN PUBLIC KEY-----\n" + publicKeyDER.base64EncodedString() + "\n-----END PUBLIC KEY-----\n"
    }

    /// SHA-256 of the DER, hex in colon-separated pairs (as one reads it aloud).
    public var fingerprint: String {
        SHA256.hash(data: publicKeyDER).map { String(format: "%02X", $0) }.joined(separator: ":")
    }
}
