import CustodyCore
import CustodyStore
import Foundation
import Testing

@Suite struct AuditChainTests {
    func catalogWithEntries(_ count: Int) async throws -> Catalog {
        let catalog = try Catalog(inMemory: ())
        for i in 1...count {
            try await catalog.audit(actor: "tester", action: "viewed", subject: "clip-\(i)", detail: .object([("n", .int(Int64(i)))]))
        }
        return catalog
    }

    @Test func anUntouchedChainVerifies() async throws {
        let catalog = try await catalogWithEntries(5)
        await #expect(try catalog.verifyAuditChain().isEmpty)
        let entries = try await catalog.auditEntries()
        #expect(entries.count == 5)
        #expect(entries[0].prevHash == String(repeating: "0", count: 64))
        for (a, b) in zip(entries, entries.dropFirst()) {
            #expect(b.prevHash == a.hash)
        }
    }

    @Test func anEditedEntryIsNamed() async throws {
        let catalog = try await catalogWithEntries(5)
        try await catalog.executeForTesting("UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
        let problems = try await catalog.verifyAuditChain()
        #expect(problems == ["audit entry 3 (viewed clip-3) was altered"])
    }

    @Test func anEditedEntryWithARecomputedHashBreaksTheNextLink() async throws {
        let catalog = try await catalogWithEntries(5)
        try await catalog.executeForTesting("UPDATE audit_log SET hash = 'f00d' WHERE id = 2")
        let problems = try await catalog.verifyAuditChain()
        #expect(problems.contains("audit entry 2 (viewed clip-2) was altered"))
        #expect(problems.contains("audit entry 3 does not link to the entry before it"))
    }

    @Test func aDeletedEntryIsNamed() async throws {
        let catalog = try await catalogWithEntries(5)
        try await catalog.executeForTesting("DELETE FROM audit_log WHERE id = 4")
        let problems = try await catalog.verifyAuditChain()
        #expect(problems.contains("audit entry 4 is missing"))
        #expect(problems.contains("audit entry 5 does not link to the entry before it"))
    }

    @Test func theCatalogPassesSQLitesIntegrityCheck() async throws {
        await #expect(try catalogWithEntries(1).integrityCheck() == "ok")
    }
}

@Suite struct EvidenceTests {
    @Test func recordingTheSameContentTwiceIsOneRowAndTwoReceipts() async throws {
        let catalog = try Catalog(inMemory: ())
        let probe = ProbeRecord(path: "a.mp4", size: 10, sha256: "ab", duration: 5, startTime: Date(timeIntervalSince1970: 100), integrity: .ok)
        let evidence = EvidenceRecord(sha256: "ab", size: 10, ext: "mp4", location: .vault, storedPath: "vault/ab", quarantineReason: nil, probe: probe, storedAt: Date())
        let receipt = ReceiptRecord(sha256: "ab", receivedAt: Date(), recordedAt: Date(), method: "ingest", originalName: "a.mp4", sourcePath: "/in/a.mp4", handedInBy: "cli")
        #expect(try await catalog.record(evidence: evidence, receipt: receipt, actor: "cli") == .new)
        #expect(try await catalog.record(evidence: evidence, receipt: receipt, actor: "cli") == .duplicate)
        #expect(try await catalog.evidenceCount() == 1)
        #expect(try await catalog.receipts(sha256: "ab").map(\.duplicate) == [false, true])
        let stored = try #require(try await catalog.evidence(sha256: "ab"))
        #expect(stored.probe.duration == 5)
        #expect(stored.probe.startTime == Date(timeIntervalSince1970: 100))
        #expect(try await catalog.auditEntries().map(\.action) == ["received", "received-duplicate"])
    }
}
