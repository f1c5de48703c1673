import CustodyCore
import CustodyStore
import Foundation
import Testing

extension StoreContract {
    /// Issue 13's catalog calls, on every backend: account administration, station tokens, the
    /// audit trail's filters, queue and incident search, leases, requests for review, history.
    @Suite struct WorkplaceContractTests {
        let t = Given.at(0)

        @Test(arguments: Backend.allCases)
        func aDisabledAccountCannotSignInOrUseItsTokensUntilEnabled(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.user(c, "root", .admin)
                let ann = try await Given.user(c, "ann", .reviewer)
                let token = try await c.issueToken(for: ann, kind: "session", lifetime: 3600)
                let off = try await c.setDisabled(name: "ann", true, by: "root")
                #expect(off.isDisabled)
                #expect(try await c.user(forToken: token) == nil)
                #expect(try await c.credentials(name: "ann") == nil)
                #expect(try await c.accounts().first { $0.user.name == "ann" }?.isDisabled == true)
                let on = try await c.setDisabled(name: "ann", false, by: "root")
                #expect(!on.isDisabled)
                #expect(try await c.credentials(name: "ann")?.0 == ann)
                // Its old sessions ended with the disabling.
                #expect(try await c.user(forToken: token) == nil)
                let actions = try await c.auditEntries(AuditFilter(subject: "ann"), limit: 10, offset: 0).entries.map(\.action)
                #expect(actions.contains("user-disabled") && actions.contains("user-enabled"))
            }
        }

