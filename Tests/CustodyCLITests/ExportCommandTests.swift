import CustodyCore
import CustodyIngest
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Issue 17, acceptance 1 and 2: `custody export` of an incident with two officers and a late
/// upload, checked with `sha256sum -c` and `openssl pkeyutl -verify` exactly as VERIFY.md says;
/// a flipped byte in a clip, the manifest or a signature fails the matching check; the
/// chain-of-custody excerpt recomputes and matches the live log; `custody verify` still passes.
@Suite struct ExportCommandTests {
    static let custody = TestEnvironment.custodyBinary

    static func tool(_ path: String, _ args: [String], in dir: URL) throws -> ProcessResult {
        try Run.program(URL(fileURLWithPath: path), args, currentDirectory: dir, timeout: 120)
    }

    static func checks(_ package: URL) throws -> (sums: Bool, sumsSig: Bool, manifestSig: Bool) {
        let sums = try tool("/usr/bin/sha256sum", ["-c", "--quiet", "SHA256SUMS"], in: package)
        let sumsSig = try tool("/usr/bin/openssl", [
            "pkeyutl", "-verify", "-pubin", "-inkey", "signing-key.pem", "-rawin", "-in", "SHA256SUMS", "-sigfile", "SHA256SUMS.sig",
        ], in: package)
        let manifestSig = try tool("/usr/bin/openssl", [
            "pkeyutl", "-verify", "-pubin", "-inkey", "signing-key.pem", "-rawin", "-in", "manifest.json", "-sigfile", "manifest.json.sig",
        ], in: package)
        return (sums.status == 0, sumsSig.status == 0 && sumsSig.stdout.contains("Signature Verified Successfully"),
                manifestSig.status == 0 && manifestSig.stdout.contains("Signature Verified Successfully"))
    }

