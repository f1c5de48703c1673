import CustodyCore
import CustodyStore
import Foundation
import Testing

extension StoreContract {
    /// The review queue's state machine (SPEC §8, DESIGN): open → claimed (a lease) → closed by the
    /// holder's verdict; release, lapse, reopen and reassign; one holder at a time.
    @Suite struct QueueContractTests {
        typealias QueueError = Catalog.QueueError
        let t = Given.t0
        let lease: TimeInterval = 600

        @Test(arguments: Backend.allCases)
        func aCallWithAFindingBecomesOneOpenItemAndRefreshingAgainAddsNothing(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                let item = try await #require(try c.reviewItem(id))
                #expect(item.reason == "no_recording" && item.priority == 0 && item.state == "open")
                #expect(item.incidentID == "I-1" && item.officerID == "A" && item.claimedBy == nil && item.leaseUntil == nil)
                await #expect(try c.refreshQueue(sampleShare: 0) == 0)
                let page = try await c.queue(state: "open", limit: 50, offset: 0)
                #expect(page.total == 1 && page.items.map(\.id) == [id])
            }
        }

        /// Calls never reached or never closed become a supervisor's item (issue 15), judged as
        /// of the refresh; handling findings are read as of any instant; a clearance withdraws the item.
        @Test(arguments: Backend.allCases)
        func openCallsPastTheirLimitsBecomeItemsUntilTheyAreClosed(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let reached = Given.row("I-1", "A", from: 0, to: nil)  // arrived at t0, never cleared
                let never = DispatchRow(incidentID: "I-2", officerID: "B", receivedAt: Given.at(-60), dispatchedAt: Given.at(0))
                try await Given.dispatch(c, [reached, never])
                let policy = HandlingPolicy()
                // Within the limits: nothing.
                await #expect(try c.refreshQueue(handling: policy, sampleShare: 0, now: Given.at(3600)) == 0)
                // A day and a second on: I-1 not closed, I-2 never reached (and not closed).
                let later = Given.at(86401)
                await #expect(try c.refreshQueue(handling: policy, sampleShare: 0, now: later) == 2)
                let items = try await c.queue(state: "open", limit: 50, offset: 0, now: later).items
                #expect(Set(items.map { "\($0.incidentID ?? "")/\($0.reason)/\($0.priority)" }) == ["I-1/not_closed/4", "I-2/no_arrival/4"])
                await #expect(try c.refreshQueue(handling: policy, sampleShare: 0, now: later) == 0)
                let found = try await c.handlingFindings(policy: policy, asOf: later, incidentID: nil, officerID: nil, since: nil, until: nil, kinds: nil)
                #expect(found.map { "\($0.incidentID)/\($0.kind.rawValue)/\($0.seconds)" } == ["I-1/not_closed/86401", "I-2/no_arrival/86401", "I-2/not_closed/86401"])
                // I-1 is closed by a later import: its item goes, audited; I-2's stays.
                var closed = reached
                closed.clearedAt = Given.at(900)
                try await Given.dispatch(c, [closed], source: "late.csv")
                await #expect(try c.refreshQueue(handling: policy, sampleShare: 0, now: later) == 0)  // nothing new; one withdrawn
                let left = try await c.queue(state: "open", limit: 50, offset: 0, now: later).items.filter { $0.reason == "not_closed" || $0.reason == "no_arrival" }
                #expect(left.map(\.incidentID) == ["I-2"])
                #expect(try await Given.actions(c).contains("queue-withdrawn"))
                let after = try await c.handlingFindings(policy: policy, asOf: later, incidentID: "I-1", officerID: nil, since: nil, until: nil, kinds: nil)
                #expect(after.isEmpty)
            }
        }

        @Test(arguments: Backend.allCases)
        func aClaimGivesTheClaimerALeaseAndIsAudited(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                let item = try await c.claim(id, by: "ann", lease: lease, now: t)
                #expect(item.state == "claimed" && item.claimedBy == "ann")
                #expect(item.leaseUntil == t.addingTimeInterval(lease))
                await #expect(try c.reviewItem(id, now: t)?.claimedBy == "ann")
                await #expect(try c.queue(state: "claimed", limit: 50, offset: 0, now: t).total == 1)
                await #expect(try c.queue(state: "open", limit: 50, offset: 0, now: t).total == 0)
                let entry = try await #require(try c.auditEntries().last)
                #expect(entry.action == "claimed" && entry.actor == "ann" && entry.subject == "queue:\(id)")
            }
        }

        @Test(arguments: Backend.allCases)
        func theHolderRenewsTheirOwnLeaseByClaimingAgain(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                _ = try await c.claim(id, by: "ann", lease: lease, now: t)
                let renewed = try await c.claim(id, by: "ann", lease: lease, now: t.addingTimeInterval(300))
                #expect(renewed.claimedBy == "ann" && renewed.leaseUntil == t.addingTimeInterval(300 + lease))
            }
        }

        @Test(arguments: Backend.allCases)
        func anotherReviewerCannotClaimAnItemThatIsHeld(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                _ = try await c.claim(id, by: "ann", lease: lease, now: t)
                await #expect(throws: QueueError.heldByOther("ann")) { try await c.claim(id, by: "bob", lease: lease, now: t.addingTimeInterval(10)) }
                let item = try await #require(try c.reviewItem(id, now: t.addingTimeInterval(10)))
                #expect(item.claimedBy == "ann" && item.leaseUntil == t.addingTimeInterval(lease))
            }
        }

        @Test(arguments: Backend.allCases)
        func aLapsedLeaseReadsAsOpenAndAnotherReviewerMayClaimIt(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                _ = try await c.claim(id, by: "ann", lease: 60, now: t)
                await #expect(try c.reviewItem(id, now: t.addingTimeInterval(59))?.state == "claimed")
                let lapsed = try await #require(try c.reviewItem(id, now: t.addingTimeInterval(61)))
                #expect(lapsed.state == "open" && lapsed.claimedBy == nil && lapsed.leaseUntil == nil)
                let taken = try await c.claim(id, by: "bob", lease: lease, now: t.addingTimeInterval(61))
                #expect(taken.claimedBy == "bob" && taken.leaseUntil == t.addingTimeInterval(61 + lease))
            }
        }

        @Test(arguments: Backend.allCases)
        func expiringLeasesReturnsOnlyLapsedClaimsToTheOpenListAndAuditsThem(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let short = try await Given.queuedItem(c, incident: "I-1", officer: "A")
                let long = try await Given.queuedItem(c, incident: "I-2", officer: "B")
                _ = try await c.claim(short, by: "ann", lease: 60, now: t)
                _ = try await c.claim(long, by: "bob", lease: 3600, now: t)
                let versionBefore = try await c.queueVersion(now: t)
                try await c.expireLeases(now: t.addingTimeInterval(120))
                await #expect(try c.queue(state: "open", limit: 50, offset: 0, now: t.addingTimeInterval(120)).items.map(\.id) == [short])
                await #expect(try c.queue(state: "claimed", limit: 50, offset: 0, now: t.addingTimeInterval(120)).items.map(\.id) == [long])
                await #expect(try c.queueVersion(now: t.addingTimeInterval(120)) != versionBefore)
                let expired = try await c.auditEntries().filter { $0.action == "lease-expired" }
                #expect(expired.map(\.subject) == ["queue:\(short)"] && expired.first?.detail.contains("\"ann\"") == true)
                try await c.expireLeases(now: t.addingTimeInterval(120))  // nothing more lapsed: nothing more audited
                await #expect(try c.auditEntries().filter { $0.action == "lease-expired" }.count == 1)
            }
        }

        @Test(arguments: Backend.allCases)
        func theHolderOrASupervisorMayReleaseAndNobodyElse(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                await #expect(throws: QueueError.notHeld) { try await c.release(id, by: "ann", asSupervisor: false, now: t) }
                _ = try await c.claim(id, by: "ann", lease: lease, now: t)
                await #expect(throws: QueueError.heldByOther("ann")) { try await c.release(id, by: "bob", asSupervisor: false, now: t) }
                let released = try await c.release(id, by: "ann", asSupervisor: false, now: t)
                #expect(released.state == "open" && released.claimedBy == nil && released.leaseUntil == nil)
                _ = try await c.claim(id, by: "ann", lease: lease, now: t)
                await #expect(try c.release(id, by: "sue", asSupervisor: true, now: t).state == "open")
                await #expect(try Given.actions(c).filter { $0 == "released" }.count == 2)
            }
        }

        @Test(arguments: Backend.allCases)
        func theHoldersVerdictClosesTheItem(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                _ = try await c.claim(id, by: "ann", lease: lease, now: t)
                let closed = try await c.recordVerdict(
                    id, by: "ann", verdict: "violation", checklist: ["late_activation", "no_recording"], note: "no camera", now: t.addingTimeInterval(30))
                #expect(closed.state == "closed" && closed.verdict == "violation")
                #expect(closed.checklist == ["late_activation", "no_recording"] && closed.note == "no camera")
                #expect(closed.reviewedBy == "ann" && closed.reviewedAt == t.addingTimeInterval(30))
                #expect(closed.claimedBy == nil && closed.leaseUntil == nil)
                await #expect(try c.queue(state: "closed", limit: 50, offset: 0, now: t).total == 1)
                let entry = try await #require(try c.auditEntries().last)
                #expect(entry.action == "verdict" && entry.actor == "ann" && entry.detail.contains("\"violation\""))
            }
        }

        @Test(arguments: Backend.allCases)
        func aVerdictByAnyoneButTheHolderIsRefused(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                await #expect(throws: QueueError.notHeld) { try await c.recordVerdict(id, by: "ann", verdict: "compliant", checklist: [], note: nil, now: t) }
                _ = try await c.claim(id, by: "ann", lease: lease, now: t)
                await #expect(throws: QueueError.heldByOther("ann")) { try await c.recordVerdict(id, by: "bob", verdict: "compliant", checklist: [], note: nil, now: t) }
                let item = try await #require(try c.reviewItem(id, now: t))
                #expect(item.state == "claimed" && item.claimedBy == "ann" && item.verdict == nil)
                await #expect(!(try Given.actions(c)).contains("verdict"))
            }
        }

        @Test(arguments: Backend.allCases)
        func aVerdictAfterTheLeaseLapsedIsRefused(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                _ = try await c.claim(id, by: "ann", lease: 60, now: t)
                await #expect(throws: QueueError.notHeld) {
                    try await c.recordVerdict(id, by: "ann", verdict: "compliant", checklist: [], note: nil, now: t.addingTimeInterval(61))
                }
                await #expect(try c.reviewItem(id, now: t.addingTimeInterval(61))?.verdict == nil)
            }
        }

        @Test(arguments: Backend.allCases)
        func anUnknownVerdictOrChecklistCodeIsRefusedAndChangesNothing(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                _ = try await c.claim(id, by: "ann", lease: lease, now: t)
                await #expect(throws: QueueError.self) { try await c.recordVerdict(id, by: "ann", verdict: "guilty", checklist: [], note: nil, now: t) }
                await #expect(throws: QueueError.invalid("unknown checklist code 'napping'.")) {
                    try await c.recordVerdict(id, by: "ann", verdict: "compliant", checklist: ["napping"], note: nil, now: t)
                }
                await #expect(try c.reviewItem(id, now: t)?.state == "claimed")
            }
        }

        @Test(arguments: Backend.allCases)
        func aClosedItemRefusesClaimAndReleaseUntilASupervisorReopensIt(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                await #expect(throws: QueueError.notClosed) { try await c.reopen(id, by: "sue", now: t) }
                _ = try await c.claim(id, by: "ann", lease: lease, now: t)
                _ = try await c.recordVerdict(id, by: "ann", verdict: "justified", checklist: ["other"], note: "ok", now: t)
                await #expect(throws: QueueError.closed) { try await c.claim(id, by: "bob", lease: lease, now: t) }
                await #expect(throws: QueueError.closed) { try await c.release(id, by: "sue", asSupervisor: true, now: t) }
                await #expect(throws: QueueError.closed) { try await c.recordVerdict(id, by: "ann", verdict: "compliant", checklist: [], note: nil, now: t) }

                let reopened = try await c.reopen(id, by: "sue", now: t)
                #expect(reopened.state == "open" && reopened.verdict == nil && reopened.checklist.isEmpty)
                #expect(reopened.note == nil && reopened.reviewedBy == nil && reopened.reviewedAt == nil)
                // The earlier verdict stays on the record; the item can be reviewed afresh.
                await #expect(try Given.actions(c).suffix(2) == ["verdict", "reopened"])
                await #expect(try c.claim(id, by: "bob", lease: lease, now: t).claimedBy == "bob")
                await #expect(try c.refreshQueue(sampleShare: 0) == 0)
            }
        }

        @Test(arguments: Backend.allCases)
        func aSupervisorReassignsAnItemToAReviewerWithAFreshLease(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.user(c, "bob", .reviewer)
                try await Given.user(c, "sue", .supervisor)
                try await Given.user(c, "olly", .officer, officer: "A")
                let id = try await Given.queuedItem(c)
                _ = try await c.claim(id, by: "ann", lease: lease, now: t)
                let moved = try await c.reassign(id, to: "bob", by: "sue", lease: 900, now: t.addingTimeInterval(100))
                #expect(moved.state == "claimed" && moved.claimedBy == "bob" && moved.leaseUntil == t.addingTimeInterval(1000))
                // The former holder no longer holds it.
                await #expect(throws: QueueError.heldByOther("bob")) {
                    try await c.recordVerdict(id, by: "ann", verdict: "compliant", checklist: [], note: nil, now: t.addingTimeInterval(200))
                }
                await #expect(try c.reassign(id, to: "sue", by: "sue", lease: 900, now: t).claimedBy == "sue")
                await #expect(throws: QueueError.invalid("'olly' is not a reviewer.")) { try await c.reassign(id, to: "olly", by: "sue", lease: 900, now: t) }
                await #expect(throws: QueueError.invalid("'nobody' is not a reviewer.")) { try await c.reassign(id, to: "nobody", by: "sue", lease: 900, now: t) }
                _ = try await c.recordVerdict(id, by: "sue", verdict: "compliant", checklist: [], note: nil, now: t)
                await #expect(throws: QueueError.closed) { try await c.reassign(id, to: "bob", by: "sue", lease: 900, now: t) }
                let entry = try await #require(try c.auditEntries().first { $0.action == "reassigned" })
                #expect(entry.actor == "sue" && entry.detail.contains("\"bob\""))
            }
        }

        @Test(arguments: Backend.allCases)
        func everyActionOnAnUnknownItemIsNotFound(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.user(c, "bob", .reviewer)
                await #expect(try c.reviewItem(999) == nil)
                await #expect(throws: QueueError.notFound(999)) { try await c.claim(999, by: "ann", lease: lease, now: t) }
                await #expect(throws: QueueError.notFound(999)) { try await c.release(999, by: "ann", asSupervisor: true, now: t) }
                await #expect(throws: QueueError.notFound(999)) { try await c.recordVerdict(999, by: "ann", verdict: "compliant", checklist: [], note: nil, now: t) }
                await #expect(throws: QueueError.notFound(999)) { try await c.reopen(999, by: "sue", now: t) }
                await #expect(throws: QueueError.notFound(999)) { try await c.reassign(999, to: "bob", by: "sue", lease: lease, now: t) }
            }
        }

        @Test(arguments: Backend.allCases)
        func manyClaimersRacingForOneItemExactlyOneWins(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                let claimers = (1...8).map { "reviewer-\($0)" }
                let now = t
                let results = await withTaskGroup(of: (String, Result<ReviewItem, any Error>).self) { group in
                    for name in claimers {
                        group.addTask {
                            do { return (name, .success(try await c.claim(id, by: name, lease: 600, now: now))) } catch { return (name, .failure(error)) }
                        }
                    }
                    var all: [(String, Result<ReviewItem, any Error>)] = []
                    for await result in group { all.append(result) }
                    return all
                }
                let winners = results.compactMap { name, result in (try? result.get()).map { _ in name } }
                try #require(winners.count == 1)
                let winner = winners[0]
                for (name, result) in results where name != winner {
                    #expect(throws: QueueError.heldByOther(winner)) { try result.get() }
                }
                await #expect(try c.reviewItem(id, now: now)?.claimedBy == winner)
                await #expect(try Given.actions(c).filter { $0 == "claimed" }.count == 1)
            }
        }

        @Test(arguments: Backend.allCases)
        func theQueueIsServedInPriorityOrderWithPerStateTotals(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                // A call with no footage (priority 0), an unattributed clip (6), an unlinked clip (7).
                try await Given.clip(c, 1, officer: nil, start: Given.at(-5000))
                try await Given.clip(c, 2, officer: "B", start: Given.at(-9000))
                try await Given.dispatch(c, [Given.row("I-1", "A", from: 0, to: 600)])
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                await #expect(try c.refreshQueue(sampleShare: 0) == 3)
                let page = try await c.queue(state: nil, limit: 50, offset: 0, now: t)
                #expect(page.items.map(\.reason) == ["no_recording", "unattributed", "unlinked"])
                #expect(page.total == 3)
                await #expect(try c.queue(state: nil, limit: 1, offset: 1, now: t).items.map(\.reason) == ["unattributed"])
                _ = try await c.claim(page.items[2].id, by: "ann", lease: lease, now: t)
                await #expect(try c.queue(state: "open", limit: 50, offset: 0, now: t).total == 2)
                await #expect(try c.queue(state: "claimed", limit: 50, offset: 0, now: t).items.map(\.clipSHA256) == [Given.sha(2)])
                let figures = try await c.serverFigures(now: t).queue
                #expect(figures["open"] == 2 && figures["claimed"] == 1)
            }
        }
    }
}
