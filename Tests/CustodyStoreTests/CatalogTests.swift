import CustodyCore
import CustodyStore
import Foundation
import Testing

@Suite struct AuditChainTests {
    func catalogWithEntries(_ count: Int) throws -> Catalog {
        let catalog = try Catalog(inMemory: ())
        for i in 1...count {
            try catalog.audit(actor: "tester", action: "viewed", subject: "clip-\(i)", detail: .object([("n", .int(Int64(i)))]))
        }
        return catalog
    }

    @Test func anUntouchedChainVerifies() throws {
        let catalog = try catalogWithEntries(5)
        #expect(try catalog.verifyAuditChain().isEmpty)
        let entries = try catalog.auditEntries()
        #expect(entries.count == 5)
        #expect(entries[0].prevHash == String(repeating: "0", count: 64))
        for (a, b) in zip(entries, entries.dropFirst()) {
            #expect(b.prevHash == a.hash)
        }
    }

    @Test func anEditedEntryIsNamed() throws {
        let catalog = try catalogWithEntries(5)
        try catalog.executeForTesting("UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
        let problems = try catalog.verifyAuditChain()
        #expect(problems == ["audit entry 3 (viewed clip-3) was altered"])
    }

    @Test func anEditedEntryWithARecomputedHashBreaksTheNextLink() throws {
        let catalog = try catalogWithEntries(5)
        try catalog.executeForTesting("UPDATE audit_log SET hash = 'f00d' WHERE id = 2")
        let problems = try catalog.verifyAuditChain()
        #expect(problems.contains("audit entry 2 (viewed clip-2) was altered"))
        #expect(problems.contains("audit entry 3 does not link to the entry before it"))
    }

    @Test func aDeletedEntryIsNamed() throws {
        let catalog = try catalogWithEntries(5)
        try catalog.executeForTesting("DELETE FROM audit_log WHERE id = 4")
        let problems = try catalog.verifyAuditChain()
        #expect(problems.contains("audit entry 4 is missing"))
        #expect(problems.contains("audit entry 5 does not link to the entry before it"))
    }

    @Test func theCatalogPassesSQLitesIntegrityCheck() throws {
        #expect(try catalogWithEntries(1).integrityCheck() == "ok")
    }
}

@Suite struct EvidenceTests {
    @Test func recordingTheSameContentTwiceIsOneRowAndTwoReceipts() throws {
        let catalog = try Catalog(inMemory: ())
        let probe = ProbeRecord(path: "a.mp4", size: 10, sha256: "ab", duration: 5, startTime: Date(timeIntervalSince1970: 100), integrity: .ok)
        let evidence = EvidenceRecord(sha256: "ab", size: 10, ext: "mp4", location: .vault, storedPath: "vault/ab", quarantineReason: nil, probe: probe, storedAt: Date())
        let receipt = ReceiptRecord(sha256: "ab", receivedAt: Date(), recordedAt: Date(), method: "ingest", originalName: "a.mp4", sourcePath: "/in/a.mp4", handedInBy: "cli")
        #expect(try catalog.record(evidence: evidence, receipt: receipt, actor: "cli") == .new)
        #expect(try catalog.record(evidence: evidence, receipt: receipt, actor: "cli") == .duplicate)
        #expect(try catalog.evidenceCount() == 1)
        #expect(try catalog.receipts(sha256: "ab").map(\.duplicate) == [false, true])
        let stored = try #require(try catalog.evidence(sha256: "ab"))
        #expect(stored.probe.duration == 5)
        #expect(stored.probe.startTime == Date(timeIntervalSince1970: 100))
        #expect(try catalog.auditEntries().map(\.action) == ["received", "received-duplicate"])
    }
}
