import CustodyCore
import CustodyStore
import Foundation
import Testing

extension StoreContract {
    /// What the review server's workplace pages stand on: managing accounts and station tokens,
    /// reading the audit trail back, searching the queue and the incidents, and the queue
    /// actions a reviewer and a supervisor take beyond claim and verdict.
    @Suite struct AdministrationContractTests {
        typealias QueueError = Catalog.QueueError
        typealias AccountError = Catalog.AccountError
        let t = Given.t0
        let lease: TimeInterval = 600

        /// The code of the `AccountError` `body` throws (nil when it throws none).
        func code(_ body: () async throws -> Void) async -> String? {
            do {
                try await body()
                return nil
            } catch let error as AccountError {
                return error.code
            } catch {
                return "\(error)"
            }
        }

        // MARK: - Accounts

        @Test(arguments: Backend.allCases)
        func aDisabledAccountCannotSignInOrUseATokenUntilItIsEnabled(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.user(c, "ada", .admin)
                let ann = try await Given.user(c, "ann", .reviewer)
                let token = try await c.issueToken(for: ann, kind: "session", lifetime: 3600)
                _ = try await c.stationUser(name: "dock-1", unusablePasswordHash: "!")
                let accounts = try await c.accounts()
                #expect(accounts.map(\.user.name) == ["ada", "ann", "dock-1"] && accounts.allSatisfy { !$0.isDisabled })

                let disabled = try await c.setDisabled(name: "ann", true, by: "ada", now: t)
                #expect(disabled.isDisabled && disabled.disabledAt == t && disabled.user == ann)
                await #expect(try c.account(name: "ann") == disabled)
                await #expect(try c.user(forToken: token) == nil)
                await #expect(try c.credentials(name: "ann") == nil)
                // Not only the old sessions: no token opens a disabled account.
                let later = try await c.issueToken(for: ann, kind: "session", lifetime: 3600)
                await #expect(try c.user(forToken: later) == nil)
                // Disabling again changes and audits nothing.
                _ = try await c.setDisabled(name: "ann", true, by: "ada", now: t.addingTimeInterval(60))
                await #expect(try c.account(name: "ann")?.disabledAt == t)

                let enabled = try await c.setDisabled(name: "ann", false, by: "ada")
                #expect(!enabled.isDisabled && enabled.disabledAt == nil)
                await #expect(try c.credentials(name: "ann")?.0 == ann)
                await #expect(try c.user(forToken: c.issueToken(for: ann, kind: "session", lifetime: 60)) == ann)
                // The session ended by disabling stays ended.
                await #expect(try c.user(forToken: token) == nil)
                let entries = try await c.auditEntries().filter { $0.action == "user-disabled" || $0.action == "user-enabled" }
                #expect(entries.map(\.action) == ["user-disabled", "user-enabled"])
                #expect(entries.allSatisfy { $0.subject == "ann" && $0.actor == "ada" })
                #expect(entries[0].detail == "{\"sessions\":1}")
                await #expect(try c.account(name: "nobody") == nil)
                #expect(await code { _ = try await c.setDisabled(name: "nobody", true, by: "ada") } == "not_found")
            }
        }

