import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// One suite, run against every vault: the local folder and an S3 store (OpenStack Swift's s3api
/// on loopback, started by `tools/objectstore` in `.ci/run`, found through `CUSTODY_S3_*`).
@Suite struct VaultContractTests {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case local, s3
        var testDescription: String { rawValue }
    }

    /// A fresh, empty vault of `kind` and a scratch folder for the files to put.
    struct Fixture {
        var vault: any Vault
        var scratch: URL
    }

    static func make(_ kind: Kind, partSize: Int = 5 << 20) async throws -> Fixture? {
        let scratch = try TestEnvironment.temporaryFolder("vault-\(kind.rawValue)")
        switch kind {
        case .local:
            let root = scratch.appendingPathComponent("data")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            return Fixture(vault: LocalVault(root: root), scratch: scratch)
        case .s3:
            let env = ProcessInfo.processInfo.environment
            guard let endpoint = env["CUSTODY_S3_ENDPOINT"].flatMap(URL.init(string:)),
                  let access = env["CUSTODY_S3_ACCESS_KEY"], let secret = env["CUSTODY_S3_SECRET_KEY"]
            else {
                // CI always has the store; elsewhere start it with tools/objectstore.
                if env["CI"] != nil { Issue.record("CUSTODY_S3_ENDPOINT is not set: .ci/run starts the object store") }
                return nil
            }
            var configuration = S3VaultConfiguration(
                endpoint: endpoint, bucket: "custody-contract", prefix: "run-\(UUID().uuidString.prefix(8))",
                region: env["CUSTODY_S3_REGION"] ?? "us-east-1", accessKey: access, secretKey: secret)
            configuration.partSize = partSize
            let vault = S3Vault(configuration)
            try await vault.createBucketIfMissing()
            return Fixture(vault: vault, scratch: scratch)
        }
    }

    static func file(_ fixture: Fixture, bytes count: Int, seed: UInt8 = 7) throws -> (URL, [UInt8], String) {
        var bytes = [UInt8](repeating: 0, count: count)
        var x = UInt32(seed) &+ 1
        for i in 0..<count {
            x = x &* 1_664_525 &+ 1_013_904_223
            bytes[i] = UInt8(truncatingIfNeeded: x >> 24)
        }
        let url = fixture.scratch.appendingPathComponent("f-\(seed)-\(count).bin")
        try Data(bytes).write(to: url)
        return (url, bytes, SigV4Digest.hex(of: bytes))
    }

    static func key(_ sha: String, ext: String = "mp4", area: String = "vault") -> String {
        "\(area)/\(sha.prefix(2))/\(sha.dropFirst(2).prefix(2))/\(sha).\(ext)"
    }

    @Test(arguments: Kind.allCases) func whatIsPutCanBeSizedReadStreamedAndListed(_ kind: Kind) async throws {
        guard let f = try await Self.make(kind) else { return }
        defer { try? FileManager.default.removeItem(at: f.scratch) }
        let (url, bytes, sha) = try Self.file(f, bytes: 100_003)
        let key = Self.key(sha)
        #expect(try await f.vault.put(file: url, key: key, sha256: sha, size: Int64(bytes.count)) == .stored)
        #expect(try await f.vault.size(of: key) == Int64(bytes.count))
        #expect(try await f.vault.read(key, range: 10..<20) == Array(bytes[10..<20]))
        #expect(try await f.vault.read(key, range: 99_990..<100_003) == Array(bytes[99_990...]))
        var streamed: [UInt8] = []
        try await f.vault.stream(key, chunkSize: 65_536) { streamed += $0 }
        #expect(streamed == bytes)
        let listed = try await f.vault.listAll(prefix: "vault/")
        #expect(listed == [VaultEntry(key: key, size: Int64(bytes.count))])
        // The file put is left to its owner.
        #expect(FileManager.default.fileExists(atPath: url.path))
    }

    @Test(arguments: Kind.allCases) func anObjectIsNeverOverwritten(_ kind: Kind) async throws {
        guard let f = try await Self.make(kind) else { return }
        defer { try? FileManager.default.removeItem(at: f.scratch) }
        let (url, bytes, sha) = try Self.file(f, bytes: 4_096)
        let key = Self.key(sha)
        #expect(try await f.vault.put(file: url, key: key, sha256: sha, size: 4_096) == .stored)
        // The same evidence handed in again: nothing to do.
        #expect(try await f.vault.put(file: url, key: key, sha256: sha, size: 4_096) == .alreadyPresent)
        // Other bytes under the same key: refused, and the stored object is untouched.
        let (other, _, otherSHA) = try Self.file(f, bytes: 5_000, seed: 9)
        await #expect(throws: VaultError.self) {
            _ = try await f.vault.put(file: other, key: key, sha256: otherSHA, size: 5_000)
        }
        #expect(try await f.vault.size(of: key) == 4_096)
        #expect(try await f.vault.read(key, range: 0..<4_096) == bytes)
    }

    @Test(arguments: Kind.allCases) func aFileThatChangedSinceStagingStoresNothing(_ kind: Kind) async throws {
        guard let f = try await Self.make(kind) else { return }
        defer { try? FileManager.default.removeItem(at: f.scratch) }
        let (url, _, sha) = try Self.file(f, bytes: 8_192)
        let key = Self.key(sha)
        // The size it was staged with is not the size it has now.
        do {
            _ = try await f.vault.put(file: url, key: key, sha256: sha, size: 8_000)
            Issue.record("a put with the wrong size was accepted")
        } catch {
            #expect(error.code == .digestMismatch)
        }
        #expect(try await f.vault.size(of: key) == nil)
    }

    @Test func s3ChecksTheDigestOfSmallAndMultipartFilesOnTheWayIn() async throws {
        guard let f = try await Self.make(.s3, partSize: 5 << 20) else { return }
        defer { try? FileManager.default.removeItem(at: f.scratch) }
        for count in [10_000, (11 << 20) + 17] {
            let (url, _, sha) = try Self.file(f, bytes: count)
            let wrong = String(sha.reversed())
            do {
                _ = try await f.vault.put(file: url, key: Self.key(wrong), sha256: wrong, size: Int64(count))
                Issue.record("a put of \(count) bytes with the wrong SHA-256 was accepted")
            } catch {
                #expect(error.code == .digestMismatch)
            }
            #expect(try await f.vault.size(of: Self.key(wrong)) == nil)
        }
    }

    @Test(arguments: Kind.allCases) func aLargeFileGoesUpInPartsAndComesBackWhole(_ kind: Kind) async throws {
        guard let f = try await Self.make(kind, partSize: 5 << 20) else { return }
        defer { try? FileManager.default.removeItem(at: f.scratch) }
        let count = (11 << 20) + 1_234  // three parts of 5 MiB, 5 MiB and the rest
        let (url, bytes, sha) = try Self.file(f, bytes: count, seed: 3)
        let key = Self.key(sha, ext: "mkv")
        #expect(try await f.vault.put(file: url, key: key, sha256: sha, size: Int64(count)) == .stored)
        #expect(try await f.vault.size(of: key) == Int64(count))
        var hasher: [UInt8] = []
        hasher.reserveCapacity(count)
        try await f.vault.stream(key, chunkSize: 1 << 20) { hasher += $0 }
        #expect(SigV4Digest.hex(of: hasher) == sha)
        let middle = Int64(5 << 20) - 5
        #expect(try await f.vault.read(key, range: middle..<(middle + 10)) == Array(bytes[Int(middle)..<Int(middle) + 10]))
    }

    @Test(arguments: Kind.allCases) func readsOutsideTheObjectAndMissingObjectsAreErrors(_ kind: Kind) async throws {
        guard let f = try await Self.make(kind) else { return }
        defer { try? FileManager.default.removeItem(at: f.scratch) }
        let (url, _, sha) = try Self.file(f, bytes: 1_000)
        let key = Self.key(sha)
        _ = try await f.vault.put(file: url, key: key, sha256: sha, size: 1_000)
        await #expect(throws: VaultError.self) { _ = try await f.vault.read(key, range: 990..<1_010) }
        let missing = Self.key(String(repeating: "0", count: 64))
        #expect(try await f.vault.size(of: missing) == nil)
        do {
            _ = try await f.vault.read(missing, range: 0..<1)
            Issue.record("reading a missing object succeeded")
        } catch {
            #expect(error.code == .notFound)
        }
    }

    @Test(arguments: Kind.allCases) func removeTakesTheObjectAwayAndIsIdempotent(_ kind: Kind) async throws {
        guard let f = try await Self.make(kind) else { return }
        defer { try? FileManager.default.removeItem(at: f.scratch) }
        let (url, _, sha) = try Self.file(f, bytes: 2_000)
        let key = Self.key(sha)
        _ = try await f.vault.put(file: url, key: key, sha256: sha, size: 2_000)
        try await f.vault.remove(key)
        #expect(try await f.vault.size(of: key) == nil)
        try await f.vault.remove(key)
        #expect(try await f.vault.listAll(prefix: "vault/").isEmpty)
    }

    @Test(arguments: Kind.allCases) func listingPagesInKeyOrderWithinItsPrefix(_ kind: Kind) async throws {
        guard let f = try await Self.make(kind) else { return }
        defer { try? FileManager.default.removeItem(at: f.scratch) }
        var keys: [String] = []
        for seed in UInt8(1)...5 {
            let (url, _, sha) = try Self.file(f, bytes: 100 + Int(seed), seed: seed)
            let key = Self.key(sha)
            _ = try await f.vault.put(file: url, key: key, sha256: sha, size: Int64(100 + Int(seed)))
            keys.append(key)
        }
        let (q, _, qsha) = try Self.file(f, bytes: 50, seed: 99)
        _ = try await f.vault.put(file: q, key: Self.key(qsha, area: "quarantine"), sha256: qsha, size: 50)
        let first = try await f.vault.list(prefix: "vault/", after: nil, limit: 2)
        #expect(first.map(\.key) == Array(keys.sorted().prefix(2)))
        let rest = try await f.vault.list(prefix: "vault/", after: first.last?.key, limit: 10)
        #expect(rest.map(\.key) == Array(keys.sorted().dropFirst(2)))
        #expect(try await f.vault.listAll(prefix: "vault/", pageSize: 2).map(\.key) == keys.sorted())
        #expect(try await f.vault.listAll(prefix: "quarantine/").count == 1)
    }

    @Test(arguments: Kind.allCases) func keysThatCouldLeaveTheStoreAreRefused(_ kind: Kind) async throws {
        guard let f = try await Self.make(kind) else { return }
        defer { try? FileManager.default.removeItem(at: f.scratch) }
        let (url, _, sha) = try Self.file(f, bytes: 10)
        for bad in ["../escape.mp4", "/etc/passwd", "vault//x.mp4", "vault/./x", "vault/.hidden", ""] {
            do {
                _ = try await f.vault.put(file: url, key: bad, sha256: sha, size: 10)
                Issue.record("key \(bad) was accepted")
            } catch {
                #expect(error.code == .invalid, "\(bad)")
            }
        }
    }
}
