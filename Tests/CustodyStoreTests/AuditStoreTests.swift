import CustodyCore
import CustodyStore
import Foundation
import Testing

/// The nightly audit's store side: holds, retention review and purge, fixity rotation, anchors.
@Suite struct AuditStoreTests {
    static let day: Double = 86_400
    static let jan10 = Date(timeIntervalSince1970: 1_704_848_400)  // 2024-01-10T01:00:00Z

    /// Stores a clip record (no file: the store does not look) and returns its SHA-256.
    @discardableResult
    static func clip(_ catalog: Catalog, _ n: Int, officer: String?, start: Date, received: Date? = nil) async throws -> String {
        let sha = String(format: "%064x", n)
        let probe = ProbeRecord(path: "\(n).mp4", size: 100, sha256: sha, duration: 60, startTime: start, integrity: .ok)
        let evidence = EvidenceRecord(
            sha256: sha, size: 100, ext: "mp4", location: .vault, storedPath: "vault/\(n).mp4", quarantineReason: nil, probe: probe,
            storedAt: Date(), officerID: officer, attribution: officer == nil ? nil : "file")
        let receipt = ReceiptRecord(
            sha256: sha, receivedAt: received ?? start.addingTimeInterval(3600), recordedAt: Date(), method: "ingest",
            originalName: "\(n).mp4", sourcePath: "/in/\(n).mp4", handedInBy: "test")
        try await catalog.record(evidence: evidence, receipt: receipt, actor: "test")
        return sha
    }

    static func call(_ catalog: Catalog, _ incident: String, _ officer: String, at start: Date, category: String) async throws {
        let row = DispatchRow(incidentID: incident, officerID: officer, arrivedAt: start, clearedAt: start.addingTimeInterval(60), category: category)
        _ = try await catalog.upsertDispatch([(2, row)], source: "test.csv", actor: "test")
        try await catalog.relink(officers: nil, policy: Policy(), actor: "test")
    }

    @Test func holdsAndCaseEvidenceKeepFootageAndTheirReleaseIsAudited() async throws {
        let catalog = try Catalog(inMemory: ())
        let plain = try await Self.clip(catalog, 1, officer: "A", start: Self.jan10)
        let held = try await Self.clip(catalog, 2, officer: "B", start: Self.jan10)
        let linked = try await Self.clip(catalog, 3, officer: "C", start: Self.jan10)
        try await Self.call(catalog, "I-C", "C", at: Self.jan10, category: "纠纷")
        let reference = Self.jan10.addingTimeInterval(200 * Self.day)

        await #expect(try catalog.retentionReview(policy: RetentionPolicy(), reference: reference).due.map(\.sha256) == [plain, held, linked])
        let hold = try await catalog.placeHold(kind: .legalHold, clip: held, incident: nil, reason: "complaint", by: "sam")
        _ = try await catalog.placeHold(kind: .caseEvidence, clip: nil, incident: "I-C", reason: "case 88", by: "sam")
        var review = try await catalog.retentionReview(policy: RetentionPolicy(), reference: reference)
        #expect(review.due.map(\.sha256) == [plain])
        #expect(review.kept.map { "\($0.sha256.suffix(1)) \($0.retentionClass)" } == ["2 legal hold", "3 case evidence"])
        #expect(review.kept.allSatisfy { $0.expires == nil })

        _ = try await catalog.releaseHold(hold.id, reason: "closed", by: "sam")
        review = try await catalog.retentionReview(policy: RetentionPolicy(), reference: reference)
        #expect(review.due.map(\.sha256) == [plain, held])
        await #expect(throws: Catalog.HoldError.self) { try await catalog.releaseHold(hold.id, reason: "again", by: "sam") }
        await #expect(throws: Catalog.HoldError.self) { try await catalog.placeHold(kind: .legalHold, clip: nil, incident: "NOPE", reason: "x", by: "sam") }
        await #expect(throws: Catalog.HoldError.self) { try await catalog.placeHold(kind: .legalHold, clip: held, incident: nil, reason: "  ", by: "sam") }
        await #expect(try catalog.holds(activeOnly: true).count == 1)
        await #expect(try catalog.holds().count == 2)
        let actions = try await catalog.auditEntries().map(\.action).filter { $0.hasPrefix("hold") }
        #expect(actions == ["hold-placed", "hold-placed", "hold-released"])
    }

