import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Journals, verify and recovery under faults (issue 11, items 3, 4 and 9).
@Suite struct RecoveryTests {
    static let custody = TestEnvironment.custodyBinary

    @Test func anInterruptedRelativeMoveIsPutBackInTheRightFolderFromAnotherFolder() throws {
        let dir = try TestEnvironment.temporaryFolder("move-journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        let cams = a.appendingPathComponent("cams")
        try FileManager.default.createDirectory(at: cams, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: b.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let clip = try #require(try Fixtures.distinctClips(1, in: cams).first)
        let sha = try Fixtures.sha256(of: clip)
        let relative = "cams/" + clip.lastPathComponent

        // cd a && custody ingest --move cams/x.mp4, cut off right after the rename into staging.
        let interrupted = try Run.program(
            Self.custody, ["ingest", "--data", data.path, "--move", relative],
            environment: ["CUSTODY_FAILPOINT": "crash-after-move"], currentDirectory: a)
        #expect(interrupted.status == 99, "\(interrupted.stderr)")
        #expect(!FileManager.default.fileExists(atPath: clip.path))

        // The next command, from another folder, puts it back where it was.
        let next = try Run.program(Self.custody, ["ingest", "--data", data.path, "empty"], currentDirectory: b)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("put back 1 moved source(s)"), "\(next.stderr)")
        #expect(FileManager.default.fileExists(atPath: clip.path))
        #expect(try Fixtures.sha256(of: clip) == sha)
        #expect(!FileManager.default.fileExists(atPath: b.appendingPathComponent(relative).path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("staging").path).isEmpty)
    }

    // MARK: - Item 4: verify notices a missing, damaged or replaced catalog, orphans and stranded hand-ins

    /// A data folder with two clips ingested.
    static func stocked(_ label: String) throws -> (dir: URL, data: URL) {
        let dir = try TestEnvironment.temporaryFolder(label)
        let data = dir.appendingPathComponent("data")
        let source = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        try Fixtures.distinctClips(2, in: source)
        let ingest = try Run.program(custody, ["ingest", "--data", data.path, source.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return (dir, data)
    }

    static func deleteCatalog(_ data: URL) {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: data.appendingPathComponent("custody.sqlite" + suffix))
        }
    }

    @Test func verifyFailsWhenCatalogAndReportsAreDeletedButTheVaultHoldsFiles() throws {
        let (dir, data) = try Self.stocked("verify-nocatalog")
        defer { try? FileManager.default.removeItem(at: dir) }
        Self.deleteCatalog(data)
        try FileManager.default.removeItem(at: data.appendingPathComponent("reports"))
        let verify = try Run.program(Self.custody, ["verify", "--data", data.path])
        #expect(verify.status == 2, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("custody.sqlite is missing"), "\(verify.stdout)")
        #expect(verify.stdout.contains("custody recover --from-vault"), "\(verify.stdout)")
        #expect(verify.stdout.components(separatedBy: "stored file that no catalog row accounts for").count == 3, "\(verify.stdout)")
        // verify made no catalog of its own.
        #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("custody.sqlite").path))
    }

    @Test func ingestRefusesToRebuildADeletedCatalogAndRecoveryIsExplicitAndAudited() async throws {
        let (dir, data) = try Self.stocked("recover")
        defer { try? FileManager.default.removeItem(at: dir) }
        Self.deleteCatalog(data)
        let more = dir.appendingPathComponent("more")
        try FileManager.default.createDirectory(at: more, withIntermediateDirectories: true)
        let ingest = try Run.program(Self.custody, ["ingest", "--data", data.path, more.path])
        #expect(ingest.status == 2, "\(ingest.stderr)")
        #expect(ingest.stderr.contains("custody.sqlite is missing"), "\(ingest.stderr)")
        #expect(ingest.stderr.contains("custody recover --from-vault"), "\(ingest.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("custody.sqlite").path))

        let recover = try Run.program(Self.custody, ["recover", "--from-vault", "--data", data.path])
        #expect(recover.status == 0, "\(recover.stderr)")
        #expect(recover.stderr.contains("catalogued 2 stored file(s)"), "\(recover.stderr)")
        let catalog = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)
        #expect(try await catalog.evidenceCount() == 2)
        #expect(try await catalog.allEvidence().asyncAllSatisfy { try await catalog.receipts(sha256: $0.sha256).map(\.method) == ["recover"] })
        let rebuilt = try #require(try await catalog.auditEntries().first { $0.action == "catalog-rebuilt" })
        #expect(rebuilt.detail.contains(#""from":"vault""#))
        #expect(rebuilt.detail.contains(#""previous_catalog":"missing""#))
        let verify = try Run.program(Self.custody, ["verify", "--data", data.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stderr.contains("rebuilt by `custody recover`"), "\(verify.stderr)")
    }

    @Test func aCatalogReplacedByAnEmptyOneIsNoticedByTheAnchorsAndTheOrphans() throws {
        let (dir, data) = try Self.stocked("verify-replaced")
        defer { try? FileManager.default.removeItem(at: dir) }
        let audit = try Run.program(Self.custody, ["audit", "--data", data.path])
        #expect(audit.status == 0, "\(audit.stderr)")
        Self.deleteCatalog(data)
        _ = try Catalog(path: data.appendingPathComponent("custody.sqlite").path)  // a fresh, empty one
        let verify = try Run.program(Self.custody, ["verify", "--data", data.path])
        #expect(verify.status == 2)
        #expect(verify.stdout.contains("audit log: audit entries"), "\(verify.stdout)")
        #expect(verify.stdout.contains("no catalog row accounts for"), "\(verify.stdout)")
    }

    @Test func verifyNamesAStrandedStagingFileAndAVaultFileWithNoRow() throws {
        let (dir, data) = try Self.stocked("verify-stranded")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("half a copy".utf8).write(to: data.appendingPathComponent("staging/1234.part"))
        let orphan = data.appendingPathComponent("vault/ab/cd/" + String(repeating: "ab", count: 32) + ".mp4")
        try FileManager.default.createDirectory(at: orphan.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("not catalogued".utf8).write(to: orphan)
        let verify = try Run.program(Self.custody, ["verify", "--data", data.path, "--json"])
        #expect(verify.status == 2, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdoutLines.count == 2, "\(verify.stdout)")
        #expect(verify.stdout.contains(#""item":"staging/1234.part""#), "\(verify.stdout)")
        #expect(verify.stdout.contains("vault/ab/cd/abab"), "\(verify.stdout)")
    }

    @Test func aDamagedCatalogGivesExit2WithWhatToDo() throws {
        let (dir, data) = try Self.stocked("verify-damaged")
        defer { try? FileManager.default.removeItem(at: dir) }
        Self.deleteCatalog(data)
        try Data(repeating: 0x5A, count: 8192).write(to: data.appendingPathComponent("custody.sqlite"))
        let verify = try Run.program(Self.custody, ["verify", "--data", data.path])
        #expect(verify.status == 2, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stderr.contains("is damaged"), "\(verify.stderr)")
        #expect(verify.stderr.contains("backup"), "\(verify.stderr)")
        let ingest = try Run.program(Self.custody, ["ingest", "--data", data.path, dir.appendingPathComponent("in").path])
        #expect(ingest.status == 2, "\(ingest.stderr)")
    }

    @Test func verifyReadOnlyWritesNothing() async throws {
        let (dir, data) = try Self.stocked("verify-ro")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = data.appendingPathComponent("custody.sqlite").path
        let before = try await Catalog(path: path).auditEntries().count
        let verify = try Run.program(Self.custody, ["verify", "--read-only", "--data", data.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(try await Catalog(path: path).auditEntries().count == before)
    }

    // MARK: - Item 9: a read-only folder, a full disk, a failed relink

    /// Root in a fresh mount namespace can bind and mount; elsewhere these tests are skipped.
    static let canMount: Bool = getuid() == 0 && ((try? Run.tool("unshare", ["-m", "true"]).status) == 0)

    /// Runs `script` with sh in a private mount namespace; `$C` is the custody binary.
    static func inNamespace(_ script: String) throws -> ProcessResult {
        try Run.tool("unshare", ["-m", "sh", "-c", "C='\(custody.path)'; " + script], timeout: 120)
    }

    @Test(.enabled(if: canMount)) func aReadOnlyDataFolderIsSaidSoAndVerifyReadOnlyWorksThere() throws {
        let (dir, data) = try Self.stocked("readonly")
        defer { try? FileManager.default.removeItem(at: dir) }
        let d = data.path, src = dir.appendingPathComponent("in").path
        let result = try Self.inNamespace("""
            mount --bind '\(d)' '\(d)' && mount -o remount,ro,bind '\(d)' '\(d)' || exit 90
            "$C" ingest --data '\(d)' '\(src)'; echo "ingest=$?"
            "$C" verify --read-only --data '\(d)'; echo "verify-ro=$?"
            "$C" verify --data '\(d)'; echo "verify=$?"
            """)
        #expect(result.stdout.contains("ingest=1"), "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("the data folder \(d) is read-only"), "\(result.stderr)")
        #expect(!result.stderr.contains("SQLite error"), "\(result.stderr)")
        #expect(result.stdout.contains("verify-ro=0"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("verify=0"), "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("2 stored file(s) and the audit chain are intact"), "\(result.stderr)")
    }

    @Test(.enabled(if: canMount)) func aFullDiskIsSaidSoNamingTheFolderAndWhatToDo() throws {
        let dir = try TestEnvironment.temporaryFolder("diskfull")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data"), big = dir.appendingPathComponent("big.mp4")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let clip = try #require(try Fixtures.distinctClips(1, in: dir).first)
        try Data(repeating: 7, count: 6_000_000).write(to: big)
        let d = data.path
        let result = try Self.inNamespace("""
            mount -t tmpfs -o size=4m tmpfs '\(d)' || exit 90
            "$C" ingest --data '\(d)' --json '\(big.path)'; echo "ingest=$?"
            "$C" ingest --data '\(d)' '\(clip.path)' >/dev/null; echo "small=$?"
            dd if=/dev/zero of='\(d)/filler' bs=4k 2>/dev/null
            "$C" verify --data '\(d)'; echo "verify=$?"
            """)
        #expect(result.stdout.contains("ingest=1"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("the disk holding \(d)/staging is full"), "\(result.stdout)")
        #expect(result.stdout.contains("free space"), "\(result.stdout)")
        #expect(result.stdout.contains("small=0"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("verify=1"), "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("the disk holding the data folder \(d) is full"), "\(result.stderr)")
        #expect(!result.stderr.contains("SQLite error 10: disk I/O error"), "\(result.stderr)")
    }

    @Test func aStoredFileWhoseRelinkFailedIsNotReportedAsAFailedHandIn() throws {
        let dir = try TestEnvironment.temporaryFolder("relink")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let clip = TestEnvironment.footage.appendingPathComponent("J0012345_012345_20240214093135_0002.mp4")
        let result = try Run.program(
            Self.custody, ["ingest", "--data", data.path, clip.path], environment: ["CUSTODY_FAILPOINT": "relink-fails"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("ingested"), "\(result.stdout)")
        #expect(result.stderr.contains("are stored, but linking them to calls failed"), "\(result.stderr)")
        #expect(result.stderr.contains("custody link"), "\(result.stderr)")
    }
}
