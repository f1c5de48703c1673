import CustodyCore
import CustodyStore
import Foundation
import Testing

extension StoreContract {
    /// The content-analysis queue and its findings (issue 14): every stored clip waits once,
    /// each is taken by one worker at a time under a lease, a clip that cannot be analysed is
    /// given up after its attempts, and stored stretches become findings inside calls' windows.
    @Suite struct ContentAnalysisContractTests {
        @Test(arguments: Backend.allCases)
        func everyStoredClipWaitsOnceAndIsTakenUnderALease(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.clip(c, 1, officer: "A", start: Given.at(0))
                try await Given.clip(c, 2, officer: "A", start: Given.at(100))
                try await Given.clip(c, 3, officer: nil, start: Given.at(0), location: .quarantine)
                var counts = try await c.analysisCounts()
                #expect(counts.pending == 2 && counts.done == 0, "a quarantined file is not analysed")

                let now = Date()
                let first = try #require(try await c.claimAnalysis(node: "n1", lease: 600, now: now))
                let second = try #require(try await c.claimAnalysis(node: "n2", lease: 600, now: now))
                #expect(first.sha256 != second.sha256)
                #expect(first.attempts == 1 && first.storedPath.hasSuffix(".mp4"))
                #expect(try await c.claimAnalysis(node: "n3", lease: 600, now: now) == nil, "both are leased")
                counts = try await c.analysisCounts()
                #expect(counts.pending == 2)
                // A node that died mid-analysis: its lease lapses and another takes the clip.
                let again = try #require(try await c.claimAnalysis(node: "n3", lease: 600, now: now.addingTimeInterval(601)))
                #expect(again.attempts == 2)
            }
        }

        @Test(arguments: Backend.allCases)
        func concurrentWorkersTakeEachClipExactlyOnce(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                for n in 1...24 { try await Given.clip(c, n, officer: "A", start: Given.at(Double(n) * 100)) }
                let taken = try await withThrowingTaskGroup(of: [String].self) { group in
                    for worker in 0..<4 {
                        group.addTask {
                            var mine: [String] = []
                            while let claim = try await c.claimAnalysis(node: "node-\(worker)", lease: 600, now: Date()) {
                                mine.append(claim.sha256)
                                let result = ContentAnalysisResult(
                                    sha256: claim.sha256, duration: 60, keyframeInterval: 1, stretches: [], luma: [], level: [])
                                try await c.recordAnalysis(result, node: "node-\(worker)")
                            }
                            return mine
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                #expect(taken.count == 24)
                #expect(Set(taken).count == 24)
                let counts = try await c.analysisCounts()
                #expect(counts.done == 24 && counts.pending == 0)
                #expect(try await Given.actions(c).filter { $0 == "analyzed" }.count == 24)
            }
        }

        @Test(arguments: Backend.allCases)
        func aClipThatCannotBeAnalysedIsGivenUpAfterItsAttemptsAndCanBeQueuedAgain(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let sha = try await Given.clip(c, 1, officer: "A", start: Given.at(0))
                var finals: [Bool] = []
                while let claim = try await c.claimAnalysis(node: "n1", lease: 600) {
                    #expect(claim.sha256 == sha)
                    finals.append(try await c.recordAnalysisFailure(sha256: sha, message: "no frame", node: "n1", maxAttempts: 3))
                    if finals.count > 5 { break }
                }
                #expect(finals == [false, false, true], "three attempts, then it is not retried")
                var counts = try await c.analysisCounts()
                #expect(counts.failed == 1 && counts.pending == 0)
                let record = try #require(try await c.contentAnalysis(sha256: sha))
                #expect(record.state == .failed && record.error == "no frame" && record.attempts == 3)
                #expect(try await Given.actions(c).filter { $0 == "analysis-failed" }.count == 1)

                #expect(try await c.requeueAnalysis(sha256s: nil, actor: "admin") == 1)
                counts = try await c.analysisCounts()
                #expect(counts.pending == 1 && counts.failed == 0)
                #expect(try await c.claimAnalysis(node: "n1", lease: 600)?.attempts == 1)
            }
        }

        /// I-1 [0, 600] for A, covered by one clip from 0 to 600 whose lens is covered from 100 to
        /// 220 and whose sound is muted from 300 to 305 (too short) and 400 to 700 (past the
        /// window: cut to 400…600). I-2 [1000, 1600] for A, a clip frozen from 900 to 1005 (5 s
        /// inside the window: no finding, but not usable either).
        @Test(arguments: Backend.allCases)
        func storedStretchesBecomeFindingsInsideWindowsWithUsableCoverage(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.dispatch(c, [Given.row("I-1", "A", from: 0, to: 600), Given.row("I-2", "A", from: 1000, to: 1600)])
                let one = try await Given.clip(c, 1, officer: "A", start: Given.at(0), duration: 600)
                let two = try await Given.clip(c, 2, officer: "A", start: Given.at(880), duration: 720)
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                #expect(try await c.findings().isEmpty)

                try await c.recordAnalysis(ContentAnalysisResult(
                    sha256: one, duration: 600, keyframeInterval: 1,
                    stretches: [
                        ContentStretch(kind: .obscured, start: 100, end: 220), ContentStretch(kind: .muted, start: 300, end: 305),
                        ContentStretch(kind: .muted, start: 400, end: 700),
                    ],
                    luma: [40, 41, nil], level: [-20, nil, -90]), node: "n1")
                let officer = try await c.recordAnalysis(ContentAnalysisResult(
                    sha256: two, duration: 720, keyframeInterval: 1, stretches: [ContentStretch(kind: .frozen, start: 20, end: 125)],
                    luma: [], level: []), node: "n1")
                #expect(officer == "A", "new stretches: the officer's findings are to be relinked")
                try await c.relink(officers: ["A"], policy: Policy(), actor: "test")

                let findings = try await c.findings()
                let t0 = Given.t0.timeIntervalSince1970
                #expect(findings.map { "\($0.incidentID!) \($0.kind.rawValue) \(Int($0.start - t0))…\(Int($0.end - t0))" } == [
                    "I-1 muted_audio 400…600", "I-1 obscured_video 100…220",
                ])
                let obscured = try #require(findings.first { $0.kind == .obscuredVideo })
                #expect(obscured.clipSHA256 == one && obscured.coverage == 1)
                #expect(abs((obscured.usableCoverage ?? -1) - 480.0 / 600) < 1e-9)
                #expect(obscured.jsonValue.rendered.contains("\"usable_coverage\":0.8"))
                // The queue ranks the covered lens with a late start.
                try await c.refreshQueue(sampleShare: 0)
                let item = try #require(try await c.queue(state: "open", limit: 10, offset: 0).items.first { $0.incidentID == "I-1" })
                #expect(item.reason == "obscured_video" && item.priority == 2)
                #expect(try await c.queue(state: "open", limit: 10, offset: 0).items.contains { $0.incidentID == "I-2" } == false)

                let stored = try #require(try await c.contentAnalysis(sha256: one))
                #expect(stored.state == .done && stored.stretches.count == 3)
                #expect(stored.luma == [40, 41, nil] && stored.level == [-20, nil, -90])
                // The same analysis again changes nothing: no relink is asked for.
                let unchanged = try await c.recordAnalysis(ContentAnalysisResult(
                    sha256: two, duration: 720, keyframeInterval: 1, stretches: [ContentStretch(kind: .frozen, start: 20, end: 125)],
                    luma: [], level: []), node: "n2")
                #expect(unchanged == nil)
            }
        }
    }
}
