public import CustodyStore
public import Foundation
import Crypto

/// The credentials and connection file an Axis Body Worn Manager loads to upload to Custody
/// (README "Connection API"): `custody axis connection-file` makes both.
public enum AxisCredentials {
    /// SHA-256 (hex) of a key: keys are 256 random bits, so a slow password hash adds nothing.
    public static func hash(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new random key (64 hex characters, the README's maximum length).
    public static func newKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
    }

    /// The account name for a site: `axis-` and its name's letters and digits (at most 64).
    public static func userName(site: String) -> String {
        let slug = site.lowercased().unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? String($0) : "-" }.joined()
        let trimmed = slug.split(separator: "-").joined(separator: "-")
        return String(("axis-" + (trimmed.isEmpty ? "site" : trimmed)).prefix(64))
    }

    /// The connection file of the README, for a destination at `baseURL` (http or https).
    public static func connectionFile(site: String, baseURL: String, userName: String, key: String, version: String) -> Data {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let object: [String: Any] = [
            "ConnectionFileVersion": "1.0",
            "SiteName": String(site.prefix(64)),
            "ApplicationName": "Custody",
            "ApplicationVersion": version,
            "ContentDestinationAsNTPServer": false,
            "AuthenticationTokenURI": [base + "/axis/auth/v1.0"],
            "HTTPSCertificate": [String](),
            "BlobAPIKey": key,
            "BlobAPIUserName": userName,
            "ContainerType": "mkv",
            "FullStoreAndReadSupport": false,
            "WantEncryption": false,
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }

    /// Creates (or replaces) the site's account and returns its connection file.
    public static func create(site: String, baseURL: String, catalog: Catalog, version: String, actor: String) async throws -> (userName: String, file: Data) {
        let user = userName(site: site)
        let key = newKey()
        try await catalog.setAxisAccount(userName: user, keyHash: hash(key), site: site, actor: actor)
        return (user, connectionFile(site: site, baseURL: baseURL, userName: user, key: key, version: version))
    }
}
