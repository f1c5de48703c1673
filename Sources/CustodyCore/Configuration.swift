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

    public init() {}
}
