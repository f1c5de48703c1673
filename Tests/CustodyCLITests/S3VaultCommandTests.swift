import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// The commands on an S3 vault (`[vault] url` in config.toml, the Swift store of `.ci/run`):
/// ingest puts originals into the bucket and none into the data folder; verify re-hashes them
/// from the store and names a missing or altered object; the audit's purge deletes from it;
/// `recover --from-vault` rebuilds a lost catalog from its listing.
@Suite struct S3VaultCommandTests {
    static let custody = TestEnvironment.custodyBinary

    struct Deployment {
        var dir: URL
        var data: URL
        var vault: S3Vault
    }

    /// A data folder whose config names a fresh prefix in the test store; nil without a store.
    static func deployment(_ label: String) async throws -> Deployment? {
        guard let s3 = TestObjectStore.current else {
            if TestObjectStore.isRequired { Issue.record("CUSTODY_S3_ENDPOINT is not set: .ci/run starts the object store") }
            return nil
        }
        let dir = try TestEnvironment.temporaryFolder(label)
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let prefix = "\(label)-\(UUID().uuidString.prefix(8))"
        let section = try s3.configSection(bucket: "custody-cli", prefix: prefix, secretFile: dir.appendingPathComponent("s3-secret"))
        try Data(section.utf8).write(to: data.appendingPathComponent("config.toml"))
        let vault = S3Vault(S3VaultConfiguration(
            endpoint: s3.endpoint, bucket: "custody-cli", prefix: prefix, region: s3.region, accessKey: s3.accessKey, secretKey: s3.secretKey))
        return Deployment(dir: dir, data: data, vault: vault)
    }

    /// Two clips and the text file named like a clip (quarantined), handed in.
    static func stock(_ d: Deployment) throws -> [String] {
        let source = d.dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let clips = try Fixtures.distinctClips(2, in: source)
        try FileManager.default.copyItem(
            at: TestEnvironment.footage.appendingPathComponent(Fixtures.notVideoSample),
            to: source.appendingPathComponent(Fixtures.notVideoSample))
        let ingest = try Run.program(custody, ["ingest", "--data", d.data.path, source.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return try clips.map(Fixtures.sha256(of:))
    }

    static func storedLocally(_ data: URL) -> [String] {
        ["vault", "quarantine"].flatMap { area in
            (FileManager.default.enumerator(atPath: data.appendingPathComponent(area).path)?.allObjects as? [String] ?? [])
                .filter { !$0.hasSuffix("/") && $0.contains(".") }
        }
    }

    @Test func ingestVerifyAndRecoverWorkOnTheBucketAlone() async throws {
        guard let d = try await Self.deployment("s3-cli") else { return }
        defer { try? FileManager.default.removeItem(at: d.dir) }
        let shas = try Self.stock(d)

        // The originals are in the bucket, named by SHA-256; the data folder keeps none.
        let vaulted = try await d.vault.listAll(prefix: "vault/").map(\.key)
        #expect(Set(vaulted.map { String($0.split(separator: "/").last!.prefix(64)) }) == Set(shas))
        let quarantined = try await d.vault.listAll(prefix: "quarantine/").map(\.key)
        #expect(quarantined.count == 2, "the text file and its reason note: \(quarantined)")
        #expect(quarantined.contains { $0.hasSuffix(".reason.txt") })
        #expect(Self.storedLocally(d.data).isEmpty, "\(Self.storedLocally(d.data))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: d.data.appendingPathComponent("staging").path).isEmpty)

        let verify = try Run.program(Self.custody, ["verify", "--data", d.data.path])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stderr.contains("3 stored file(s) and the audit chain are intact"), "\(verify.stderr)")

        // A repeat hand-in is a duplicate: nothing is written to the store again.
        let again = try Run.program(Self.custody, ["ingest", "--data", d.data.path, d.dir.appendingPathComponent("in").path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await d.vault.listAll(prefix: "").count == 4)

        // The catalog is lost: recover rebuilds it from the bucket's listing.
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: d.data.appendingPathComponent("custody.sqlite" + suffix))
        }
        // An ordinary command does not start a new, empty catalog beside a bucket of evidence.
        let refused = try Run.program(Self.custody, ["ingest", "--data", d.data.path, d.dir.appendingPathComponent("in").path])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("holds stored files that no catalog accounts for"), "\(refused.stderr)")
        let recover = try Run.program(Self.custody, ["recover", "--data", d.data.path, "--from-vault"])
        #expect(recover.status == 0, "\(recover.stderr)")
        #expect(recover.stderr.contains("catalogued 3 stored file(s)"), "\(recover.stderr)")
        let after = try Run.program(Self.custody, ["verify", "--data", d.data.path])
        #expect(after.stderr.contains("3 stored file(s)"), "\(after.stderr)")
    }

    @Test func verifyNamesAMissingAndAnAlteredObject() async throws {
        guard let d = try await Self.deployment("s3-fixity") else { return }
        defer { try? FileManager.default.removeItem(at: d.dir) }
        let shas = try Self.stock(d)
        let keys = try await d.vault.listAll(prefix: "vault/").map(\.key)
        let gone = try #require(keys.first { $0.contains(shas[0]) })
        let altered = try #require(keys.first { $0.contains(shas[1]) })
        try await d.vault.remove(gone)
        // Another object of the same size under the key (the store, not Custody, overwrote it).
        let size = try #require(try await d.vault.size(of: altered))
        try await d.vault.remove(altered)
        let forged = d.dir.appendingPathComponent("forged")
        let bytes = [UInt8](repeating: 0x5A, count: Int(size))
        try Data(bytes).write(to: forged)
        _ = try await d.vault.put(file: forged, key: altered, sha256: SigV4Digest.hex(of: bytes), size: size)

        let verify = try Run.program(Self.custody, ["verify", "--data", d.data.path, "--json"])
        #expect(verify.status == 2, "\(verify.stderr)")
        let lines = verify.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains(gone) && $0.contains("missing") }, "\(verify.stdout)")
        #expect(lines.contains { $0.contains(altered) && $0.contains("altered") }, "\(verify.stdout)")
    }

    @Test func theNightlyAuditPurgesFromTheBucket() async throws {
        guard let d = try await Self.deployment("s3-purge") else { return }
        defer { try? FileManager.default.removeItem(at: d.dir) }
        let config = d.data.appendingPathComponent("config.toml")
        let section = try String(contentsOf: config, encoding: .utf8)
        try Data((section + "\n[retention]\ndefault_days = 30\n").utf8).write(to: config)
        let shas = try Self.stock(d)
        #expect(try await d.vault.listAll(prefix: "vault/").count == 2)

        // The clips were recorded on 2024-02-14: by August their 30 days are long over.
        let audit = try Run.program(Self.custody, ["audit", "--data", d.data.path, "--day", "2024-08-01", "--purge", "--by", "test"])
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        #expect(audit.stderr.contains("purged 2 clip(s)"), "\(audit.stderr)")
        #expect(!audit.stderr.contains("INTEGRITY"), "\(audit.stderr)")
        let left = try await d.vault.listAll(prefix: "vault/").map(\.key)
        for sha in shas { #expect(!left.contains { $0.contains(sha) }, "\(sha) is still in the bucket") }
        let verify = try Run.program(Self.custody, ["verify", "--data", d.data.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
