public import Foundation

/// Limits on resumable uploads (`[uploads]` in `config.toml`).
public struct UploadLimits: Sendable, Equatable {
    /// Largest upload accepted (bigger: 413).
    public var maxBytes: Int64 = 8 << 30
    /// Free space the data folder must keep beyond an accepted upload (less: 507).
    public var minFreeBytes: Int64 = 1 << 30
    /// Uploads receiving bytes at once; more wait their turn (503 with Retry-After).
    public var maxConcurrent = 8
    /// An unfinished upload untouched this long is removed (and the removal audited).
    public var expireAfter: TimeInterval = 72 * 3600

    public init() {}
}
