public import Foundation

/// A data folder's settings (its `config.toml`): the zone local times are read in, the
/// file-name convention, the policy numbers of SPEC §7, retention and the nightly audit.
public struct CustodyConfiguration: Sendable {
    public var timeZone = TimeZone(identifier: "UTC")!
    public var fileNamePattern = FileNameConvention.defaultPattern
    /// `[naming]`: which file-name profiles are active, and any defined there (issue 16).
    public var naming = NamingSettings()
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

    /// The file-name profiles in force: `[naming] profiles` in order, else the one
    /// `file_name_pattern` (default: the collection-station convention).
    public func fileNaming() throws -> FileNameConvention {
        guard let active = naming.active else { return try FileNameConvention(pattern: fileNamePattern, timeZone: timeZone) }
        var profiles: [FileNameConvention.Profile] = []
        for name in active {
            if let defined = naming.defined[name] {
                profiles.append(try FileNameConvention.Profile(
                    name: name, pattern: defined.pattern, timeZone: defined.timeZone.flatMap(TimeZone.init(identifier:)) ?? timeZone))
            } else if name == "custom" {
                profiles.append(try FileNameConvention.Profile(name: name, pattern: fileNamePattern, timeZone: timeZone))
            } else if let builtIn = FileNameConvention.builtInProfile(name, zone: timeZone) {
                profiles.append(builtIn)
            } else {
                throw NamingSettings.Unknown(name: name)
            }
        }
        return FileNameConvention(profiles: profiles, timeZone: timeZone)
    }
}

/// `[naming]` in config.toml: `profiles = ["station", "axis", …]` (tried in order) and
/// `[naming.profile.NAME]` tables with `pattern` and optionally `time_zone`.
public struct NamingSettings: Sendable, Equatable {
    public struct Pattern: Sendable, Equatable {
        public var pattern: String
        public var timeZone: String?
        public init(pattern: String, timeZone: String? = nil) {
            self.pattern = pattern
            self.timeZone = timeZone
        }
    }
    /// nil: not set (the single `file_name_pattern`).
    public var active: [String]?
    public var defined: [String: Pattern] = [:]
    public init() {}

    public struct Unknown: Error, CustomStringConvertible {
        public var name: String
        public var description: String {
            "no file-name profile '\(name)': use one of \(FileNameConvention.builtIn.map(\.name).joined(separator: ", ")), custom, or define it under [naming.profile.\(name)]"
        }
    }
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

extension TimeZone {
    /// The zone as config.toml names it: Foundation on Linux calls UTC "GMT".
    public var configName: String { identifier == "GMT" ? "UTC" : identifier }
}
