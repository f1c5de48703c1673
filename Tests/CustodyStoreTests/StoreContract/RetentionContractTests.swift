import CustodyCore
import CustodyStore
import Foundation
import Testing

extension StoreContract {
    /// Retention and holds: what is due, what a hold or a longer class keeps, and the tombstone a
    /// purge leaves. Clips are recorded at `Given.t0`; the default period is 180 days.
    @Suite struct RetentionContractTests {
        let policy = RetentionPolicy()
        let day = Given.day

        func at(days: Double) -> Date { Given.t0.addingTimeInterval(days * day) }

        @Test(arguments: Backend.allCases)
        func clipsPastTheDefaultPeriodAreDueInRecordingOrder(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let older = try await Given.clip(c, 1, officer: "A", start: at(days: -10))
                let old = try await Given.clip(c, 2, officer: nil, start: at(days: 0))
                try await Given.clip(c, 3, officer: "A", start: at(days: 100))
                try await Given.clip(c, 4, officer: nil, start: at(days: -50), location: .quarantine)  // quarantine is not retained
                let review = try await c.retentionReview(policy: policy, reference: at(days: 181))
                try #require(review.due.map(\.sha256) == [older, old])
                #expect(review.kept.isEmpty)
                let item = review.due[1]
                #expect(item.expires == at(days: 180) && item.recordedAt == Given.t0 && item.retentionClass == .standard(days: 180))
                #expect(item.storedPath == "vault/2.mp4" && item.size == 1002 && item.officerID == nil)
                await #expect(try c.retentionReview(policy: policy, reference: at(days: 179.9)).due.map(\.sha256) == [older])
            }
        }