    /// A copy of the package with one byte of `file` flipped.
    static func tampered(_ package: URL, _ file: String, at offset: Int = 100) throws -> URL {
        let copy = package.deletingLastPathComponent().appendingPathComponent("tampered-\(UUID().uuidString.prefix(6))")
        try FileManager.default.copyItem(at: package, to: copy)
        let target = copy.appendingPathComponent(file)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: target.path)
        var bytes = [UInt8](try Data(contentsOf: target))
        bytes[min(offset, bytes.count - 1)] ^= 0x01
        try Data(bytes).write(to: target)
        return copy
    }

    @Test func anExportedIncidentChecksWithStandardToolsAndTamperingIsCaught() async throws {
        let fx = try AuditFixture("export")
        defer { fx.cleanUp() }
        let a = try await fx.clip("a", officer: "012345", start: "2024-02-14 10:00:00", seconds: 600)
        // Handed in three days later: a late upload.
        let b = try await fx.clip("b", officer: "023456", start: "2024-02-14 10:01:00", seconds: 540, received: "2024-02-17 09:00:00")
        try await fx.importCalls([
            fx.call("110-20240214-0100", "012345", station: "城关派出所", arrived: "2024-02-14 10:00:00", cleared: "2024-02-14 10:10:00"),
            fx.call("110-20240214-0100", "023456", station: "城关派出所", arrived: "2024-02-14 10:01:00", cleared: "2024-02-14 10:10:00"),
        ])
        await #expect(try fx.catalog.findings(.init(incidentID: "110-20240214-0100")).contains { $0.kind == .lateUpload && $0.clipSHA256 == b })
        _ = try await fx.catalog.placeHold(kind: .legalHold, clip: a, incident: nil, reason: "complaint 2024-017", by: "sam")
        let package = fx.root.appendingPathComponent("package")
        let run = try Run.program(Self.custody, [
            "export", "--data", fx.data, "--incident", "110-20240214-0100", "--reason", "Disclosure to the prosecutor, case 2024-017",
            "--out", package.path,
        ], timeout: 120)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("exported 2 file(s)"), "\(run.stdout)")
        #expect(run.stderr.contains("[1/2]") && run.stderr.contains("[2/2]"), "progress on stderr: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: package.path + ".partial"))

        // The layout of the contract, and the originals byte-identical under readable names.
        for name in ["manifest.json", "manifest.json.sig", "SHA256SUMS", "SHA256SUMS.sig", "signing-key.pem", "VERIFY.md", "summary.zh.html", "summary.en.html"] {
            #expect(FileManager.default.fileExists(atPath: package.appendingPathComponent(name).path), "\(name)")
        }
        let files = TestEnvironment.files(in: package.appendingPathComponent("files/110-20240214-0100")).map(\.lastPathComponent).sorted()
        #expect(files == ["012345_20240214-100000_\(a.prefix(8)).mp4", "023456_20240214-100100_\(b.prefix(8)).mp4"], "\(files)")
        #expect(try Data(contentsOf: package.appendingPathComponent("SHA256SUMS.sig")).count == 64, "a raw Ed25519 signature")

        // Both checks pass, exactly as VERIFY.md writes them.
        let verify = try String(contentsOf: package.appendingPathComponent("VERIFY.md"), encoding: .utf8)
        #expect(verify.contains("sha256sum -c SHA256SUMS")
            && verify.contains("openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig"))
        let clean = try Self.checks(package)
        #expect(clean.sums && clean.sumsSig && clean.manifestSig, "\(clean)")
        // One flipped byte: in a clip, sha256sum fails; in the manifest, sha256sum and its
        // signature fail; in a signature, that signature fails.
        let clip = "files/110-20240214-0100/\(files[0])"
        let badClip = try Self.checks(try Self.tampered(package, clip))
        #expect(!badClip.sums && badClip.sumsSig && badClip.manifestSig, "\(badClip)")
        let badManifest = try Self.checks(try Self.tampered(package, "manifest.json", at: 40))
        #expect(!badManifest.sums && badManifest.sumsSig && !badManifest.manifestSig, "\(badManifest)")
        let badSignature = try Self.checks(try Self.tampered(package, "SHA256SUMS.sig", at: 10))
        #expect(badSignature.sums && !badSignature.sumsSig, "\(badSignature)")
        let badList = try Self.checks(try Self.tampered(package, "SHA256SUMS", at: 5))
        #expect(!badList.sumsSig, "an edited SHA256SUMS no longer matches its signature")

        // The manifest: files with hashes, the dispatch rows, who, why; the chain-of-custody
        // excerpt recomputes entry by entry and matches the live log.
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: package.appendingPathComponent("manifest.json"))) as? [String: Any])
        #expect(manifest["reason"] as? String == "Disclosure to the prosecutor, case 2024-017")
        let entries = try #require(manifest["files"] as? [[String: Any]])
        #expect(Set(entries.compactMap { $0["sha256"] as? String }) == [a, b])
        #expect(entries.allSatisfy { ($0["receipts"] as? [Any])?.isEmpty == false })
        let held = try #require(entries.first { $0["sha256"] as? String == a }?["holds"] as? [[String: Any]])
        #expect(held.first?["kind"] as? String == "legal_hold" && held.first?["reason"] as? String == "complaint 2024-017", "held footage says so")
        let incidents = try #require(manifest["incidents"] as? [[String: Any]])
        #expect((incidents.first?["officers"] as? [Any])?.count == 2)
        let chain = try #require(manifest["chain_of_custody"] as? [String: Any])
        let excerpt = try #require(chain["entries"] as? [[String: Any]])
        #expect(excerpt.count >= 2, "at least both clips' receipts")
        let live = Dictionary(uniqueKeysWithValues: try await fx.catalog.auditEntries().map { ($0.id, $0) })
        for e in excerpt {
            let id = Int64(e["id"] as? Int ?? -1)
            let recomputed = Catalog.auditEntryHash(
                id: id, at: e["at"] as? String ?? "", actor: e["actor"] as? String ?? "", action: e["action"] as? String ?? "",
                subject: e["subject"] as? String ?? "", detail: e["detail"] as? String ?? "", prevHash: e["prev_hash"] as? String ?? "")
            #expect(recomputed == e["hash"] as? String, "entry \(id) recomputes")
            #expect(live[id]?.hash == e["hash"] as? String && live[id]?.prevHash == e["prev_hash"] as? String, "entry \(id) is the live log's")
        }
        #expect(Set(excerpt.compactMap { $0["subject"] as? String }).isSuperset(of: [a, b]))
        // The export is audited with the package's SHA-256 (that of its SHA256SUMS).
        let sumsHash = try Self.tool("/usr/bin/sha256sum", ["SHA256SUMS"], in: package).stdout.prefix(64)
        let exported = try #require(try await fx.catalog.auditEntries().last)
        #expect(exported.action == "exported" && exported.subject == "export:\(sumsHash)" && exported.detail.contains("case 2024-017"))
        // The live log is still whole.
        let check = try Run.program(Self.custody, ["verify", "--data", fx.data], timeout: 120)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // The public key the package carries is the installation's.
        let key = try SigningKey.loadOrCreate(fx.folder)
        #expect(try String(contentsOf: package.appendingPathComponent("signing-key.pem"), encoding: .utf8) == key.publicKeyPEM)
        let der = try Run.program(URL(fileURLWithPath: "/bin/sh"), ["-c", "openssl pkey -pubin -in '\(package.path)/signing-key.pem' -outform DER | sha256sum"])
        #expect(der.stdout.prefix(64) == key.fingerprint.replacingOccurrences(of: ":", with: "").lowercased())
        let mode = try FileManager.default.attributesOfItem(atPath: SigningKey.path(fx.folder).path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the private key is readable by its owner only")
    }

    @Test func badRequestsGetASentence() async throws {
        let fx = try AuditFixture("export-bad")
        defer { fx.cleanUp() }
        let noReason = try Run.program(Self.custody, ["export", "--data", fx.data, "--incident", "X", "--reason", " ", "--out", fx.root.path + "/p"])
        #expect(noReason.status == 64 && noReason.stderr.contains("--reason must say why"), "\(noReason.stderr)")
        let unknown = try Run.program(Self.custody, ["export", "--data", fx.data, "--incident", "nope", "--reason", "r", "--out", fx.root.path + "/p"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no incident nope"), "\(unknown.stderr)")
        let exists = try Run.program(Self.custody, ["export", "--data", fx.data, "--incident", "nope", "--reason", "r", "--out", fx.root.path])
        #expect(exists.status == 1 && exists.stderr.contains("exists already"), "\(exists.stderr)")
        let zip = try Run.program(Self.custody, ["export", "--data", fx.data, "--incident", "X", "--reason", "r", "--out", fx.root.path + "/p.zip"])
        #expect(zip.status == 64 && zip.stderr.contains("not supported yet"), "\(zip.stderr)")
    }
}