        @Test(arguments: Backend.allCases)
        func theLastAdminAndOneselfCannotBeDisabled(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.user(c, "root", .admin)
                let error = await #expect(throws: Catalog.AccountError.self) { try await c.setDisabled(name: "root", true, by: "root") }
                #expect(error?.code == "self" || error?.code == "last_admin")
                await #expect(throws: Catalog.AccountError.self) { try await c.changeRole(name: "root", role: .reviewer, officerID: nil, by: "someone") }
                await #expect(throws: Catalog.AccountError.self) { try await c.setDisabled(name: "nobody", true, by: "root") }
                #expect(try await c.account(name: "root")?.isDisabled == false)
            }
        }

        @Test(arguments: Backend.allCases)
        func aPasswordResetEndsSessionsAndARoleChangeIsAuditedWithFromAndTo(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.user(c, "root", .admin)
                let ann = try await Given.user(c, "ann", .reviewer)
                let token = try await c.issueToken(for: ann, kind: "session", lifetime: 3600)
                _ = try await c.setPassword(name: "ann", passwordHash: "$2b$new", by: "root")
                #expect(try await c.credentials(name: "ann")?.1 == "$2b$new")
                #expect(try await c.user(forToken: token) == nil)
                let changed = try await c.changeRole(name: "ann", role: .officer, officerID: "099", by: "root")
                #expect(changed.user.role == .officer && changed.user.officerID == "099")
                await #expect(throws: Catalog.AccountError.self) { try await c.changeRole(name: "ann", role: .officer, officerID: nil, by: "root") }
                let entry = try #require(try await c.auditEntries(AuditFilter(action: "user-changed"), limit: 5, offset: 0).entries.first)
                #expect(entry.actor == "root" && entry.detail.contains("reviewer") && entry.detail.contains("officer") && entry.detail.contains("099"))
                #expect(try await c.auditEntries(AuditFilter(action: "password-reset"), limit: 5, offset: 0).entries.first?.detail.contains("$2b$") == false)
            }
        }

        @Test(arguments: Backend.allCases)
        func stationTokensAreListedAndARevokedOneNoLongerOpens(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let dock = try await c.stationUser(name: "dock-1", unusablePasswordHash: "x")
                let token = try await c.issueStationToken(for: dock, lifetime: 86400, actor: "root")
                let listed = try await c.stationTokens()
                #expect(listed.count == 1 && listed[0].station == "dock-1" && listed[0].id.count == 16)
                #expect(!token.hasPrefix(listed[0].id), "the id is not a prefix of the token itself")
                #expect(try await c.user(forToken: token)?.name == "dock-1")
                let revoked = try await c.revokeStationToken(id: listed[0].id, by: "root")
                #expect(revoked.station == "dock-1")
                #expect(try await c.user(forToken: token) == nil)
                #expect(try await c.stationTokens().isEmpty)
                await #expect(throws: Catalog.AccountError.self) { try await c.revokeStationToken(id: listed[0].id, by: "root") }
                #expect(try await Given.actions(c).contains("token-revoked"))
            }
        }

        @Test(arguments: Backend.allCases)
        func theAuditTrailFiltersByEachFieldAndPages(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                for n in 0..<7 {
                    try await c.audit(actor: n % 2 == 0 ? "ann" : "bob", action: n < 5 ? "viewed" : "played", subject: "incident:I-\(n % 3)")
                }
                let all = try await c.auditEntries(AuditFilter(), limit: 100, offset: 0)
                #expect(all.total == 7 && all.entries.count == 7)
                #expect(all.entries.map(\.id) == all.entries.map(\.id).sorted(by: >), "newest first")
                #expect(try await c.auditEntries(AuditFilter(actor: "ann"), limit: 100, offset: 0).total == 4)
                #expect(try await c.auditEntries(AuditFilter(action: "played"), limit: 100, offset: 0).total == 2)
                #expect(try await c.auditEntries(AuditFilter(subject: "incident:I-0"), limit: 100, offset: 0).total == 3)
                #expect(try await c.auditEntries(AuditFilter(subject: "incident:I"), limit: 100, offset: 0).total == 0, "exact, not a prefix")
                let page2 = try await c.auditEntries(AuditFilter(), limit: 3, offset: 3)
                #expect(page2.total == 7 && page2.entries.map(\.id) == Array(all.entries.map(\.id)[3..<6]))
                let future = Date().addingTimeInterval(3600)
                #expect(try await c.auditEntries(AuditFilter(from: future), limit: 100, offset: 0).total == 0)
                #expect(try await c.auditEntries(AuditFilter(to: future), limit: 100, offset: 0).total == 7)
                #expect(try await c.auditActions() == ["played", "viewed"])
            }
        }

        @Test(arguments: Backend.allCases)
        func aClipsChainOfCustodyRunsFromReceiptOldestFirst(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let sha = try await Given.clip(c, 1, officer: "A", start: t)
                let other = try await Given.clip(c, 2, officer: "A", start: t.addingTimeInterval(600))
                try await c.audit(actor: "ann", action: "viewed", subject: sha)
                try await c.audit(actor: "ann", action: "viewed", subject: other)
                _ = try await c.placeHold(kind: .legalHold, clip: sha, incident: nil, reason: "complaint", by: "sam")
                let chain = try await c.chainOfCustody(sha256: sha)
                #expect(chain.first?.action == "received")
                #expect(chain.map(\.id) == chain.map(\.id).sorted())
                #expect(chain.contains { $0.action == "viewed" } && chain.contains { $0.action == "hold-placed" })
                #expect(!chain.contains { $0.subject == other })
            }
        }

        @Test(arguments: Backend.allCases)
        func theQueueIsSearchedByEachFilterAndCountedPerState(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                var rows: [DispatchRow] = []
                for (n, officer) in ["A", "B", "C"].enumerated() {
                    var row = Given.row("I-\(n + 1)", officer, from: Double(n) * 3600, to: Double(n) * 3600 + 600, category: n == 2 ? "theft" : "traffic")
                    row.station = n == 0 ? "North" : "South"
                    row.receivedAt = Given.at(Double(n) * 3600 - 300)
                    rows.append(row)
                }
                try await Given.dispatch(c, rows)
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                try await c.refreshQueue(sampleShare: 0)
                let ids = try await c.queue(QueueFilter(), limit: 50, offset: 0).items
                #expect(ids.count == 3)
                #expect(try await c.queue(QueueFilter(incident: "I-2"), limit: 50, offset: 0).items.map(\.incidentID) == ["I-2"])
                #expect(try await c.queue(QueueFilter(incident: "I-"), limit: 50, offset: 0).total == 3, "a prefix")
                #expect(try await c.queue(QueueFilter(officer: "C"), limit: 50, offset: 0).items.map(\.incidentID) == ["I-3"])
                #expect(try await c.queue(QueueFilter(station: "South"), limit: 50, offset: 0).total == 2)
                #expect(try await c.queue(QueueFilter(category: "theft"), limit: 50, offset: 0).items.map(\.incidentID) == ["I-3"])
                #expect(try await c.queue(QueueFilter(reason: "no_recording"), limit: 50, offset: 0).total == 3)
                #expect(try await c.queue(QueueFilter(from: Given.at(3000)), limit: 50, offset: 0).total == 2)
                #expect(try await c.queue(QueueFilter(to: Given.at(3000)), limit: 50, offset: 0).total == 1)
                let one = try #require(ids.first { $0.incidentID == "I-1" })
                _ = try await c.claim(one.id, by: "ann", lease: 600)
                _ = try await c.recordVerdict(one.id, by: "ann", verdict: "compliant", checklist: [], note: nil)
                #expect(try await c.queue(QueueFilter(reviewer: "ann"), limit: 50, offset: 0).items.map(\.id) == [one.id])
                let counts = try await c.queueCounts(QueueFilter(station: "North"))
                #expect(counts["closed"] == 1 && (counts["open"] ?? 0) == 0)
                #expect(try await c.queueCounts(QueueFilter())["open"] == 2)
                let newest = try await c.queue(QueueFilter(sort: .newest), limit: 50, offset: 0).items.compactMap(\.incidentID)
                let oldest = try await c.queue(QueueFilter(sort: .oldest), limit: 50, offset: 0).items.compactMap(\.incidentID)
                #expect(newest == ["I-3", "I-2", "I-1"] && oldest == ["I-1", "I-2", "I-3"])
                let facets = try await c.queueFacets()
                #expect(facets.stations == ["North", "South"] && facets.categories == ["theft", "traffic"] && facets.reviewers.contains("ann"))
                // The incidents list: newest first, filtered, with its counts.
                let list = try await c.incidents(IncidentFilter(), limit: 50, offset: 0)
                #expect(list.total == 3 && list.rows.first?.id == "I-3")
                #expect(try await c.incidents(IncidentFilter(station: "South", category: "traffic"), limit: 50, offset: 0).rows.map(\.id) == ["I-2"])
                #expect(try await c.incidents(IncidentFilter(findingKind: "no_recording"), limit: 50, offset: 0).total == 3)
                #expect(try await c.incidents(IncidentFilter(findingKind: "late_start"), limit: 50, offset: 0).total == 0)
                let first = try #require(list.rows.first { $0.id == "I-1" })
                #expect(first.officers == ["A"] && first.findings == 1 && first.openItems == 0)
            }
        }

        @Test(arguments: Backend.allCases)
        func onlyTheHolderRenewsALease(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                _ = try await c.claim(id, by: "ann", lease: 600, now: t)
                let renewed = try await c.renew(id, by: "ann", lease: 600, now: t.addingTimeInterval(300))
                #expect(renewed.leaseUntil == t.addingTimeInterval(900))
                await #expect(throws: Catalog.QueueError.self) { try await c.renew(id, by: "bob", lease: 600, now: t.addingTimeInterval(300)) }
                // A lapsed lease cannot be renewed: the item is open again.
                await #expect(throws: Catalog.QueueError.self) { try await c.renew(id, by: "ann", lease: 600, now: t.addingTimeInterval(2000)) }
                #expect(try await Given.actions(c).contains("renewed"))
            }
        }

        @Test(arguments: Backend.allCases)
        func aRequestedReviewSurvivesARefreshAndIsNotDuplicated(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.dispatch(c, [Given.row("I-9", "A", from: 0, to: 600)])
                let item = try await c.requestReview(incident: "I-9", officer: nil, reason: "complaint by the caller", by: "sam")
                #expect(item.reason == "requested" && item.state == "open" && item.incidentID == "I-9")
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                try await c.refreshQueue(sampleShare: 0)
                #expect(try await c.reviewItem(item.id)?.reason == "requested")
                #expect(try await c.requestReview(incident: "I-9", officer: nil, reason: "again", by: "sam").id == item.id)
                await #expect(throws: Catalog.QueueError.self) { try await c.requestReview(incident: "NONE", officer: nil, reason: "x", by: "sam") }
                let entry = try #require(try await c.auditEntries(AuditFilter(action: "review-requested"), limit: 5, offset: 0).entries.last)
                #expect(entry.detail.contains("complaint by the caller"))
            }
        }

        @Test(arguments: Backend.allCases)
        func reopeningKeepsTheEarlierVerdictAndItsReasonInTheHistory(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                _ = try await c.claim(id, by: "ann", lease: 600)
                _ = try await c.recordVerdict(id, by: "ann", verdict: "violation", checklist: ["not_identified"], note: "no badge")
                _ = try await c.reopen(id, by: "sam", reason: "complaint")
                let history = try await c.itemHistory(id)
                #expect(history.map(\.action) == ["claimed", "verdict", "reopened"])
                #expect(history[1].detail.contains("violation") && history[1].detail.contains("no badge"))
                #expect(history[2].detail.contains("complaint") && history[2].detail.contains("violation"))
                #expect(try await c.reviewItem(id)?.state == "open")
            }
        }
    }
}
