import CustodyCore
import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 12, acceptance 4 (store side): a full relink replaces links and findings batch by
/// batch, so another connection never sees them emptied; a relink asked for while one runs is
/// queued, not waited for, and is done by the running relink (or the next one).
@Suite(.serialized) struct RelinkWhileReadingTests {
    /// A seeded catalog on disk, linked once.
    static func seeded(_ label: String, officers: Int = 40, rows: Int = 8_000, clips: Int = 16_000) async throws -> (URL, Catalog) {
        let dir = try TestEnvironment.temporaryFolder(label)
        let catalog = try Catalog(path: dir.appendingPathComponent("custody.sqlite").path)
        var plan = BenchmarkSeeder.Plan()
        (plan.officers, plan.rows, plan.clips) = (officers, rows, clips)
        try await BenchmarkSeeder.seed(catalog, plan: plan) { _ in }
        try await catalog.relink(officers: nil, policy: Policy(), actor: "test")
        return (dir, catalog)
    }

    /// Counts another process would read: links, coverage rows, findings.
    static func figures(_ catalog: Catalog) async throws -> [Int] {
        let f = try await catalog.coverageFigures()
        return await [f.judged, f.judgedWithFootage, f.fullyCovered, f.unlinkedClips, try catalog.findings().count]
    }

    @Test func aFullRelinkNeverShowsAnotherConnectionEmptiedLinksOrFindings() async throws {
        let (dir, catalog) = try await Self.seeded("relink-reads")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A second connection to the same file, as `custody serve` has while `custody link` runs.
        let reader = try Catalog(path: dir.appendingPathComponent("custody.sqlite").path)
        let baseline = try await Self.figures(reader)
        #expect(baseline[0] > 0 && baseline[4] > 0)

        let done = Flag()
        Task.detached {
            _ = try? await catalog.relink(officers: nil, policy: Policy(), actor: "test")
            done.set()
        }
        var reads = 0
        var differing: [[Int]] = []
        while !done.isSet || reads == 0 {
            let now = try await Self.figures(reader)
            if now != baseline { differing.append(now) }
            reads += 1
        }
        #expect(reads > 1)
        #expect(differing.isEmpty, "read \(differing.count) of \(reads) times something else than \(baseline): \(differing.prefix(3))")
        await #expect(try Self.figures(reader) == baseline)
    }

    @Test func aRelinkAskedForWhileAnotherRunsIsQueuedAndTheRunningRelinkDoesIt() async throws {
        let (dir, catalog) = try await Self.seeded("relink-queued", officers: 4, rows: 400, clips: 800)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("custody.sqlite").path
        let before = try await catalog.findings(.init(officerID: "B00001")).count
        #expect(before > 0)
        try await catalog.executeForTesting("DELETE FROM findings WHERE officer_id = 'B00001'")

        // Another process's relink holds the lock.
        let fd = open(path + ".link-lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        #expect(flock(fd, LOCK_EX) == 0)
        let started = Date()
        let outcome = try await catalog.relinkAndRefreshQueue(officers: ["B00001"], policy: Policy(), actor: "test")
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(outcome.queuedOfficers == 1)
        await #expect(try catalog.relinksWanted() == ["B00001"])
        await #expect(try catalog.findings(.init(officerID: "B00001")).isEmpty)
        // While the lock is held, the refresher cannot take it either: still queued.
        await #expect(try catalog.relinkWanted(policy: Policy(), actor: "test").isEmpty)
        flock(fd, LOCK_UN)
        close(fd)

        // The next relink of any kind (here one of another officer) relinks the queued one before it ends.
        try await catalog.relink(officers: ["B00002"], policy: Policy(), actor: "test")
        await #expect(try catalog.relinksWanted().isEmpty)
        await #expect(try catalog.findings(.init(officerID: "B00001")).count == before)
    }

    @Test func theRefresherRunsAQueuedRelinkWhenNoRelinkIsRunning() async throws {
        let (dir, catalog) = try await Self.seeded("relink-refresher", officers: 4, rows: 400, clips: 800)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("custody.sqlite").path
        let before = try await catalog.findings(.init(officerID: "B00003")).count
        try await catalog.executeForTesting("DELETE FROM findings WHERE officer_id = 'B00003'")
        let fd = open(path + ".link-lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        #expect(flock(fd, LOCK_EX) == 0)
        await #expect(try catalog.relinkOrQueue(officers: ["B00003"], policy: Policy(), actor: "test") == .queued(officers: 1))
        flock(fd, LOCK_UN)
        close(fd)
        await #expect(try catalog.relinkWanted(policy: Policy(), actor: "test") == ["B00003"])
        await #expect(try catalog.relinksWanted().isEmpty)
        await #expect(try catalog.findings(.init(officerID: "B00003")).count == before)
    }

    @Test func aFullRelinkRemovesWhatBelongsToCallsAndClipsThatAreGone() async throws {
        let (dir, catalog) = try await Self.seeded("relink-stale", officers: 4, rows: 400, clips: 800)
        defer { try? FileManager.default.removeItem(at: dir) }
        await #expect(try !catalog.findings(.init(officerID: "B00000")).isEmpty)
        // Officer B00000's calls and clips are gone (say, re-attributed by hand in the tables).
        try await catalog.executeForTesting("UPDATE evidence SET officer_id = 'B00001' WHERE officer_id = 'B00000'")
        try await catalog.executeForTesting("DELETE FROM dispatch_rows WHERE officer_id = 'B00000'")
        try await catalog.relink(officers: nil, policy: Policy(), actor: "test")
        let fresh = try await Self.figures(catalog)
        await #expect(try catalog.findings(.init(officerID: "B00000")).isEmpty)
        // The same as a relink into empty tables.
        try await catalog.executeForTesting("DELETE FROM links; DELETE FROM coverage; DELETE FROM findings")
        try await catalog.relink(officers: nil, policy: Policy(), actor: "test")
        await #expect(try Self.figures(catalog) == fresh)
    }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