    @Test func aPurgeDecidesAgainAndLeavesATombstoneAndAnAuditEntry() async throws {
        let catalog = try Catalog(inMemory: ())
        let a = try await Self.clip(catalog, 1, officer: "A", start: Self.jan10)
        let b = try await Self.clip(catalog, 2, officer: "B", start: Self.jan10)
        let reference = Self.jan10.addingTimeInterval(181 * Self.day)
        let policy = RetentionPolicy()
        await #expect(try catalog.retentionReview(policy: policy, reference: reference).due.count == 2)
        // A hold placed after the listing wins over it.
        _ = try await catalog.placeHold(kind: .legalHold, clip: b, incident: nil, reason: "late order", by: "sam")
        await #expect(try catalog.recordPurge(sha256: b, policy: policy, reference: reference, by: "auditor", context: "test") == nil)
        // Not yet due on the day before it expires.
        await #expect(try catalog.recordPurge(sha256: a, policy: policy, reference: Self.jan10.addingTimeInterval(179 * Self.day), by: "auditor", context: "test") == nil)

        let tombstone = try await #require(try catalog.recordPurge(sha256: a, policy: policy, reference: reference, by: "auditor", context: "nightly"))
        #expect(tombstone.size == 100 && tombstone.storedPath == "vault/1.mp4" && tombstone.purgedBy == "auditor")
        #expect(tombstone.retentionClass == "default 180 days")
        #expect(tombstone.reason == "retention default 180 days from recording at 2024-01-10T01:00:00Z ran out at 2024-07-08T01:00:00Z; nightly")
        #expect(tombstone.fileRemovedAt == nil)
        await #expect(try catalog.unfinishedPurges().map(\.sha256) == [a])
        try await catalog.fileRemoved(sha256: a)
        await #expect(try catalog.unfinishedPurges().isEmpty)
        await #expect(try catalog.evidence(sha256: a)?.purgedAt != nil)
        // Purged once: never listed or purged again; the row stays for linking.
        await #expect(try catalog.retentionReview(policy: policy, reference: reference).due.isEmpty)
        await #expect(try catalog.recordPurge(sha256: a, policy: policy, reference: reference, by: "auditor", context: "again") == nil)
        await #expect(try catalog.placeHoldFails(clip: a))
        let entry = try await #require(try catalog.auditEntries().last { $0.action == "purged" })
        #expect(entry.subject == a && entry.actor == "auditor")
        #expect(entry.detail.contains("\"stored_path\":\"vault/1.mp4\"") && entry.detail.contains("\"size\":100"))
        await #expect(try catalog.verifyAuditChain().isEmpty)
    }

