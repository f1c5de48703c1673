import CustodyCore
import CustodyIngest
import CustodyServer
import CustodyStore
import CustodyTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A data folder with the samples ingested, dispatch imported and linked, the queue built,
/// and one account per role (bcrypt cost 4 to keep tests quick).
struct ServerFixture {
    let root: URL
    let folder: DataFolder
    let catalog: Catalog
    let server: CustodyServer
    var tokens: [String: String] = [:]
    static let password = "correct horse battery"

    /// Accounts: name → (role, officer).
    static let accounts: [(String, Role, String?)] = [
        ("rita", .reviewer, nil), ("remy", .reviewer, nil), ("sam", .supervisor, nil), ("ada", .auditor, nil),
        ("root", .admin, nil), ("olga", .officer, "012345"), ("oscar", .officer, "023456"),
        ("dock", .station, nil),
    ]

    /// `adjust` changes the data folder's settings (e.g. upload limits) before the server starts;
    /// `tune` the server's.
    /// `vault`: where the originals go (default the data folder's vault/).
    /// `analyse`: run the content analysis (issue 14) of every clip before linking.
    init(adjust: (inout CustodyConfiguration) -> Void = { _ in }, tune: (inout ServerSettings) -> Void = { _ in },
         vault: (any Vault)? = nil, analyse: Bool = false) async throws {
        root = try TestEnvironment.temporaryFolder("server")
        folder = try DataFolder(path: root.appendingPathComponent("data").path)
        catalog = try Catalog(path: folder.catalogPath)
        var config = CustodyConfiguration()
        config.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        adjust(&config)
        let ingestor = Ingestor(
            folder: folder, catalog: catalog,
            inspector: ClipInspector(naming: try FileNameConvention(timeZone: config.timeZone)), logger: Logger(label: "test"),
            vault: vault)
        let received = Timestamp.parse("2024-02-14T12:00:00Z", zone: config.timeZone)
        for file in SourceWalker.expand([RawPath(TestEnvironment.footage.path)]).files {
            _ = await ingestor.ingest(IngestRequest(source: file, receivedAt: received))
        }
        if analyse {
            _ = try await ContentAnalysis.work(
                catalog: catalog, vault: vault ?? LocalVault(root: folder.root), policy: config.policy.content, node: "test", scratch: folder.staging)
        }
        _ = await DispatchImport.run(path: TestEnvironment.samples.appendingPathComponent("dispatch.csv").path, catalog: catalog, zone: config.timeZone)
        try await catalog.relink(officers: nil, policy: config.policy, actor: "test")
        try await catalog.refreshQueue(sampleShare: 0.5, seed: "test")
        var settings = ServerSettings()
        settings.maxJSONBody = 4096
        tune(&settings)
        server = CustodyServer(folder: folder, catalog: catalog, config: config, settings: settings, vault: vault)
        let hash = await Passwords.hash(Self.password, cost: 4)
        for (name, role, officer) in Self.accounts {
            let user = try await catalog.addUser(name: name, role: role, officerID: officer, passwordHash: hash)
            tokens[name] = try await catalog.issueToken(for: user, kind: "test", lifetime: 3600)
        }
    }

    func cleanUp() { try? FileManager.default.removeItem(at: root) }

    var application: some ApplicationProtocol {
        Application(router: server.router(logger: Logger(label: "test")))
    }

    func headers(_ user: String?) -> HTTPFields {
        var h = HTTPFields()
        if let user, let token = tokens[user] { h[.authorization] = "Bearer \(token)" }
        return h
    }

    /// A stored clip of officer 012345 (olga), and one of 023456 (oscar).
    func clip(of officer: String) async throws -> String {
        try await catalog.allEvidence().first { $0.officerID == officer && $0.location == .vault }!.sha256
    }
}

extension TestResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]) ?? [:]
    }
    var text: String { String(buffer: body) }
}

func jsonBody(_ object: [String: Any]) -> ByteBuffer {
    ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
}
