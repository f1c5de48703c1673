import CustodyCore
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Issue 7, acceptance 2 and 3: integrity failures make `custody audit` exit 2 and name the
/// item; retention lists, and only with --purge deletes, expired unheld footage.
@Suite struct AuditIntegrityTests {
    static let custody = TestEnvironment.custodyBinary

    /// Two clips handed in on 2024-03-01 (so that day's audit re-hashes them) and a call.
    static func smallDay(_ label: String) async throws -> (AuditFixture, [String]) {
        let fx = try AuditFixture(label)
        let one = try await fx.clip("c1", officer: "001", start: "2024-03-01 09:00:00", seconds: 300, received: "2024-03-01 18:00:00")
        let two = try await fx.clip("c2", officer: "002", start: "2024-03-01 10:00:00", seconds: 300, received: "2024-03-01 18:00:00")
        try await fx.importCalls([fx.call("I-1", "001", station: "城关派出所", arrived: "2024-03-01 09:00:00", cleared: "2024-03-01 09:05:00")])
        return (fx, [one, two])
    }

    func audit(_ fx: AuditFixture, _ extra: [String] = [], day: String = "2024-03-01") throws -> ProcessResult {
        try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", day] + extra)
    }

    @Test func aFlippedByteInAVaultFileFailsTheAuditAndIsNamed() async throws {
        let (fx, clips) = try await Self.smallDay("audit-flip")
        defer { fx.cleanUp() }
        let intact = try audit(fx)
        #expect(intact.status == 0, "\(intact.stdout)\(intact.stderr)")
        #expect(intact.stdout.contains("fixity 2 file(s) re-hashed"))

        let record = try #require(try await fx.catalog.evidence(sha256: clips[1]))
        let url = fx.folder.root.appendingPathComponent(record.storedPath)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: url)

