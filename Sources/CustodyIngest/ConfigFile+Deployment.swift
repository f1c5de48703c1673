public import CustodyCore
public import CustodyStore
public import Foundation
import TOMLKit

/// The `[catalog]`, `[vault]` and `[node]` sections of config.toml: where the catalog and the
/// stored files are, and which node this is (README: "Running on several machines").
extension ConfigFile {
    static let deploymentTemplate = """
        # Where the catalog is. Default: the SQLite file custody.sqlite in this data folder.
        # Several nodes share one PostgreSQL catalog (the password from password_file or the
        # environment variable CUSTODY_CATALOG_PASSWORD, never the command line).
        [catalog]
        # url = "postgres://custody@db.example:5432/custody"
        # password_file = "/etc/custody/catalog-password"

        # Where stored files go. Default: vault/ in this data folder. An S3 bucket (any store with
        # the S3 API) takes the secret key from secret_key_file or CUSTODY_VAULT_SECRET_KEY.
        [vault]
        # url = "s3://custody-evidence/district-3"
        # endpoint = "https://s3.example:443"
        # region = "us-east-1"
        # access_key = "custody"
        # secret_key_file = "/etc/custody/vault-secret"

        # This machine. Journals of unfinished hand-ins belong to one node: each node finishes
        # or undoes only its own at start-up. Default: the host name.
        [node]
        # id = "station-3"

        """

    static func parseDeployment(_ table: TOMLTable, into config: inout CustodyConfiguration, path: String) throws(Failure) {
        func text(_ section: TOMLTable, _ name: String, _ key: String) throws(Failure) -> String? {
            guard let value = section[key] else { return nil }
            guard let s = value.string, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw Failure(description: "\(path): \(name).\(key) must be a non-empty string.")
            }
            return s
        }
        if let catalog = table["catalog"]?.table {
            if let url = try text(catalog, "catalog", "url") {
                guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") || url.hasPrefix("sqlite:") else {
                    throw Failure(description: "\(path): catalog.url must be postgres://USER@HOST:PORT/DB (or leave it out for the SQLite file in the data folder).")
                }
                if let at = url.range(of: "@"), url[url.index(url.startIndex, offsetBy: 12)..<at.lowerBound].contains(":") {
                    throw Failure(description: "\(path): catalog.url must not hold the password: put it in password_file or CUSTODY_CATALOG_PASSWORD.")
                }
                config.catalog.url = url
            }
            config.catalog.passwordFile = try text(catalog, "catalog", "password_file")
        }
        if let vault = table["vault"]?.table {
            if let url = try text(vault, "vault", "url") {
                guard url.hasPrefix("s3://"), url.dropFirst(5).split(separator: "/").first.map({ !$0.isEmpty }) == true else {
                    throw Failure(description: "\(path): vault.url must be s3://BUCKET/PREFIX (or leave it out for vault/ in the data folder).")
                }
                config.vault.url = url
            }
            config.vault.endpoint = try text(vault, "vault", "endpoint")
            if let region = try text(vault, "vault", "region") { config.vault.region = region }
            config.vault.accessKey = try text(vault, "vault", "access_key")
            config.vault.secretKeyFile = try text(vault, "vault", "secret_key_file")
            if config.vault.url != nil, config.vault.endpoint == nil || config.vault.accessKey == nil {
                throw Failure(description: "\(path): an S3 vault needs vault.endpoint and vault.access_key.")
            }
        }
        if let node = table["node"]?.table, let id = try text(node, "node", "id") {
            guard id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw Failure(description: "\(path): node.id may hold letters, digits, '-', '_' and '.' only.")
            }
            config.node.id = id
        }
    }

    /// The catalog password: `password_file` (relative to the data folder), else
    /// CUSTODY_CATALOG_PASSWORD, else none (trust or peer authentication).
    public static func catalogPassword(_ settings: CatalogSettings, dataFolder: URL) throws(Failure) -> String? {
        if let file = settings.passwordFile {
            let url = file.hasPrefix("/") ? URL(fileURLWithPath: file) : dataFolder.appendingPathComponent(file)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw Failure(description: "catalog.password_file \(url.path) cannot be read.")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return ProcessInfo.processInfo.environment["CUSTODY_CATALOG_PASSWORD"]
    }

    /// The S3 secret key: `secret_key_file`, else CUSTODY_VAULT_SECRET_KEY.
    public static func vaultSecretKey(_ settings: VaultSettings, dataFolder: URL) throws(Failure) -> String {
        if let file = settings.secretKeyFile {
            let url = file.hasPrefix("/") ? URL(fileURLWithPath: file) : dataFolder.appendingPathComponent(file)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw Failure(description: "vault.secret_key_file \(url.path) cannot be read.")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let key = ProcessInfo.processInfo.environment["CUSTODY_VAULT_SECRET_KEY"] else {
            throw Failure(description: "An S3 vault needs vault.secret_key_file or CUSTODY_VAULT_SECRET_KEY.")
        }
        return key
    }

    /// The vault these settings name: the S3 bucket of `[vault] url`, else `vault/` and
    /// `quarantine/` in the data folder (keys are the catalog's stored paths either way).
    public static func openVault(_ settings: VaultSettings, dataFolder: URL) throws(Failure) -> any Vault {
        guard let url = settings.url else { return LocalVault(root: dataFolder) }
        guard let endpointText = settings.endpoint, let endpoint = URL(string: endpointText), endpoint.scheme != nil else {
            throw Failure(description: "vault.endpoint must be a URL such as http://127.0.0.1:8080.")
        }
        guard let accessKey = settings.accessKey else { throw Failure(description: "An S3 vault needs vault.access_key.") }
        let secret = try vaultSecretKey(settings, dataFolder: dataFolder)
        do {
            return S3Vault(try S3VaultConfiguration.parse(url: url, endpoint: endpoint, region: settings.region, accessKey: accessKey, secretKey: secret))
        } catch {
            throw Failure(description: "vault.url: \(error.message)")
        }
    }
}
