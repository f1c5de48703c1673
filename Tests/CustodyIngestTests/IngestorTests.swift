import CustodyCore
import CustodyIngest
import CustodyStore
import CustodyTestSupport
import Foundation
import Logging
import Testing

/// A data folder in a temp directory with an ingestor over it.
struct Workspace {
    let root: URL
    let folder: DataFolder
    let catalog: Catalog
    let ingestor: Ingestor

    init() throws {
        root = try TestEnvironment.temporaryFolder("ingest")
        folder = try DataFolder(path: root.appendingPathComponent("data").path)
        catalog = try Catalog(path: folder.catalogPath)
        let naming = try FileNameConvention(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        ingestor = Ingestor(folder: folder, catalog: catalog, inspector: ClipInspector(naming: naming), logger: Logger(label: "test"))
    }

    func source(_ name: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func ingestAll(_ paths: [String], move: Bool = false, received: Date? = nil) async -> [IngestResult] {
        var results: [IngestResult] = []
        for file in SourceWalker.expand(paths.map(RawPath.init)).files {
            results.append(await ingestor.ingest(IngestRequest(source: file, receivedAt: received, move: move)))
        }
        return results
    }

    func stagingIsEmpty() -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.staging.path)) ?? []).isEmpty
    }

    func cleanUp() { try? FileManager.default.removeItem(at: root) }
}

