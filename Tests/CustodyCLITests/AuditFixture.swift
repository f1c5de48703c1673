import CustodyCore
import CustodyIngest
import CustodyStore
import CustodyTestSupport
import Foundation

/// A data folder built straight through the catalog, with synthetic clips whose bytes really
/// are in the vault (so fixity passes) and whose start and length are exactly what a test
/// says. Times are written as local Beijing time, as in the samples.
struct AuditFixture {
    let root: URL
    let folder: DataFolder
    let catalog: Catalog
    let zone = TimeZone(identifier: "Asia/Shanghai")!
    var data: String { folder.root.path }

    init(_ label: String, config extra: String = "") throws {
        root = try TestEnvironment.temporaryFolder(label)
        let path = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
        try Data("time_zone = \"Asia/Shanghai\"\n\(extra)".utf8).write(to: path.appendingPathComponent("config.toml"))
        folder = try DataFolder(path: path.path)
        catalog = try Catalog(path: folder.catalogPath)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: root) }

    /// `2024-02-12 09:00:00` in Beijing time.
    func local(_ text: String) -> Date { Timestamp.parse(text, zone: zone)! }

    /// Stores a clip of `officer` starting at `start` (local) for `seconds`, handed in at
    /// `received` (local; default an hour after it ended). Returns its SHA-256.
    @discardableResult
    func clip(_ name: String, officer: String?, start: String, seconds: Double, received: String? = nil) async throws -> String {
        let begin = local(start)
        let staged = root.appendingPathComponent("\(name).mp4")
        try Data("synthetic clip \(name) of \(officer ?? "nobody") at \(start) for \(seconds) s\n".utf8).write(to: staged)
        let hashed = try FileHasher.sha256(path: staged.path)
        let target = folder.vaultPath(sha256: hashed.sha256, ext: "mp4")
        try DurableFile.move(from: staged, to: target)
        try DurableFile.makeReadOnly(target)
        let stored = String(target.path.dropFirst(folder.root.path.count + 1))
        let probe = ProbeRecord(path: "\(name).mp4", size: hashed.size, sha256: hashed.sha256, duration: seconds, startTime: begin, integrity: .ok)
        let evidence = EvidenceRecord(
            sha256: hashed.sha256, size: hashed.size, ext: "mp4", location: .vault, storedPath: stored, quarantineReason: nil,
            probe: probe, storedAt: Date(), officerID: officer, attribution: officer == nil ? nil : "file")
        let receipt = ReceiptRecord(
            sha256: hashed.sha256, receivedAt: received.map(local) ?? begin.addingTimeInterval(seconds + 3600), recordedAt: Date(),
            method: "ingest", originalName: "\(name).mp4", sourcePath: "/fixture/\(name).mp4", handedInBy: "fixture")
        try await catalog.record(evidence: evidence, receipt: receipt, actor: "fixture")
        return hashed.sha256
    }

    /// One officer on one incident, arriving and clearing at local times (cleared nil: open).
    func call(_ incident: String, _ officer: String, station: String?, arrived: String, cleared: String?, category: String? = nil) -> DispatchRow {
        let a = local(arrived)
        return DispatchRow(
            incidentID: incident, officerID: officer, receivedAt: a.addingTimeInterval(-600), dispatchedAt: a.addingTimeInterval(-300),
            arrivedAt: a, clearedAt: cleared.map(local), category: category, station: station)
    }

    /// Imports the calls, relinks everyone and builds the queue (no random sample).
    func importCalls(_ rows: [DispatchRow]) async throws {
        _ = try await catalog.upsertDispatch(rows.enumerated().map { ($0.offset + 2, $0.element) }, source: "fixture.csv", actor: "fixture")
        try await catalog.relink(officers: nil, policy: Policy(), actor: "fixture")
        try await catalog.refreshQueue(sampleShare: 0)
    }

    /// A reviewer claims the call's queue item and records `verdict` at local time `at`.
    func review(_ incident: String, _ officer: String, _ verdict: String, at: String) async throws {
        let when = local(at)
        guard let id = try await catalog.reviewItemID(incident: incident, officer: officer) else {
            throw FixtureError(description: "no queue item for \(incident)/\(officer)")
        }
        _ = try await catalog.claim(id, by: "rita", lease: 600, now: when)
        _ = try await catalog.recordVerdict(id, by: "rita", verdict: verdict, checklist: [], note: nil, now: when)
    }

    struct FixtureError: Error, CustomStringConvertible { var description: String }

    /// The report files `custody audit` wrote into `folder` (default DATA/reports), by name.
    func reportFiles(in folder: URL? = nil) throws -> [String: Data] {
        let dir = folder ?? self.folder.reports
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasPrefix("daily-") || name.hasPrefix("weekly-") {
            files[name] = try Data(contentsOf: dir.appendingPathComponent(name))
        }
        return files
    }
}
