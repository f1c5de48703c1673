public import CustodyCore
public import CustodyStore
public import Foundation
public import Logging
public import ServiceLifecycle

/// Works the catalog's analysis queue in the background of `custody watch` and `custody serve`
/// (issue 14): a few clips a round on one decoder thread, so hand-ins and requests keep the
/// cores; every node runs one and the catalog's leases give each clip to one of them. Stops
/// with its service group, after the clip in hand.
public struct ContentAnalysisService: Service {
    let catalog: Catalog
    let vault: any Vault
    let policy: Policy
    let node: String
    let scratch: URL
    let logger: Logger
    /// Seconds between rounds when nothing waits.
    let idle: Double

    public init(catalog: Catalog, vault: any Vault, policy: Policy, node: String, scratch: URL, logger: Logger, idle: Double = 10) {
        self.catalog = catalog
        self.vault = vault
        self.policy = policy
        self.node = node
        self.scratch = scratch
        self.logger = logger
        self.idle = idle
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var analysed = 0
            do {
                let summary = try await ContentAnalysis.workAndRelink(
                    catalog: catalog, vault: vault, policy: policy, node: node, scratch: scratch, limit: 8, actor: "analysis",
                    background: true, shouldStop: { Task.isShuttingDownGracefully })
                analysed = summary.analyzed + summary.failed
                if summary.gaveUp > 0 {
                    logger.warning("content analysis: \(summary.gaveUp) clip(s) could not be analysed after every attempt (see custody analyze --pending)")
                }
            } catch {
                logger.warning("content analysis: \(error)")
            }
            // More may wait: go on at once; else look again after a while.
            if analysed == 0 {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(nanoseconds: UInt64(idle * 1_000_000_000)) }
            }
        }
    }
}
