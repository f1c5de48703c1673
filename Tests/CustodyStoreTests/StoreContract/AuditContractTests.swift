import CustodyCore
import CustodyStore
import Foundation
import Testing

extension StoreContract {
    /// The hash-chained audit log: every change appends one entry linked to the one before; the
    /// walk names any entry edited, deleted or re-linked; anchors catch a lost tail or a rewrite.
    /// Tampering goes through `executeForTesting` with plain SQL that any SQL backend accepts.
    @Suite struct AuditContractTests {
        static func entries(_ c: Catalog, _ count: Int) async throws {
            for i in 1...count {
                try await c.audit(actor: "tester", action: "viewed", subject: "clip-\(i)", detail: .object([("n", .int(Int64(i)))]))
            }
        }

        @Test(arguments: Backend.allCases)
        func appendedEntriesFormAChainFromGenesis(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                #expect(try await c.auditEntries().isEmpty)
                #expect(try await c.verifyAuditChain().isEmpty)
                let empty = try await c.chainHead()
                #expect(empty.entries == 0 && empty.head == String(repeating: "0", count: 64))
                try await Self.entries(c, 5)
                let log = try await c.auditEntries()
                #expect(log.map(\.id) == [1, 2, 3, 4, 5])
                #expect(log.map(\.subject) == (1...5).map { "clip-\($0)" })
                #expect(log[0].prevHash == empty.head)
                #expect(zip(log, log.dropFirst()).allSatisfy { $1.prevHash == $0.hash })
                #expect(Set(log.map(\.hash)).count == 5 && log.allSatisfy { $0.hash.count == 64 })
                #expect(log[2].actor == "tester" && log[2].action == "viewed" && log[2].detail == "{\"n\":3}")
                let head = try await c.chainHead()
                #expect(head.entries == 5 && head.head == log[4].hash)
                await #expect(try c.verifyAuditChain().isEmpty)
            }
        }

        @Test(arguments: Backend.allCases)
        func entriesSinceAnInstantLeaveOutOlderOnes(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Self.entries(c, 2)
                try await Task.sleep(for: .milliseconds(10))
                let cut = Date()
                try await Task.sleep(for: .milliseconds(10))
                try await c.audit(actor: "tester", action: "exported", subject: "case-1")
                await #expect(try c.auditEntries(since: cut).map(\.action) == ["exported"])
                await #expect(try c.auditEntries(since: nil).count == 3)
            }
        }

        @Test(arguments: Backend.allCases)
        func anEditedEntryIsNamed(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Self.entries(c, 5)
                try await c.executeForTesting("UPDATE audit_log SET detail = '{\"n\":30}' WHERE id = 3")
                await #expect(try c.verifyAuditChain() == ["audit entry 3 (viewed clip-3) was altered"])
            }
        }

        @Test(arguments: Backend.allCases)
        func anEntryWhoseHashWasRewrittenBreaksTheNextLink(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Self.entries(c, 5)
                try await c.executeForTesting("UPDATE audit_log SET hash = 'f00d' WHERE id = 2")
                let problems = try await c.verifyAuditChain()
                #expect(problems.contains("audit entry 2 (viewed clip-2) was altered"))
                #expect(problems.contains("audit entry 3 does not link to the entry before it"))
                #expect(problems.count == 2)
            }
        }

        @Test(arguments: Backend.allCases)
        func aDeletedEntryIsNamed(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Self.entries(c, 6)
                try await c.executeForTesting("DELETE FROM audit_log WHERE id IN (3, 4)")
                await #expect(try c.verifyAuditChain() == ["audit entry 3–4 is missing", "audit entry 5 does not link to the entry before it"])
            }
        }

        @Test(arguments: Backend.allCases)
        func anchorsCatchALostTailAndARewrittenLog(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Self.entries(c, 6)
                let head = try await c.chainHead()
                let anchor = ChainAnchor(day: "2024-02-14", entries: head.entries, head: head.head, writtenAt: Given.t0)
                await #expect(try c.checkAnchors([anchor]).isEmpty)
                try await c.audit(actor: "t", action: "viewed", subject: "clip-7")
                await #expect(try c.checkAnchors([anchor]).isEmpty)  // a log that grew still holds the anchor

                try await c.executeForTesting("DELETE FROM audit_log WHERE id >= 6")
                await #expect(try c.verifyAuditChain().isEmpty)  // the chain alone cannot see a lost tail
                await #expect(try c.checkAnchors([anchor]) == ["audit entries 6 is missing: the log ends at 5, before the anchor written by the audit of 2024-02-14"])
                try await Self.entries(c, 2)
                await #expect(try c.chainHead().entries == 7)
                await #expect(try c.checkAnchors([anchor]) == ["audit entry 6 does not match the anchor written by the audit of 2024-02-14: the log was rewritten"])
            }
        }

        @Test(arguments: Backend.allCases)
        func everyCatalogChangeLeavesAVerifiableChain(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.user(c, "ann", .reviewer)
                try await LinkingContractTests.handMade(c)
                _ = try await c.upsertCheckouts([DeviceCheckout(deviceID: "CAM-1", officerID: "A", checkedOutAt: Given.t0, returnedAt: nil)], actor: "t", source: "log.csv")
                try await c.relinkAndRefreshQueue(officers: ["A", "B"], policy: Policy(), actor: "t")
                let id = try await #require(try c.reviewItemID(incident: "I-1", officer: "A"))
                _ = try await c.claim(id, by: "ann", lease: 600)
                _ = try await c.recordVerdict(id, by: "ann", verdict: "compliant", checklist: [], note: nil)
                _ = try await c.placeHold(kind: .legalHold, clip: Given.sha(1), incident: nil, reason: "complaint", by: "sue")
                _ = try await c.recordPurge(sha256: Given.sha(4), policy: RetentionPolicy(), reference: Given.at(400 * Given.day), by: "audit", context: "t")
                let log = try await c.auditEntries()
                #expect(log.count > 15)
                #expect(log.map(\.id) == Array(1...Int64(log.count)))
                await #expect(try c.verifyAuditChain().isEmpty)
                for action in ["user-added", "received", "dispatch-imported", "checkouts-imported", "relinked", "claimed", "verdict", "hold-placed", "purged"] {
                    #expect(log.contains { $0.action == action }, "no \(action) entry")
                }
            }
        }
    }
}