    @Test func everyFileComesRoundOnceACycleAndReceiptsAndFailuresAreAlwaysDue() async throws {
        let catalog = try Catalog(inMemory: ())
        let utc = TimeZone(identifier: "UTC")!
        let handedIn = try #require(CalendarDay("2024-03-01"))
        var all: [String] = []
        for n in 1...40 {
            await all.append(try Self.clip(catalog, n, officer: "A", start: Self.jan10, received: Self.jan10.addingTimeInterval(Double(n) * 3600)))
        }
        let today = try await Self.clip(catalog, 99, officer: "A", start: Self.jan10, received: handedIn.start(in: utc).addingTimeInterval(7200))
        let cycle = 7
        var seen: [String: Int] = [:]
        for offset in 0..<cycle {
            let day = handedIn.adding(days: 10 + offset)
            for target in try await catalog.fixityDue(day: day, zone: utc, cycleDays: cycle) {
                #expect(target.why == .rotation)
                seen[target.sha256, default: 0] += 1
            }
        }
        // Over one cycle of days each stored file is due exactly once.
        #expect(Set(seen.keys) == Set(all + [today]))
        #expect(seen.values.allSatisfy { $0 == 1 })
        let onTheDay = try await catalog.fixityDue(day: handedIn, zone: utc, cycleDays: cycle)
        #expect(onTheDay.first { $0.sha256 == today }?.why == .received)
        #expect(onTheDay.count < 41)

        // A failure stays due every day; an old check is overdue; a purged file is never due.
        let victim = all[0]
        let target = try await #require(try catalog.fixityDue(day: handedIn, zone: utc, cycleDays: 1).first { $0.sha256 == victim })
        try await catalog.recordFixity([(target, "altered")], actor: "audit")
        let later = Date().addingTimeInterval(3 * Self.day)
        for offset in 1...cycle {
            let due = try await catalog.fixityDue(day: handedIn.adding(days: offset), zone: utc, cycleDays: cycle, now: later)
            #expect(due.first { $0.sha256 == victim }?.why == .failedBefore)
        }
        // A cycle without audits: each night takes one more share (⌈41 / 7⌉ = 6) of the overdue
        // files, oldest first, besides its rotation; catching up never re-hashes the whole store at once.
        let muchLater = Date().addingTimeInterval(Double(cycle) * Self.day)
        let night = handedIn.adding(days: 20)
        let catchUp = try await catalog.fixityDue(day: night, zone: utc, cycleDays: cycle, now: muchLater)
        #expect(catchUp.filter { $0.why == .overdue }.count == 6)
        // The rotation's share: the rows (rowid 1…41; the failed one is rowid 1) in the night's bucket.
        let bucket = Int(night.number % Int64(cycle))
        #expect(catchUp.filter { $0.why == .rotation }.count == (2...41).filter { $0 % cycle == bucket }.count)
        #expect(catchUp.filter { $0.why == .failedBefore }.map(\.sha256) == [victim])
        await #expect(try catalog.auditEntries().contains { $0.action == "fixity-failed" && $0.subject == victim })
        let policy = RetentionPolicy()
        _ = try await catalog.recordPurge(sha256: all[1], policy: policy, reference: Self.jan10.addingTimeInterval(400 * Self.day), by: "a", context: "t")
        await #expect(try !catalog.fixityDue(day: handedIn, zone: utc, cycleDays: 1, now: muchLater).contains { $0.sha256 == all[1] })
    }

    @Test func anchorsCatchATruncatedOrRewrittenLog() async throws {
        let catalog = try Catalog(inMemory: ())
        for i in 1...6 { try await catalog.audit(actor: "t", action: "viewed", subject: "clip-\(i)") }
        let head = try await catalog.chainHead()
        #expect(head.entries == 6)
        let anchor = ChainAnchor(day: "2024-03-01", entries: head.entries, head: head.head, writtenAt: Date())
        await #expect(try catalog.checkAnchors([anchor]).isEmpty)
        try await catalog.audit(actor: "t", action: "viewed", subject: "clip-7")
        await #expect(try catalog.checkAnchors([anchor]).isEmpty)  // growing is fine

        try await catalog.executeForTesting("DELETE FROM audit_log WHERE id >= 5")
        await #expect(try catalog.verifyAuditChain().isEmpty)
        await #expect(try catalog.checkAnchors([anchor]) == ["audit entries 5–6 are missing: the log ends at 4, before the anchor written by the audit of 2024-03-01"])
        for i in 5...8 { try await catalog.audit(actor: "t", action: "viewed", subject: "again-\(i)") }
        await #expect(try catalog.checkAnchors([anchor]) == ["audit entry 6 does not match the anchor written by the audit of 2024-03-01: the log was rewritten"])
    }

    @Test func theAnchorFileRoundTripsAndAnUnreadableLineIsAProblem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("anchors-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent(ChainAnchor.fileName)
        #expect(ChainAnchor.load(file).anchors.isEmpty)
        let written = Date(timeIntervalSince1970: 1_709_254_800)
        try ChainAnchor.append(ChainAnchor(day: "2024-03-01", entries: 7, head: "ab", writtenAt: written), to: file)
        try ChainAnchor.append(ChainAnchor(day: "2024-03-02", entries: 9, head: "cd", writtenAt: written), to: file)
        #expect(ChainAnchor.load(file).anchors.map(\.entries) == [7, 9])
        #expect(ChainAnchor.load(file).anchors.first?.writtenAt == written)
        try Data((String(decoding: try Data(contentsOf: file), as: UTF8.self) + "{\"day\":\n").utf8).write(to: file)
        #expect(ChainAnchor.load(file).problems == ["chain-anchors.jsonl line 3 cannot be read: the anchors were altered"])
    }
}

extension Catalog {
    func placeHoldFails(clip: String) async throws -> Bool {
        do {
            _ = try await placeHold(kind: .legalHold, clip: clip, incident: nil, reason: "too late", by: "sam")
            return false
        } catch is HoldError {
            return true
        }
    }
}