@Suite struct IngestorTests {
    @Test func ingestingTheSameFolderTwiceKeepsOneRowPerFileAndEveryReceipt() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let first = await ws.ingestAll([TestEnvironment.footage.path])
        #expect(first.count == 17)
        #expect(first.filter { $0.status == .ingested }.count == 16)
        #expect(first.filter { $0.status == .quarantined }.count == 1)
        let second = await ws.ingestAll([TestEnvironment.footage.path])
        #expect(second.allSatisfy { $0.status == .duplicate })
        await #expect(try ws.catalog.evidenceCount() == 17)
        await #expect(try ws.catalog.receiptCount() == 34)
        #expect(ws.stagingIsEmpty())
        await #expect(try ws.catalog.verifyAuditChain().isEmpty)
        let sha = try #require(first.first?.sha256)
        let receipts = try await ws.catalog.receipts(sha256: sha)
        #expect(receipts.count == 2)
        #expect(receipts.map(\.duplicate) == [false, true])
        #expect(receipts.first?.originalName == "J0012345_012345_20240214084900_0001.mp4")
    }

    @Test func storedOriginalsAreReadOnlyAndNamedByTheirHash() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let clip = TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214084900_0001.mp4")
        let result = try #require(await ws.ingestAll([clip.path]).first)
        #expect(result.status == .ingested)
        let sha = try #require(result.sha256)
        #expect(sha == (try Fixtures.sha256(of: clip)))
        let stored = ws.folder.vaultPath(sha256: sha, ext: "mp4")
        #expect(stored.path.hasSuffix("vault/\(sha.prefix(2))/\(sha.dropFirst(2).prefix(2))/\(sha).mp4"))
        let attributes = try FileManager.default.attributesOfItem(atPath: stored.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o444)
        #expect(try Data(contentsOf: stored) == Data(contentsOf: clip))
        let evidence = try #require(try await ws.catalog.evidence(sha256: sha))
        #expect(evidence.probe.startTime.map(Timestamp.format) == "2024-02-14T00:49:00Z")
        #expect(evidence.probe.officerID == "012345")
        // The source is left alone without --move.
        #expect(FileManager.default.fileExists(atPath: clip.path))
    }

    @Test func identicalContentUnderTwoNamesIsOneEvidenceWithTwoReceipts() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let dir = try ws.source("twins")
        let clip = TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214084900_0001.mp4")
        try FileManager.default.copyItem(at: clip, to: dir.appendingPathComponent("a.mp4"))
        try FileManager.default.copyItem(at: clip, to: dir.appendingPathComponent("b.mp4"))
        let results = await ws.ingestAll([dir.path])
        #expect(results.map(\.status) == [.ingested, .duplicate])
        await #expect(try ws.catalog.evidenceCount() == 1)
        await #expect(try ws.catalog.receiptCount() == 2)
    }

    @Test func unreadableMediaIsQuarantinedWithItsReasonCataloguedAndAudited() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let text = TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214120000_0004.mp4")
        let result = try #require(await ws.ingestAll([text.path]).first)
        #expect(result.status == .quarantined)
        #expect(result.reason?.contains("No demuxer") == true)
        let sha = try #require(result.sha256)
        let evidence = try #require(try await ws.catalog.evidence(sha256: sha))
        #expect(evidence.location == .quarantine)
        let stored = ws.folder.root.appendingPathComponent(evidence.storedPath)
        #expect(stored.path.contains("/quarantine/"))
        #expect(try Data(contentsOf: stored) == Data(contentsOf: text))
        let note = try String(contentsOf: stored.appendingPathExtension("reason.txt"), encoding: .utf8)
        #expect(note.contains("No demuxer"))
        #expect(try await ws.catalog.auditEntries().contains { $0.action == "quarantined" && $0.subject == sha })
    }

    @Test func anEmptyFileIsQuarantinedNotDropped() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let dir = try ws.source("empty")
        let empty = dir.appendingPathComponent("J0099999_099999_20240214100000_0001.mp4")
        try Data().write(to: empty)
        let result = try #require(await ws.ingestAll([empty.path]).first)
        #expect(result.status == .quarantined)
        #expect(result.reason == "The file is empty (0 bytes).")
        #expect(try await ws.catalog.evidenceCount() == 1)
    }

    @Test func moveRemovesTheSourceOnlyAfterItIsStored() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let dir = try ws.source("inbox")
        let files = try Fixtures.distinctClips(3, in: dir)
        let results = await ws.ingestAll([dir.path], move: true)
        #expect(results.allSatisfy { $0.status == .ingested })
        for file in files { #expect(!FileManager.default.fileExists(atPath: file.path)) }
        for result in results {
            let evidence = try await #require(try ws.catalog.evidence(sha256: result.sha256 ?? ""))
            #expect(FileManager.default.fileExists(atPath: ws.folder.root.appendingPathComponent(evidence.storedPath).path))
        }
    }

    @Test func aNonUTF8NameIsStoredAndShownEscaped() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let dir = try ws.source("gbk")
        // "测试.mp4" in GBK: not valid UTF-8.
        let name: [UInt8] = [0xB2, 0xE2, 0xCA, 0xD4] + Array(".mp4".utf8)
        let raw = RawPath(dir.path).appending(name)
        let data = try Data(contentsOf: TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214084900_0001.mp4"))
        let created = (raw.bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { fopen($0.baseAddress!, "wb") }
        }
        let handle = try #require(created)
        _ = data.withUnsafeBytes { fwrite($0.baseAddress, 1, data.count, handle) }
        fclose(handle)

        let results = await ws.ingestAll([dir.path])
        let result = try #require(results.first)
        #expect(result.status == .ingested)
        #expect(result.path.hasSuffix("\\xB2\\xE2\\xCA\\xD4.mp4"))
        let receipt = try await #require(try ws.catalog.receipts(sha256: result.sha256 ?? "").first)
        #expect(receipt.originalName == "\\xB2\\xE2\\xCA\\xD4.mp4")
    }

    @Test func aSymlinkLoopIsWalkedOnceAndReported() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let dir = try ws.source("loop")
        try Fixtures.distinctClips(2, in: dir)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("again").path, withDestinationPath: ".")
        let listing = SourceWalker.expand([RawPath(dir.path)])
        #expect(listing.files.count == 2)
        #expect(listing.problems.contains { $0.reason.contains("symlink loop") })
        let results = await ws.ingestAll([dir.path])
        #expect(results.map(\.status) == [.ingested, .ingested])
    }

    @Test func aSymlinkLeadingOutsideTheFolderIsSkipped() throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let dir = try ws.source("drop")
        let outside = try ws.source("outside")
        let secret = try Fixtures.distinctClips(1, in: outside).first!
        try Fixtures.distinctClips(1, in: dir, prefix: "inside_")
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("escape.mp4").path, withDestinationPath: "../outside/\(secret.lastPathComponent)")
        let listing = SourceWalker.expand([RawPath(dir.path)])
        #expect(listing.files.count == 1)
        #expect(listing.problems.contains { $0.path.hasSuffix("escape.mp4") && $0.reason.contains("outside") })
    }

    @Test func partialAndHiddenNamesAreNotPickedUp() throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let dir = try ws.source("names")
        for name in ["clip.mp4.part", "clip.tmp", ".hidden.mp4", "clip.mp4"] {
            try Data("x".utf8).write(to: dir.appendingPathComponent(name))
        }
        #expect(SourceWalker.expand([RawPath(dir.path)]).files.map { $0.lastComponent.display } == ["clip.mp4"])
    }

    @Test func aMissingSourceFailsWithAMessageAndChangesNothing() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let result = await ws.ingestor.ingest(IngestRequest(source: RawPath("/nonexistent/clip.mp4")))
        #expect(result.status == .failed)
        #expect(result.reason?.contains("No such file") == true)
        await #expect(try ws.catalog.evidenceCount() == 0)
        #expect(ws.stagingIsEmpty())
    }

    @Test func reconciliationFinishesAJournalledHandInAndSweepsStaging() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        // Simulate a crash after the journal entry and the rename, before the catalog commit.
        let clip = TestEnvironment.footage.appendingPathComponent("J0023456_023456_20240214085800_0001.mp4")
        let sha = try Fixtures.sha256(of: clip)
        let final = ws.folder.vaultPath(sha256: sha, ext: "mp4")
        try FileManager.default.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: clip, to: final)
        let probe = ProbeRecord(path: clip.path, size: 30880, sha256: sha, integrity: .ok)
        let evidence = EvidenceRecord(sha256: sha, size: 30880, ext: "mp4", location: .vault, storedPath: String(final.path.dropFirst(ws.folder.root.path.count + 1)), quarantineReason: nil, probe: probe, storedAt: Date())
        let receipt = ReceiptRecord(sha256: sha, receivedAt: Date(), recordedAt: Date(), method: "ingest", originalName: clip.lastPathComponent, sourcePath: clip.path, handedInBy: "cli")
        let encoder = JSONEncoder()
        _ = try await ws.catalog.addPending(PendingIngest(
            sha256: sha, stagedPath: ws.folder.staging.appendingPathComponent("gone.part").path, finalPath: final.path,
            evidenceJSON: String(decoding: try encoder.encode(evidence), as: UTF8.self),
            receiptJSON: String(decoding: try encoder.encode(receipt), as: UTF8.self)))
        // And an abandoned partial copy.
        try Data("partial".utf8).write(to: ws.folder.staging.appendingPathComponent("abandoned.part"))

        let report = try await ws.ingestor.reconcile()
        #expect(report.finished == 1)
        #expect(report.sweptStaging == 1)
        await #expect(try ws.catalog.pending().isEmpty)
        await #expect(try ws.catalog.receipts(sha256: sha).first?.originalName == clip.lastPathComponent)
        #expect(ws.stagingIsEmpty())
        // Idempotent: a second pass finds nothing to do.
        await #expect(try ws.ingestor.reconcile().isEmpty)
    }

    @Test func aVaultFileWithoutARowIsReportedNotSilentlyRecataloguedAndRecoveryCataloguesIt() async throws {
        let ws = try Workspace()
        defer { ws.cleanUp() }
        let clip = TestEnvironment.footage.appendingPathComponent("J0034567_034567_20240214093900_0001.mp4")
        let sha = try Fixtures.sha256(of: clip)
        let final = ws.folder.vaultPath(sha256: sha, ext: "mp4")
        try FileManager.default.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: clip, to: final)
        // Start-up reconciliation names it and leaves the catalog alone.
        let report = try await ws.ingestor.reconcile()
        #expect(report.recatalogued == 0)
        #expect(report.orphans == 1)
        #expect(report.problems.contains { $0.contains("custody recover --from-vault") })
        await #expect(try ws.catalog.evidence(sha256: sha) == nil)
        await #expect(try ws.ingestor.orphans() == ["vault/\(sha.prefix(2))/\(sha.dropFirst(2).prefix(2))/\(sha).mp4"])
        // The explicit recovery catalogues it, with a receipt that says so.
        let recovered = try await ws.ingestor.recoverFromVault()
        #expect(recovered.recatalogued == 1)
        let evidence = try await #require(try ws.catalog.evidence(sha256: sha))
        #expect(evidence.probe.integrity == .ok)
        await #expect(try ws.catalog.receipts(sha256: sha).first?.method == "recover")
        await #expect(try ws.ingestor.orphans().isEmpty)
    }
}