        @Test(arguments: Backend.allCases)
        func aHoldOnAClipKeepsItUntilTheHoldIsReleased(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let sha = try await Given.clip(c, 1, officer: "A", start: Given.t0)
                let hold = try await c.placeHold(kind: .legalHold, clip: sha, incident: nil, reason: "  complaint 17  ", by: "sue", now: Given.t0)
                #expect(hold.reason == "complaint 17" && hold.isActive && hold.placedBy == "sue" && hold.placedAt == Given.t0)
                var review = try await c.retentionReview(policy: policy, reference: at(days: 400))
                #expect(review.due.isEmpty)
                #expect(review.kept.map(\.retentionClass) == [.legalHold] && review.kept[0].expires == nil)
                await #expect(try c.recordPurge(sha256: sha, policy: policy, reference: at(days: 400), by: "audit", context: "t") == nil)

                let released = try await c.releaseHold(hold.id, reason: "settled", by: "sue", now: at(days: 1))
                #expect(!released.isActive && released.releasedBy == "sue" && released.releaseReason == "settled" && released.releasedAt == at(days: 1))
                review = try await c.retentionReview(policy: policy, reference: at(days: 400))
                #expect(review.due.map(\.sha256) == [sha])
                #expect(try await c.holds(activeOnly: true).isEmpty)
                #expect(try await c.holds().map(\.id) == [hold.id])
                await #expect(try Given.actions(c).suffix(2) == ["hold-placed", "hold-released"])
            }
        }

        @Test(arguments: Backend.allCases)
        func caseEvidenceOnAnIncidentKeepsEveryClipLinkedToIt(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.dispatch(c, [Given.row("I-1", "A", from: 0, to: 600), Given.row("I-1", "B", from: 0, to: 600)])
                let a = try await Given.clip(c, 1, officer: "A", start: Given.t0, duration: 600)
                let b = try await Given.clip(c, 2, officer: "B", start: Given.t0, duration: 600)
                let unrelated = try await Given.clip(c, 3, officer: "A", start: at(days: -1))
                try await c.relink(officers: nil, policy: Policy(), actor: "t")
                let mark = try await c.placeHold(kind: .caseEvidence, clip: nil, incident: "I-1", reason: "case 88", by: "sue")
                #expect(mark.incidentID == "I-1" && mark.clipSHA256 == nil && mark.kind == .caseEvidence)
                let review = try await c.retentionReview(policy: policy, reference: at(days: 400))
                #expect(review.due.map(\.sha256) == [unrelated])
                #expect(Set(review.kept.map(\.sha256)) == [a, b] && review.kept.allSatisfy { $0.retentionClass == .caseEvidence })
            }
        }

        @Test(arguments: Backend.allCases)
        func aCategoryOfALinkedCallGivesALongerOrPermanentClass(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.dispatch(c, [
                    Given.row("I-1", "A", from: 0, to: 600, category: "交通事故"),
                    Given.row("I-2", "A", from: 3600, to: 4200, category: "刑事"),
                ])
                let traffic = try await Given.clip(c, 1, officer: "A", start: Given.t0, duration: 600)
                let crime = try await Given.clip(c, 2, officer: "A", start: Given.at(3600), duration: 600)
                try await c.relink(officers: nil, policy: Policy(), actor: "t")
                var longer = policy
                longer.categoryDays = ["交通事故": 365]
                longer.permanentCategories = ["刑事"]
                var review = try await c.retentionReview(policy: longer, reference: at(days: 200))
                #expect(review.due.isEmpty)
                #expect(review.kept.map(\.retentionClass) == [.category("交通事故", days: 365), .permanentCategory("刑事")])
                #expect(review.kept.map(\.sha256) == [traffic, crime])
                review = try await c.retentionReview(policy: longer, reference: at(days: 366))
                #expect(review.due.map(\.sha256) == [traffic] && review.kept.map(\.sha256) == [crime])
            }
        }

        @Test(arguments: Backend.allCases)
        func aPurgeLeavesATombstoneAndIsNeverRepeated(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let sha = try await Given.clip(c, 1, officer: "A", start: Given.t0)
                let kept = try await Given.clip(c, 2, officer: "A", start: Given.t0)
                // A hold placed after the listing wins: the purge decides again.
                await #expect(try c.retentionReview(policy: policy, reference: at(days: 181)).due.count == 2)
                _ = try await c.placeHold(kind: .legalHold, clip: kept, incident: nil, reason: "late order", by: "sue")
                await #expect(try c.recordPurge(sha256: kept, policy: policy, reference: at(days: 181), by: "audit", context: "nightly") == nil)
                await #expect(try c.recordPurge(sha256: sha, policy: policy, reference: at(days: 179), by: "audit", context: "nightly") == nil)

                let purgedAt = at(days: 181)
                let tombstone = try await #require(try c.recordPurge(sha256: sha, policy: policy, reference: at(days: 181), by: "audit", context: "nightly", now: purgedAt))
                #expect(tombstone.sha256 == sha && tombstone.size == 1001 && tombstone.storedPath == "vault/1.mp4" && tombstone.officerID == "A")
                #expect(tombstone.retentionClass == "default 180 days" && tombstone.purgedBy == "audit" && tombstone.purgedAt == purgedAt)
                #expect(tombstone.expiredAt == at(days: 180) && tombstone.recordedAt == Given.t0 && tombstone.fileRemovedAt == nil)
                #expect(tombstone.reason.hasSuffix("; nightly"))
                await #expect(try c.evidence(sha256: sha)?.purgedAt == purgedAt)
                #expect(try await c.tombstone(sha256: sha) == tombstone)
                #expect(try await c.tombstones() == [tombstone])
                await #expect(try c.unfinishedPurges().map(\.sha256) == [sha])
                try await c.fileRemoved(sha256: sha, now: purgedAt.addingTimeInterval(1))
                await #expect(try c.unfinishedPurges().isEmpty)
                await #expect(try c.tombstone(sha256: sha)?.fileRemovedAt == purgedAt.addingTimeInterval(1))

                // Never listed, purged or held again; the row stays (for links and receipts).
                await #expect(try c.retentionReview(policy: policy, reference: at(days: 400)).due.isEmpty)
                await #expect(try c.recordPurge(sha256: sha, policy: policy, reference: at(days: 400), by: "audit", context: "again") == nil)
                await #expect(throws: Catalog.HoldError.self) { try await c.placeHold(kind: .legalHold, clip: sha, incident: nil, reason: "too late", by: "sue") }
                #expect(try await c.evidenceCount() == 2)
                #expect(try await c.tombstones().count == 1)
                await #expect(try Given.actions(c).filter { $0 == "purged" }.count == 1)
            }
        }

        @Test(arguments: Backend.allCases)
        func aHoldMustNameOneExistingClipOrIncidentAndAReason(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let sha = try await Given.clip(c, 1, officer: "A", start: Given.t0)
                try await Given.dispatch(c, [Given.row("I-1", "A", from: 0, to: 600)])
                func refused(_ clip: String?, _ incident: String?, _ reason: String = "r") async -> Catalog.HoldError? {
                    await #expect(throws: Catalog.HoldError.self) {
                        try await c.placeHold(kind: .legalHold, clip: clip, incident: incident, reason: reason, by: "sue")
                    }
                }
                await #expect(refused(sha, "I-1")?.notFound == false)
                await #expect(refused(nil, nil)?.notFound == false)
                await #expect(refused(sha, nil, " \n")?.notFound == false)
                await #expect(refused(Given.sha(9), nil)?.notFound == true)
                await #expect(refused(nil, "I-9")?.notFound == true)
                #expect(try await c.holds().isEmpty)
                #expect(try await !(try await Given.actions(c)).contains("hold-placed"))
                let hold = try await c.placeHold(kind: .legalHold, clip: nil, incident: "I-1", reason: "r", by: "sue")
                await #expect(throws: Catalog.HoldError.self) { try await c.releaseHold(hold.id, reason: "", by: "sue") }
                _ = try await c.releaseHold(hold.id, reason: "done", by: "sue")
                await #expect(throws: Catalog.HoldError.self) { try await c.releaseHold(hold.id, reason: "again", by: "sue") }
                await #expect(throws: Catalog.HoldError.self) { try await c.releaseHold(999, reason: "x", by: "sue") }
            }
        }
    }
}