        let failed = try audit(fx)
        #expect(failed.status == 2, "\(failed.stdout)\(failed.stderr)")
        #expect(failed.stdout.contains("INTEGRITY FAILURE: \(record.storedPath): altered"))
        #expect(failed.stderr.contains("INTEGRITY: \(record.storedPath): altered"))
        // The reports are still written, and the failure is on the record.
        #expect(FileManager.default.fileExists(atPath: fx.folder.reports.appendingPathComponent("daily-2024-03-01.json").path))
        #expect(try await fx.catalog.auditEntries().contains { $0.action == "fixity-failed" && $0.subject == clips[1] })
        // A failed file is re-checked every night until it is put right, whatever its rotation day.
        let later = try audit(fx, day: "2024-03-02")
        #expect(later.status == 2)
        #expect(later.stdout.contains("\(record.storedPath): altered"))
    }

    @Test func anEditedAuditRowFailsTheAuditAndIsNamed() async throws {
        let (fx, _) = try await Self.smallDay("audit-edit")
        defer { fx.cleanUp() }
        #expect(try audit(fx).status == 0)
        try await fx.catalog.executeForTesting("UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
        let failed = try audit(fx)
        #expect(failed.status == 2, "\(failed.stdout)\(failed.stderr)")
        #expect(failed.stdout.contains("audit log: audit entry 3 ("))
        #expect(failed.stdout.contains("was altered"))
    }

    @Test func losingTheLogsLastEntriesIsCaughtByTheAnchors() async throws {
        let (fx, _) = try await Self.smallDay("audit-tail")
        defer { fx.cleanUp() }
        #expect(try audit(fx).status == 0)
        let head = try await fx.catalog.chainHead().entries
        // Whole entries removed from the end leave a chain that is consistent in itself …
        try await fx.catalog.executeForTesting("DELETE FROM audit_log WHERE id > \(head - 3)")
        #expect(try await fx.catalog.verifyAuditChain().isEmpty)
        // … but not with the anchor the audit wrote: both verify and the next audit say so.
        let verify = try Run.program(Self.custody, ["verify", "--data", fx.data])
        #expect(verify.status == 2, "\(verify.stdout)")
        #expect(verify.stdout.contains("audit entries \(head - 2)–\(head) are missing"))
        // (verify's own entry has since taken the first of the lost ids)
        let failed = try audit(fx, day: "2024-03-02")
        #expect(failed.status == 2, "\(failed.stdout)\(failed.stderr)")
        #expect(failed.stdout.contains("audit entries \(head - 1)–\(head) are missing: the log ends at \(head - 2), before the anchor written by the audit of 2024-03-01"))
        // Once new entries pass the anchor, the anchored one no longer matches: still a failure.
        for _ in 0..<3 { try await fx.catalog.audit(actor: "t", action: "viewed", subject: "x") }
        let rewritten = try audit(fx, day: "2024-03-03")
        #expect(rewritten.status == 2)
        #expect(rewritten.stdout.contains("audit entry \(head) does not match the anchor written by the audit of 2024-03-01: the log was rewritten"))
    }

    @Test func expiredFootageIsListedAndDeletedOnlyWithPurgeNeverWhenHeld() async throws {
        let fx = try AuditFixture("audit-retention", config: """
            [retention]
            default_days = 180
            permanent_categories = ["刑事案件"]
            [retention.category_days]
            "交通事故" = 365
            """)
        defer { fx.cleanUp() }
        // Recorded 2024-01-10: 180 days run out on 2024-07-08.
        let expired = try await fx.clip("expired", officer: "001", start: "2024-01-10 09:00:00", seconds: 60)
        let held = try await fx.clip("held", officer: "002", start: "2024-01-10 09:00:00", seconds: 60)
        let criminal = try await fx.clip("criminal", officer: "003", start: "2024-01-10 09:00:00", seconds: 60)
        let caseLinked = try await fx.clip("case", officer: "004", start: "2024-01-10 09:00:00", seconds: 60)
        let traffic = try await fx.clip("traffic", officer: "005", start: "2024-01-10 09:00:00", seconds: 60)
        let recent = try await fx.clip("recent", officer: "001", start: "2024-06-01 09:00:00", seconds: 60)
        try await fx.importCalls([
            fx.call("I-CRIME", "003", station: nil, arrived: "2024-01-10 09:00:00", cleared: "2024-01-10 09:01:00", category: "刑事案件"),
            fx.call("I-CASE", "004", station: nil, arrived: "2024-01-10 09:00:00", cleared: "2024-01-10 09:01:00", category: "纠纷"),
            fx.call("I-ROAD", "005", station: nil, arrived: "2024-01-10 09:00:00", cleared: "2024-01-10 09:01:00", category: "交通事故"),
        ])
        let hold = try Run.program(Self.custody, ["hold", "add", "--data", fx.data, "--clip", held, "--reason", "complaint 2024-017", "--by", "sam"])
        #expect(hold.status == 0, "\(hold.stderr)")
        let mark = try Run.program(Self.custody, ["hold", "add", "--data", fx.data, "--incident", "I-CASE", "--case-evidence", "--reason", "case 2024-88"])
        #expect(mark.status == 0, "\(mark.stderr)")
        func exists(_ sha: String) async throws -> Bool {
            FileManager.default.fileExists(atPath: fx.folder.root.appendingPathComponent(try #require(try await fx.catalog.evidence(sha256: sha)).storedPath).path)
        }
        let all = [expired, held, criminal, caseLinked, traffic, recent]

        // Without --purge: listed, nothing deleted.
        let listed = try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2024-08-01"])
        #expect(listed.status == 0, "\(listed.stdout)\(listed.stderr)")
        #expect(listed.stdout.contains("retention 1 due, 0 purged"))
        let expiredPath = try #require(try await fx.catalog.evidence(sha256: expired)).storedPath
        #expect(listed.stderr.contains("due: \(expiredPath) recorded 2024-01-10T01:00:00Z, default 180 days, expired 2024-07-08T01:00:00Z"))
        let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fx.folder.reports.appendingPathComponent("audit-2024-08-01.json"))) as? [String: Any])
        let retention = try #require(record["retention"] as? [String: Any])
        #expect((retention["due"] as? [[String: Any]])?.map { $0["sha256"] as? String } == [expired])
        #expect(retention["kept_by_longer_class"] as? [String: Int] == [
            "legal hold": 1, "category 刑事案件: permanent": 1, "case evidence": 1, "category 交通事故: 365 days": 1,
        ])
        #expect(try await all.asyncAllSatisfy(exists))
        #expect(try await fx.catalog.tombstones().isEmpty)

        // With --purge: the expired clip goes, with a tombstone and an audit entry; nothing else.
        let purged = try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2024-08-01", "--purge", "--by", "法制大队 王"])
        #expect(purged.status == 0, "\(purged.stdout)\(purged.stderr)")
        #expect(purged.stdout.contains("retention 1 due, 1 purged"))
        await #expect(try !exists(expired))
        #expect(try await [held, criminal, caseLinked, traffic, recent].asyncAllSatisfy(exists))
        let tombstone = try #require(try await fx.catalog.tombstone(sha256: expired))
        #expect(tombstone.size == (try await fx.catalog.evidence(sha256: expired))?.size)
        #expect(tombstone.purgedBy == "法制大队 王")
        #expect(tombstone.storedPath == expiredPath)
        #expect(tombstone.reason.contains("default 180 days"))
        #expect(tombstone.reason.contains("custody audit --purge for 2024-08-01"))
        #expect(tombstone.fileRemovedAt != nil)
        #expect(try await fx.catalog.evidence(sha256: expired)?.purgedAt != nil)
        let entry = try #require(try await fx.catalog.auditEntries().first { $0.action == "purged" })
        #expect(entry.subject == expired && entry.actor == "法制大队 王")
        #expect(entry.detail.contains("\"size\":\(tombstone.size)") && entry.detail.contains("default 180 days"))
        // Verify accepts the deliberate deletion; the chain is whole.
        let verify = try Run.program(Self.custody, ["verify", "--data", fx.data])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

        // Held and case-linked footage survives any number of purges, even years later …
        let later = try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2026-01-01", "--purge"])
        #expect(later.status == 0, "\(later.stderr)")
        #expect(try await [held, criminal, caseLinked].asyncAllSatisfy(exists))
        #expect(try await !exists(traffic))
        #expect(try await !exists(recent))
        // … until the hold is released.
        let holdID = try #require(try await fx.catalog.holds().first { $0.clipSHA256 == held }?.id)
        #expect(try Run.program(Self.custody, ["hold", "release", "--data", fx.data, String(holdID), "--reason", "complaint closed"]).status == 0)
        _ = try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2026-01-01", "--purge"])
        await #expect(try !exists(held))
        #expect(try await [criminal, caseLinked].asyncAllSatisfy(exists))
        #expect(try await Set(fx.catalog.tombstones().map(\.sha256)) == [expired, traffic, recent, held])
    }

    @Test func purgeIsRefusedWhileAnIntegrityProblemStands() async throws {
        let fx = try AuditFixture("audit-refuse")
        defer { fx.cleanUp() }
        let old = try await fx.clip("old", officer: "001", start: "2024-01-10 09:00:00", seconds: 60)
        try await fx.catalog.executeForTesting("UPDATE audit_log SET detail = '{}' WHERE id = 1")
        let run = try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2024-08-01", "--purge"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--purge refused"))
        #expect(try await fx.catalog.tombstone(sha256: old) == nil)
    }

    @Test func holdCommandsRefuseWhatDoesNotExistAndListWhatDoes() async throws {
        let (fx, clips) = try await Self.smallDay("audit-holds")
        defer { fx.cleanUp() }
        let unknown = String(repeating: "a", count: 64)
        let missing = try Run.program(Self.custody, ["hold", "add", "--data", fx.data, "--clip", unknown, "--reason", "x"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("No stored clip has the SHA-256 \(unknown)"))
        #expect(try Run.program(Self.custody, ["hold", "add", "--data", fx.data, "--incident", "NOPE", "--reason", "x"]).status == 1)
        #expect(try Run.program(Self.custody, ["hold", "add", "--data", fx.data, "--reason", "x"]).status == 64)
        #expect(try Run.program(Self.custody, ["hold", "add", "--data", fx.data, "--clip", clips[0], "--reason", "court order 7", "--by", "sam"]).status == 0)
        let list = try Run.program(Self.custody, ["hold", "list", "--data", fx.data, "--json"])
        let holds = try list.stdoutLines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(holds.count == 1)
        #expect(holds.first?["clip_sha256"] as? String == clips[0])
        #expect(holds.first?["kind"] as? String == "legal_hold")
        #expect(holds.first?["placed_by"] as? String == "sam")
        #expect(holds.first?["active"] as? Bool == true)
        #expect(try await fx.catalog.auditEntries().contains { $0.action == "hold-placed" && $0.subject == clips[0] && $0.actor == "sam" })
    }

    @Test func aDayThatIsNotADateOrHasNotHappenedIsRefused() throws {
        let fx = try AuditFixture("audit-day")
        defer { fx.cleanUp() }
        let bad = try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2024-02-30"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("'2024-02-30' is not a date"))
        let future = try Run.program(Self.custody, ["audit", "--data", fx.data, "--day", "2999-01-01"])
        #expect(future.status == 1)
        #expect(future.stderr.contains("is after today"))
        // No --day: yesterday in the configured zone.
        let yesterday = CalendarDay(containing: Date(), zone: fx.zone).adding(days: -1)
        let plain = try Run.program(Self.custody, ["audit", "--data", fx.data])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.hasPrefix("audit \(yesterday) (\(fx.zone.configName)):"), "the day and the zone it is cut in")
    }
}
