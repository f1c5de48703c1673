import CustodyCore
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// The Store contract suite: what every catalog backend must do, one nested suite per concern
/// (`swift test --filter StoreContract`). A PostgreSQL backend passes the same tests.
@Suite struct StoreContract {}

/// The catalog backends the Store contract suite runs against. Every contract test takes one as
/// its argument (`@Test(arguments: Backend.allCases)`), so a new backend is one case here and
/// one branch in `make()`; nothing else in the suite knows which backend it is talking to.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// SQLite in memory (`Catalog(inMemory:)`): one connection.
    case sqliteMemory
    /// SQLite in a temporary file (`Catalog(path:)`): WAL, a writer and pooled readers, and the
    /// relink lock file beside it.
    case sqliteFile
    /// PostgreSQL (`tools/postgres start`, found through CUSTODY_PG_URL and
    /// CUSTODY_PG_PASSWORD_FILE): a fresh database per test, dropped afterwards.
    case postgres

    var testDescription: String { rawValue }

    /// PostgreSQL runs wherever the test cluster is up, and always in CI (where a missing
    /// cluster is a failure); elsewhere, without it, the SQLite cases run alone.
    static var allCases: [Backend] {
        let env = ProcessInfo.processInfo.environment
        return PostgresTestServer.find() != nil || env["CI"] != nil ? [.sqliteMemory, .sqliteFile, .postgres] : [.sqliteMemory, .sqliteFile]
    }

    /// A fresh, empty, migrated catalog, and what removes it afterwards.
    func make() async throws -> (catalog: Catalog, tearDown: @Sendable () async -> Void) {
        switch self {
        case .postgres:
            guard let server = PostgresTestServer.find() else {
                throw PostgresTestServer.Missing()
            }
            let scratch = try await PostgresBackend.makeScratchDatabase(url: server.url, password: server.password)
            let catalog = try await Catalog(postgres: scratch.url, password: server.password)
            return (catalog, { try? await catalog.close(); await scratch.drop() })
        case .sqliteMemory:
            return (try Catalog(inMemory: ()), {})
        case .sqliteFile:
            let folder = try TestEnvironment.temporaryFolder("store-contract")
            let catalog = try Catalog(path: folder.appendingPathComponent("custody.sqlite").path)
            return (catalog, { try? FileManager.default.removeItem(at: folder) })
        }
    }

    /// Runs `body` on a fresh catalog and removes the catalog afterwards (the catalog is kept
    /// alive until `body` returns).
    func withCatalog<T>(_ body: (Catalog) async throws -> T) async throws -> T {
        let made: (catalog: Catalog, tearDown: @Sendable () async -> Void)
        do {
            made = try await make()
        } catch is PostgresTestServer.Missing {
            Issue.record("CUSTODY_PG_URL is not set: tools/test starts the PostgreSQL cluster (tools/postgres start DIR)")
            throw PostgresTestServer.Missing()
        }
        do {
            let result = try await body(made.catalog)
            await made.tearDown()
            return result
        } catch {
            await made.tearDown()
            throw error
        }
    }
}

/// Small builders for the hand-made data the contract tests use. Each does one catalog call
/// (or a few), so that making the catalog async is a matter of adding `await`.
enum Given {
    /// 2024-02-14T01:30:00Z: the start of the hand-made day.
    static let t0 = Date(timeIntervalSince1970: 1_707_874_200)
    static let day: Double = 86_400

    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    /// A SHA-256-shaped name for clip `n`.
    static func sha(_ n: Int) -> String { String(format: "%064x", n) }

    /// Stores a clip record (the store never looks at the file) and returns its SHA-256.
    /// `received` defaults to an hour after the clip starts.
    @discardableResult
    static func clip(
        _ catalog: Catalog, _ n: Int, officer: String?, start: Date, duration: Double = 60, received: Date? = nil,
        device: String? = nil, location: EvidenceRecord.Location = .vault, attribution: String? = nil, timeSource: TimeSource? = nil
    ) async throws -> String {
        let sha = sha(n)
        let probe = ProbeRecord(
            path: "clip-\(n).mp4", size: 1000 + Int64(n), sha256: sha, duration: duration, startTime: start, timeSource: timeSource, deviceID: device,
            integrity: location == .vault ? .ok : .unreadable)
        let evidence = EvidenceRecord(
            sha256: sha, size: 1000 + Int64(n), ext: "mp4", location: location, storedPath: "\(location.rawValue)/\(n).mp4",
            quarantineReason: location == .quarantine ? "unreadable" : nil, probe: probe, storedAt: Date(),
            officerID: officer, attribution: attribution ?? (officer == nil ? nil : "file"))
        try await catalog.record(evidence: evidence, receipt: receipt(sha, n, received: received ?? start.addingTimeInterval(3600)), actor: "test")
        return sha
    }

    static func receipt(_ sha: String, _ n: Int, received: Date, method: String = "ingest", source: String? = nil) -> ReceiptRecord {
        ReceiptRecord(
            sha256: sha, receivedAt: received, recordedAt: Date(), method: method, originalName: "clip-\(n).mp4",
            sourcePath: source ?? "/inbox/clip-\(n).mp4", handedInBy: "test")
    }

    /// One dispatch row: `officer` on `incident`, arrived at `from`, cleared at `to` (seconds after t0).
    static func row(_ incident: String, _ officer: String, from: Double, to: Double?, category: String? = nil) -> DispatchRow {
        DispatchRow(
            incidentID: incident, officerID: officer, dispatchedAt: at(from - 120), arrivedAt: at(from), clearedAt: to.map(at),
            category: category)
    }

    @discardableResult
    static func dispatch(_ catalog: Catalog, _ rows: [DispatchRow], source: String = "cad.csv") async throws -> Catalog.DispatchUpsert {
        try await catalog.upsertDispatch(rows.enumerated().map { (line: $0.offset + 2, row: $0.element) }, source: source, actor: "test")
    }

    /// A call no camera recorded, linked and queued: returns its open review item's id.
    static func queuedItem(_ catalog: Catalog, incident: String = "I-1", officer: String = "A") async throws -> Int64 {
        try await dispatch(catalog, [row(incident, officer, from: 0, to: 600)])
        try await catalog.relink(officers: nil, policy: Policy(), actor: "test")
        try await catalog.refreshQueue(sampleShare: 0)
        return try await #require(try catalog.reviewItemID(incident: incident, officer: officer))
    }

    @discardableResult
    static func user(_ catalog: Catalog, _ name: String, _ role: Role, officer: String? = nil) async throws -> User {
        try await catalog.addUser(name: name, role: role, officerID: officer, passwordHash: "$2b$12$hash-of-\(name)")
    }

    /// The audit actions so far, oldest first.
    static func actions(_ catalog: Catalog) async throws -> [String] {
        try await catalog.auditEntries().map(\.action)
    }
}

/// The test cluster `tools/postgres start` wrote the address of.
enum PostgresTestServer {
    struct Missing: Error {}

    static func find() -> (url: String, password: String?)? {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["CUSTODY_PG_URL"] else { return nil }
        let password = env["CUSTODY_PG_PASSWORD_FILE"].flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return (url, password)
    }
}