        @Test(arguments: Backend.allCases)
        func theLastActiveAdminAndOnesOwnAccountCannotBeDisabled(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.user(c, "ada", .admin)
                try await Given.user(c, "ann", .reviewer)
                #expect(await code { _ = try await c.setDisabled(name: "ada", true, by: "root") } == "last_admin")
                #expect(await code { _ = try await c.setDisabled(name: "ada", true, by: "ada") } == "self")
                #expect(await code { _ = try await c.changeRole(name: "ada", role: .supervisor, officerID: nil, by: "root") } == "last_admin")
                await #expect(try c.account(name: "ada")?.isDisabled == false)
                try await Given.user(c, "max", .admin)
                #expect(await code { _ = try await c.setDisabled(name: "max", true, by: "max") } == "self")
                _ = try await c.setDisabled(name: "ada", true, by: "max")
                // ada is disabled: max is now the last active admin.
                #expect(await code { _ = try await c.setDisabled(name: "max", true, by: "root") } == "last_admin")
                #expect(await code { _ = try await c.changeRole(name: "max", role: .reviewer, officerID: nil, by: "root") } == "last_admin")
                // A disabled admin is no administrator to keep: demoting it is allowed.
                await #expect(try c.changeRole(name: "ada", role: .auditor, officerID: nil, by: "max").user.role == .auditor)
                _ = try await c.changeRole(name: "ann", role: .admin, officerID: nil, by: "max")
                await #expect(try c.changeRole(name: "max", role: .reviewer, officerID: nil, by: "ann").user.role == .reviewer)
                await #expect(try c.account(name: "max")?.isDisabled == false)
            }
        }

        @Test(arguments: Backend.allCases)
        func aPasswordResetEndsTheAccountsSessionsAndNeverLogsTheHash(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let ann = try await Given.user(c, "ann", .reviewer)
                let bob = try await Given.user(c, "bob", .reviewer)
                let token = try await c.issueToken(for: ann, kind: "session", lifetime: 3600)
                let bobs = try await c.issueToken(for: bob, kind: "session", lifetime: 3600)
                let account = try await c.setPassword(name: "ann", passwordHash: "$2b$12$new-secret-hash", by: "ada")
                #expect(account.user == ann)
                await #expect(try c.credentials(name: "ann")?.1 == "$2b$12$new-secret-hash")
                await #expect(try c.user(forToken: token) == nil)
                await #expect(try c.user(forToken: bobs) == bob)
                let entry = try await #require(try c.auditEntries().last)
                #expect(entry.action == "password-reset" && entry.subject == "ann" && entry.actor == "ada")
                #expect(!entry.detail.contains("new-secret-hash") && entry.detail == "{\"sessions\":1}")
                _ = try await c.stationUser(name: "dock-1", unusablePasswordHash: "!")
                #expect(await code { _ = try await c.setPassword(name: "dock-1", passwordHash: "x", by: "ada") } == "station")
                #expect(await code { _ = try await c.setPassword(name: "nobody", passwordHash: "x", by: "ada") } == "not_found")
                await #expect(try c.credentials(name: "dock-1")?.1 == "!")
            }
        }

        @Test(arguments: Backend.allCases)
        func aRoleChangeIsAuditedFromAndToAndEndsTheSessions(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let ann = try await Given.user(c, "ann", .reviewer)
                let token = try await c.issueToken(for: ann, kind: "session", lifetime: 3600)
                let changed = try await c.changeRole(name: "ann", role: .officer, officerID: " 7 ", by: "ada")
                #expect(changed.user.role == .officer && changed.user.officerID == "7" && changed.user.id == ann.id)
                await #expect(try c.user(forToken: token) == nil)
                let entry = try await #require(try c.auditEntries().last)
                #expect(entry.action == "user-changed" && entry.subject == "ann" && entry.actor == "ada")
                #expect(entry.detail == "{\"from\":{\"role\":\"reviewer\",\"officer_id\":null},\"to\":{\"role\":\"officer\",\"officer_id\":\"7\"},\"sessions\":1}")
                // The same role and officer again: nothing to audit.
                _ = try await c.changeRole(name: "ann", role: .officer, officerID: "7", by: "ada")
                await #expect(try c.auditEntries().last?.id == entry.id)
                #expect(await code { _ = try await c.changeRole(name: "ann", role: .officer, officerID: "", by: "ada") } == "officer_id_required")
                #expect(await code { _ = try await c.changeRole(name: "ann", role: .officer, officerID: nil, by: "ada") } == "officer_id_required")
                #expect(await code { _ = try await c.changeRole(name: "ann", role: .station, officerID: nil, by: "ada") } == "station")
                _ = try await c.stationUser(name: "dock-1", unusablePasswordHash: "!")
                #expect(await code { _ = try await c.changeRole(name: "dock-1", role: .reviewer, officerID: nil, by: "ada") } == "station")
                #expect(await code { _ = try await c.changeRole(name: "nobody", role: .reviewer, officerID: nil, by: "ada") } == "not_found")
                await #expect(try c.account(name: "ann")?.user.officerID == "7")
            }
        }

        @Test(arguments: Backend.allCases)
        func theAccountErrorsCodeIsStableAndTheAuditNamesWhoAddedTheUser(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                _ = try await c.addUser(name: "ann", role: .reviewer, officerID: nil, passwordHash: "x", by: "ada")
                let entry = try await #require(try c.auditEntries().last)
                #expect(entry.action == "user-added" && entry.actor == "ada")
                #expect(await code { _ = try await c.addUser(name: "ann", role: .reviewer, officerID: nil, passwordHash: "x") } == "exists")
                #expect(await code { _ = try await c.stationUser(name: "ann", unusablePasswordHash: "!") } == "exists")
                try await Given.user(c, "ada", .admin)
                _ = try await c.stationUser(name: "dock-1", unusablePasswordHash: "!")
                _ = try await c.setDisabled(name: "dock-1", true, by: "ada")
                #expect(await code { _ = try await c.stationUser(name: "dock-1", unusablePasswordHash: "!") } == "disabled")
            }
        }

        // MARK: - Station tokens

        @Test(arguments: Backend.allCases)
        func stationTokensAreListedNewestFirstAndARevokedOneOpensNothing(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let dock1 = try await c.stationUser(name: "dock-1", unusablePasswordHash: "!")
                let dock2 = try await c.stationUser(name: "dock-2", unusablePasswordHash: "!")
                let ann = try await Given.user(c, "ann", .reviewer)
                let first = try await c.issueStationToken(for: dock1, lifetime: 30 * 86_400, actor: "ada")
                try await Task.sleep(for: .milliseconds(5))
                let second = try await c.issueStationToken(for: dock2, lifetime: nil, actor: "ada")
                _ = try await c.issueToken(for: dock1, kind: "station", lifetime: -1)  // lapsed
                _ = try await c.issueToken(for: ann, kind: "session", lifetime: 3600)  // not a station's
                let listed = try await c.stationTokens()
                #expect(listed.map(\.station) == ["dock-2", "dock-1"])
                #expect(listed.allSatisfy { $0.id.count == 16 && $0.id.allSatisfy(\.isHexDigit) })
                #expect(listed[0].expiresAt == nil && listed[1].expiresAt != nil && listed[1].createdAt <= listed[0].createdAt)
                #expect(!first.hasPrefix(listed[1].id))  // the id is the hash's, not the token's

                let revoked = try await c.revokeStationToken(id: listed[1].id, by: "ada")
                #expect(revoked == listed[1])
                await #expect(try c.user(forToken: first) == nil)
                await #expect(try c.user(forToken: second) == dock2)
                await #expect(try c.stationTokens().map(\.id) == [listed[0].id])
                #expect(await code { _ = try await c.revokeStationToken(id: listed[1].id, by: "ada") } == "not_found")
                #expect(await code { _ = try await c.revokeStationToken(id: "nonsense", by: "ada") } == "not_found")
                let entry = try await #require(try c.auditEntries().last { $0.action == "token-revoked" })
                #expect(entry.subject == "dock-1" && entry.actor == "ada" && entry.detail.contains("\"\(listed[1].id)\""))
                // Disabling a station ends its tokens too.
                _ = try await c.setDisabled(name: "dock-2", true, by: "ada")
                await #expect(try c.stationTokens().isEmpty)
            }
        }

        // MARK: - Audit trail

        @Test(arguments: Backend.allCases)
        func theAuditTrailFiltersByEachFieldAndPagesWithATotal(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                _ = try await c.addUser(name: "ann", role: .reviewer, officerID: nil, passwordHash: "x", by: "ada")
                _ = try await c.addUser(name: "bob", role: .reviewer, officerID: nil, passwordHash: "x", by: "ada")
                for _ in 0..<3 { try await c.audit(actor: "ann", action: "viewed", subject: "incident:I-1") }
                try await c.audit(actor: "bob", action: "viewed", subject: "incident:I-2")
                let all = try await c.auditEntries()
                #expect(all.count == 6)

                let everything = try await c.auditEntries(AuditFilter(), limit: 50, offset: 0)
                #expect(everything.total == 6 && everything.entries.map(\.id) == all.map(\.id).reversed())
                let i1 = try await c.auditEntries(AuditFilter(subject: "incident:I-1"), limit: 50, offset: 0)
                #expect(i1.total == 3 && i1.entries.allSatisfy { $0.subject == "incident:I-1" })
                await #expect(try c.auditEntries(AuditFilter(subject: "incident:I"), limit: 50, offset: 0).total == 0)
                await #expect(try c.auditEntries(AuditFilter(actor: "bob"), limit: 50, offset: 0).entries.map(\.subject) == ["incident:I-2"])
                await #expect(try c.auditEntries(AuditFilter(action: "user-added"), limit: 50, offset: 0).entries.map(\.subject) == ["bob", "ann"])
                await #expect(try c.auditEntries(AuditFilter(actor: "ann", action: "user-added"), limit: 50, offset: 0).total == 0)
                // From is inclusive, to exclusive.
                let from = all[2].at
                let after = try await c.auditEntries(AuditFilter(from: from), limit: 50, offset: 0)
                #expect(after.total == all.filter { $0.at >= from }.count && after.entries.contains { $0.id == all[2].id })
                let before = try await c.auditEntries(AuditFilter(to: from), limit: 50, offset: 0)
                #expect(before.total == all.filter { $0.at < from }.count && !before.entries.contains { $0.id == all[2].id })
                #expect(before.total + after.total == 6)
                // A page past the first keeps the total.
                let page = try await c.auditEntries(AuditFilter(subject: "incident:I-1"), limit: 2, offset: 1)
                #expect(page.total == 3 && page.entries.map(\.id) == Array(i1.entries.map(\.id).dropFirst()))
                await #expect(try c.auditEntries(AuditFilter(), limit: 2, offset: 10).entries.isEmpty)
                await #expect(try c.auditActions() == ["user-added", "viewed"])
            }
        }

        @Test(arguments: Backend.allCases)
        func aClipsChainOfCustodyHoldsItsOwnEntriesItsItemsAndItsIncidentsHolds(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.dispatch(c, [Given.row("I-1", "A", from: 0, to: 600), Given.row("I-9", "C", from: 0, to: 600)])
                let linked = try await Given.clip(c, 1, officer: "A", start: Given.at(-30), duration: 700)
                let loose = try await Given.clip(c, 2, officer: "B", start: Given.at(5000))
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                try await c.refreshQueue(sampleShare: 0)
                _ = try await c.placeHold(kind: .legalHold, clip: linked, incident: nil, reason: "complaint", by: "sue")
                _ = try await c.placeHold(kind: .caseEvidence, clip: nil, incident: "I-1", reason: "case 12", by: "sue")
                _ = try await c.placeHold(kind: .caseEvidence, clip: nil, incident: "I-9", reason: "case 13", by: "sue")
                try await c.audit(actor: "ann", action: "viewed", subject: "incident:I-1")  // about the call, not the clip
                try await c.audit(actor: "ann", action: "played", subject: linked)

                let chain = try await c.chainOfCustody(sha256: linked)
                #expect(chain.map { "\($0.action) \($0.subject)" } == [
                    "received \(linked)", "hold-placed \(linked)", "hold-placed incident:I-1", "played \(linked)",
                ])
                #expect(chain.map(\.id) == chain.map(\.id).sorted())

                let item = try await #require(try c.reviewItemID(clip: loose))
                _ = try await c.claim(item, by: "ann", lease: lease, now: Date())
                let looseChain = try await c.chainOfCustody(sha256: loose)
                #expect(looseChain.map { "\($0.action) \($0.subject)" } == ["received \(loose)", "claimed queue:\(item)"])
                await #expect(try c.chainOfCustody(sha256: Given.sha(99)).isEmpty)
            }
        }

        // MARK: - Queue search

        /// I-1: officers A and B (North, theft); I-2: officer C (South, assault), an hour on; an
        /// unlinked clip of D two hours on. None recorded: three no_recording items and one
        /// unlinked. ann holds A's, bob closed C's.
        func searchableQueue(_ c: Catalog) async throws -> (a: Int64, b: Int64, cItem: Int64, clip: Int64) {
            try await Given.dispatch(c, [
                DispatchRow(
                    incidentID: "I-1", officerID: "A", receivedAt: Given.at(-300), dispatchedAt: Given.at(-120), arrivedAt: Given.at(0),
                    clearedAt: Given.at(600), category: "theft", priority: "1", station: "North"),
                DispatchRow(
                    incidentID: "I-1", officerID: "B", receivedAt: Given.at(-300), dispatchedAt: Given.at(-100), arrivedAt: Given.at(60),
                    clearedAt: Given.at(600), category: "theft", priority: "1", station: "North"),
                DispatchRow(
                    incidentID: "I-2", officerID: "C", receivedAt: Given.at(3500), dispatchedAt: Given.at(3540), arrivedAt: Given.at(3660),
                    clearedAt: Given.at(4200), category: "assault", priority: "2", station: "South"),
            ])
            let sha = try await Given.clip(c, 1, officer: "D", start: Given.at(7200))
            try await c.relink(officers: nil, policy: Policy(), actor: "test")
            try await c.refreshQueue(sampleShare: 0)
            let a = try await #require(try c.reviewItemID(incident: "I-1", officer: "A"))
            let b = try await #require(try c.reviewItemID(incident: "I-1", officer: "B"))
            let cItem = try await #require(try c.reviewItemID(incident: "I-2", officer: "C"))
            let clip = try await #require(try c.reviewItemID(clip: sha))
            _ = try await c.claim(a, by: "ann", lease: lease, now: t)
            _ = try await c.claim(cItem, by: "bob", lease: lease, now: t)
            _ = try await c.recordVerdict(cItem, by: "bob", verdict: "compliant", checklist: [], note: nil, now: t)
            return (a, b, cItem, clip)
        }

        @Test(arguments: Backend.allCases)
        func theQueueFiltersByEachField(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let (a, b, cItem, clip) = try await searchableQueue(c)
                func ids(_ filter: QueueFilter) async throws -> Set<Int64> {
                    let page = try await c.queue(filter, limit: 50, offset: 0, now: t)
                    #expect(page.total == page.items.count)
                    return Set(page.items.map(\.id))
                }
                #expect(try await ids(QueueFilter()) == [a, b, cItem, clip])
                #expect(try await ids(QueueFilter(state: "open")) == [b, clip])
                #expect(try await ids(QueueFilter(state: "claimed")) == [a])
                #expect(try await ids(QueueFilter(state: "closed")) == [cItem])
                #expect(try await ids(QueueFilter(incident: "I-")) == [a, b, cItem])
                #expect(try await ids(QueueFilter(incident: "I-2")) == [cItem])
                #expect(try await ids(QueueFilter(incident: "i-")) == [])  // case-sensitive on every backend
                #expect(try await ids(QueueFilter(incident: "%")) == [])  // no pattern characters
                #expect(try await ids(QueueFilter(officer: "B")) == [b])
                #expect(try await ids(QueueFilter(station: "North")) == [a, b])
                #expect(try await ids(QueueFilter(station: "South")) == [cItem])
                #expect(try await ids(QueueFilter(category: "assault")) == [cItem])
                #expect(try await ids(QueueFilter(reason: "unlinked")) == [clip])
                #expect(try await ids(QueueFilter(reviewer: "ann")) == [a])
                #expect(try await ids(QueueFilter(reviewer: "bob")) == [cItem])  // who recorded the verdict
                #expect(try await ids(QueueFilter(from: Given.at(3000))) == [cItem, clip])
                #expect(try await ids(QueueFilter(to: Given.at(3000))) == [a, b])
                #expect(try await ids(QueueFilter(state: "open", station: "North")) == [b])
                #expect(try await ids(QueueFilter(state: "open", reason: "no_recording", from: Given.at(3000))) == [])
                // A lapsed claim reads as open, and its holder no longer holds it.
                let later = t.addingTimeInterval(lease + 1)
                let open = try await c.queue(QueueFilter(state: "open", officer: "A"), limit: 50, offset: 0, now: later)
                #expect(open.items.map(\.id) == [a] && open.total == 1)
                await #expect(try c.queue(QueueFilter(reviewer: "ann"), limit: 50, offset: 0, now: later).total == 0)
            }
        }

        @Test(arguments: Backend.allCases)
        func theQueueSortsPagesAndCountsPerStateForAFilter(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let (a, b, cItem, clip) = try await searchableQueue(c)
                func order(_ sort: QueueSort) async throws -> [Int64] {
                    try await c.queue(QueueFilter(sort: sort), limit: 50, offset: 0, now: t).items.map(\.id)
                }
                let priority = try await order(.priority)
                #expect(Set(priority.prefix(3)) == [a, b, cItem] && priority.last == clip)
                #expect(priority == (try await c.queue(state: nil, limit: 50, offset: 0, now: t).items.map(\.id)))
                let newest = try await order(.newest)
                #expect(Array(newest.prefix(2)) == [clip, cItem] && Set(newest.suffix(2)) == [a, b])
                let oldest = try await order(.oldest)
                #expect(Array(oldest.suffix(2)) == [cItem, clip] && Set(oldest.prefix(2)) == [a, b])
                #expect(try await order(.id) == [a, b, cItem, clip].sorted())
                // A page past the first keeps the filter's total.
                let page = try await c.queue(QueueFilter(incident: "I", sort: .id), limit: 2, offset: 1, now: t)
                #expect(page.total == 3 && page.items.map(\.id) == Array([a, b, cItem].sorted().dropFirst()))

                await #expect(try c.queueCounts(QueueFilter(), now: t) == ["open": 2, "claimed": 1, "closed": 1])
                // The filter's own state is ignored: the counts are for the tabs.
                await #expect(try c.queueCounts(QueueFilter(state: "closed", station: "North"), now: t) == ["open": 1, "claimed": 1, "closed": 0])
                await #expect(try c.queueCounts(QueueFilter(officer: "nobody"), now: t) == ["open": 0, "claimed": 0, "closed": 0])
                let facets = try await c.queueFacets()
                #expect(facets.stations == ["North", "South"] && facets.categories == ["assault", "theft"])
                #expect(facets.reasons == ["no_recording", "unlinked"] && facets.reviewers == ["ann", "bob"])
            }
        }

        // MARK: - Incidents

        @Test(arguments: Backend.allCases)
        func theIncidentsListCountsAndFiltersNewestReceivedFirst(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                _ = try await searchableQueue(c)
                // I-3: A again, later, fully recorded: one clip, no findings. I-4: never received.
                try await Given.dispatch(c, [
                    DispatchRow(
                        incidentID: "I-3", officerID: "A", receivedAt: Given.at(9900), dispatchedAt: Given.at(9950), arrivedAt: Given.at(10_000),
                        clearedAt: Given.at(10_600), category: "theft", station: "North"),
                    DispatchRow(incidentID: "I-4", officerID: "E"),
                ], source: "more.csv")
                try await Given.clip(c, 2, officer: "A", start: Given.at(9990), duration: 700)
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                try await c.refreshQueue(sampleShare: 0)
                let findingsI1 = try await c.findings(Catalog.FindingQuery(incidentID: "I-1")).count
                let findingsI2 = try await c.findings(Catalog.FindingQuery(incidentID: "I-2")).count
                #expect(findingsI1 >= 2 && findingsI2 >= 1)

                let all = try await c.incidents(IncidentFilter(), limit: 50, offset: 0)
                #expect(all.total == 4 && all.rows.map(\.id) == ["I-3", "I-2", "I-1", "I-4"])
                let byID = Dictionary(uniqueKeysWithValues: all.rows.map { ($0.id, $0) })
                #expect(byID["I-1"] == IncidentSummary(
                    id: "I-1", category: "theft", station: "North", priority: "1", receivedAt: Given.at(-300), officers: ["A", "B"], clips: 0,
                    findings: findingsI1, openItems: 2))
                #expect(byID["I-2"]?.openItems == 0 && byID["I-2"]?.findings == findingsI2 && byID["I-2"]?.officers == ["C"])
                #expect(byID["I-3"]?.clips == 1 && byID["I-3"]?.findings == 0 && byID["I-3"]?.openItems == 0)
                #expect(byID["I-4"]?.receivedAt == nil && byID["I-4"]?.officers == ["E"])

                func ids(_ filter: IncidentFilter) async throws -> [String] {
                    let page = try await c.incidents(filter, limit: 50, offset: 0)
                    #expect(page.total == page.rows.count)
                    return page.rows.map(\.id)
                }
                #expect(try await ids(IncidentFilter(incident: "I-")) == ["I-3", "I-2", "I-1", "I-4"])
                #expect(try await ids(IncidentFilter(incident: "I-2")) == ["I-2"])
                #expect(try await ids(IncidentFilter(incident: "i-")) == [])
                #expect(try await ids(IncidentFilter(officer: "A")) == ["I-3", "I-1"])
                // Any row matches: I-1 is found by B, and lists both officers.
                let byB = try await c.incidents(IncidentFilter(officer: "B"), limit: 50, offset: 0).rows
                #expect(byB.map(\.id) == ["I-1"] && byB.first?.officers == ["A", "B"])
                #expect(try await ids(IncidentFilter(station: "North")) == ["I-3", "I-1"])
                #expect(try await ids(IncidentFilter(category: "assault")) == ["I-2"])
                #expect(try await ids(IncidentFilter(findingKind: "no_recording")) == ["I-2", "I-1"])
                #expect(try await ids(IncidentFilter(findingKind: "early_stop")) == [])
                #expect(try await ids(IncidentFilter(from: Given.at(3500))) == ["I-3", "I-2"])
                #expect(try await ids(IncidentFilter(to: Given.at(3500))) == ["I-1"])
                #expect(try await ids(IncidentFilter(station: "North", from: Given.at(0))) == ["I-3"])
                let page = try await c.incidents(IncidentFilter(), limit: 2, offset: 1)
                #expect(page.total == 4 && page.rows.map(\.id) == ["I-2", "I-1"])
            }
        }

        // MARK: - Renew, request, reopen, history

        @Test(arguments: Backend.allCases)
        func onlyTheHolderOfAnUnexpiredClaimRenewsIt(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                await #expect(throws: QueueError.notHeld) { try await c.renew(id, by: "ann", lease: lease, now: t) }
                _ = try await c.claim(id, by: "ann", lease: lease, now: t)
                let renewed = try await c.renew(id, by: "ann", lease: lease, now: t.addingTimeInterval(300))
                #expect(renewed.state == "claimed" && renewed.claimedBy == "ann" && renewed.leaseUntil == t.addingTimeInterval(900))
                await #expect(try c.reviewItem(id, now: t.addingTimeInterval(800))?.state == "claimed")
                await #expect(throws: QueueError.notHeld) { try await c.renew(id, by: "bob", lease: lease, now: t.addingTimeInterval(300)) }
                // A lapsed claim cannot be renewed: claim it again.
                await #expect(throws: QueueError.notHeld) { try await c.renew(id, by: "ann", lease: lease, now: t.addingTimeInterval(901)) }
                let entry = try await #require(try c.itemHistory(id).last)
                #expect(entry.action == "renewed" && entry.actor == "ann" && entry.subject == "queue:\(id)")
                _ = try await c.recordVerdict(id, by: "ann", verdict: "compliant", checklist: [], note: nil, now: t.addingTimeInterval(400))
                await #expect(throws: QueueError.closed) { try await c.renew(id, by: "ann", lease: lease, now: t.addingTimeInterval(400)) }
                await #expect(throws: QueueError.notFound(999)) { try await c.renew(999, by: "ann", lease: lease, now: t) }
            }
        }

        @Test(arguments: Backend.allCases)
        func reopeningKeepsTheEarlierVerdictInTheItemsHistory(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let id = try await Given.queuedItem(c)
                _ = try await c.claim(id, by: "ann", lease: lease, now: t)
                _ = try await c.release(id, by: "ann", asSupervisor: false, now: t)
                _ = try await c.claim(id, by: "ann", lease: lease, now: t)
                _ = try await c.recordVerdict(id, by: "ann", verdict: "violation", checklist: ["late_activation"], note: "started late", now: t)
                let reopened = try await c.reopen(id, by: "sue", reason: "new footage", now: t.addingTimeInterval(60))
                #expect(reopened.state == "open" && reopened.verdict == nil)
                let history = try await c.itemHistory(id)
                #expect(history.map(\.action) == ["claimed", "released", "claimed", "verdict", "reopened"])
                #expect(history.allSatisfy { $0.subject == "queue:\(id)" })
                #expect(history[3].detail == "{\"verdict\":\"violation\",\"checklist\":[\"late_activation\"],\"note\":\"started late\"}")
                let reopen = history[4]
                #expect(reopen.actor == "sue")
                #expect(reopen.detail == """
                    {"reason":"new footage","verdict":"violation","checklist":["late_activation"],"note":"started late",\
                    "reviewed_by":"ann","reviewed_at":"\(Timestamp.format(t))"}
                    """)
                // Another item's entries are not this one's.
                let other = try await Given.queuedItem(c, incident: "I-2", officer: "B")
                _ = try await c.claim(other, by: "bob", lease: lease, now: t)
                await #expect(try c.itemHistory(id).count == 5)
                await #expect(try c.itemHistory(999).isEmpty)
            }
        }

        @Test(arguments: Backend.allCases)
        func aRequestedReviewIsOneItemThatRefreshingNeverWithdraws(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                // A fully recorded call: no findings, so nothing would put it in the queue.
                try await Given.dispatch(c, [
                    DispatchRow(
                        incidentID: "I-7", officerID: "A", receivedAt: Given.at(-100), dispatchedAt: Given.at(-60), arrivedAt: Given.at(0),
                        clearedAt: Given.at(600)),
                ])
                try await Given.clip(c, 1, officer: "A", start: Given.at(-30), duration: 700)
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                await #expect(try c.refreshQueue(sampleShare: 0) == 0)

                let item = try await c.requestReview(incident: "I-7", officer: "A", reason: "complaint 41", by: "sue", now: t)
                #expect(item.reason == "requested" && item.priority == 3 && item.state == "open")
                #expect(item.incidentID == "I-7" && item.officerID == "A" && item.occurredAt == Given.at(-100))
                #expect(Review.priorities["requested"] == 3)
                // Refreshing, for everyone or for the officer, leaves it as it is.
                await #expect(try c.refreshQueue(sampleShare: 0) == 0)
                await #expect(try c.refreshQueue(officers: ["A"], sampleShare: 0) == 0)
                await #expect(try c.reviewItem(item.id, now: t) == item)
                // A second request while it waits is the same item.
                let again = try await c.requestReview(incident: "I-7", officer: "A", reason: "complaint 42", by: "sam", now: t)
                #expect(again == item)
                await #expect(try c.queue(QueueFilter(reason: "requested"), limit: 50, offset: 0, now: t).total == 1)

                // Reviewed and closed, a new request reopens it; the earlier verdict stays on record.
                _ = try await c.claim(item.id, by: "ann", lease: lease, now: t)
                _ = try await c.recordVerdict(item.id, by: "ann", verdict: "compliant", checklist: [], note: "fine", now: t)
                let reopened = try await c.requestReview(incident: "I-7", officer: "A", reason: "appeal", by: "sue", now: t)
                #expect(reopened.id == item.id && reopened.state == "open" && reopened.verdict == nil && reopened.note == nil)
                await #expect(try c.refreshQueue(sampleShare: 0) == 0)
                let history = try await c.itemHistory(item.id)
                #expect(history.map(\.action) == ["review-requested", "review-requested", "claimed", "verdict", "review-requested"])
                #expect(history[0].actor == "sue" && history[0].detail == "{\"reason\":\"complaint 41\",\"outcome\":\"created\"}")
                #expect(history[1].detail.contains("complaint 42") && history[1].actor == "sam")
                #expect(history[4].detail.contains("\"outcome\":\"reopened\"") && history[4].detail.contains("\"verdict\":\"compliant\""))
                #expect(history[4].detail.contains("\"note\":\"fine\"") && history[4].detail.contains("\"appeal\""))

                // The whole incident is an item of its own.
                let whole = try await c.requestReview(incident: "I-7", officer: nil, reason: "press inquiry", by: "sue", now: t)
                #expect(whole.id != item.id && whole.officerID == nil && whole.incidentID == "I-7")
                await #expect(try c.refreshQueue(sampleShare: 0) == 0)
                await #expect(try c.reviewItem(whole.id, now: t)?.state == "open")

                await #expect(throws: QueueError.self) { try await c.requestReview(incident: "I-404", officer: nil, reason: "x", by: "sue", now: t) }
                await #expect(throws: QueueError.self) { try await c.requestReview(incident: "I-7", officer: "Z", reason: "x", by: "sue", now: t) }
                await #expect(throws: QueueError.invalid("Give the reason for the review.")) {
                    try await c.requestReview(incident: "I-7", officer: "A", reason: "  ", by: "sue", now: t)
                }
            }
        }
    }
}
