public import Foundation

/// A data folder's settings (its `config.toml`): the zone local times are read in, the
/// file-name convention, and the policy numbers of SPEC §7.
public struct CustodyConfiguration: Sendable {
    public var timeZone = TimeZone(identifier: "UTC")!
    public var fileNamePattern = FileNameConvention.defaultPattern
    public var policy = Policy()
    public var uploads = UploadLimits()

    public init() {}
}
