public import Foundation

/// A data folder's settings (its `config.toml`): the zone local times are read in, the
/// file-name convention, the policy numbers of SPEC §7, retention and the nightly audit.
public struct CustodyConfiguration: Sendable {
    public var timeZone = TimeZone(identifier: "UTC")!
    public var fileNamePattern = FileNameConvention.defaultPattern
    public var policy = Policy()
    public var uploads = UploadLimits()
    /// How long footage is kept (`[retention]`).
    public var retention = RetentionPolicy()
    /// The nightly audit's fixity cycle and weekly report day (`[audit]`).
    public var audit = AuditSettings()
    /// Where the catalog is (`[catalog]`): nil url is the SQLite file in the data folder.
    public var catalog = CatalogSettings()
    /// Where stored files go (`[vault]`): nil url is the data folder's `vault/`.
    public var vault = VaultSettings()
    /// This machine (`[node]`): journals and staging belong to one node.
    public var node = NodeSettings()

    public init() {}
}

/// `[catalog]`: `url = "postgres://USER@HOST:PORT/DB"`, `password_file`; the password may also
/// come from CUSTODY_CATALOG_PASSWORD, never from the command line.
public struct CatalogSettings: Sendable, Equatable {
    public var url: String?
    public var passwordFile: String?
    public init(url: String? = nil, passwordFile: String? = nil) {
        self.url = url
        self.passwordFile = passwordFile
    }
}

/// `[vault]`: `url = "s3://BUCKET/PREFIX"`, `endpoint`, `region`, `access_key`,
/// `secret_key_file` (or CUSTODY_VAULT_SECRET_KEY).
public struct VaultSettings: Sendable, Equatable {
    public var url: String?
    public var endpoint: String?
    public var region = "us-east-1"
    public var accessKey: String?
    public var secretKeyFile: String?
    public init() {}
}

/// `[node]`: `id`, default the host name.
public struct NodeSettings: Sendable, Equatable {
    public var id: String
    public init(id: String = NodeSettings.hostName) {
        self.id = id
    }

    public static var hostName: String {
        ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "node"
    }
}
