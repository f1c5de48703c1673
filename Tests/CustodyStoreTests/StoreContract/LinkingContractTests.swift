import CustodyCore
import CustodyStore
import Foundation
import Testing

extension StoreContract {
    /// Links and findings (SPEC §6–§7) from a small hand-made set of officers, calls and clips,
    /// stored in the catalog and computed by it. Times are seconds after `Given.t0`.
    @Suite struct LinkingContractTests {
        /// Officer A: I-1 [0, 600] with a clip from 60 (late start, 60 s); I-2 [3600, 4200] covered
        /// by two clips 1 s apart (merged), the second handed in 25 h late; a clip far from any call.
        /// Officer B: I-1 [30, 600] with no clip; I-3 [7200, 7800] with a 20 s gap (interruption);
        /// I-4 [10000, 10600] whose clip stops 100 s early. One clip has no officer.
        static func handMade(_ c: Catalog) async throws {
            try await Given.dispatch(c, [
                Given.row("I-1", "A", from: 0, to: 600), Given.row("I-1", "B", from: 30, to: 600),
                Given.row("I-2", "A", from: 3600, to: 4200), Given.row("I-3", "B", from: 7200, to: 7800),
                Given.row("I-4", "B", from: 10000, to: 10600),
            ])
            try await Given.clip(c, 1, officer: "A", start: Given.at(60), duration: 540)
            try await Given.clip(c, 2, officer: "A", start: Given.at(3600), duration: 300)
            try await Given.clip(c, 3, officer: "A", start: Given.at(3901), duration: 299, received: Given.at(4200 + 25 * 3600))
            try await Given.clip(c, 4, officer: "A", start: Given.at(20000))
            try await Given.clip(c, 5, officer: "B", start: Given.at(7200), duration: 200)
            try await Given.clip(c, 6, officer: "B", start: Given.at(7420), duration: 380)
            try await Given.clip(c, 7, officer: "B", start: Given.at(10000), duration: 500)
            try await Given.clip(c, 8, officer: nil, start: Given.at(0))
        }

        static let expectedFindings = [
            "I-1 A late_start 0…60 (60 s)",
            "I-1 B no_recording 30…600 (570 s)",
            "I-2 A late_upload 4200…94200 (90000 s) clip 3",
            "I-3 B interruption 7400…7420 (20 s)",
            "I-4 B early_stop 10500…10600 (100 s)",
        ]

        static func describe(_ findings: [Finding]) -> [String] {
            let t0 = Given.t0.timeIntervalSince1970
            return findings.map { f in
                let clip = f.clipSHA256.map { " clip \(Int($0, radix: 16) ?? -1)" } ?? ""
                return "\(f.incidentID ?? "-") \(f.officerID) \(f.kind.rawValue) \(Int(f.start - t0))…\(Int(f.end - t0)) (\(f.seconds) s)\(clip)"
            }
        }

        static let expectedLinks: [String: [String]] = [
            "clip-1.mp4": ["I-1"], "clip-2.mp4": ["I-2"], "clip-3.mp4": ["I-2"], "clip-4.mp4": [],
            "clip-5.mp4": ["I-3"], "clip-6.mp4": ["I-3"], "clip-7.mp4": ["I-4"], "clip-8.mp4": [],
        ]

        @Test(arguments: Backend.allCases)
        func theHandMadeSetGivesTheExpectedLinks(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Self.handMade(c)
                let summary = try await c.relink(officers: nil, policy: Policy(), actor: "test")
                #expect(summary.links == 6 && summary.officers == 2)
                await #expect(try c.linkedIncidentsByOriginalName() == Self.expectedLinks)
                await #expect(try c.clips(ofOfficer: "A").map { "\($0.sha256 == Given.sha(4) ? "4" : $0.incidents.joined())" } == ["4", "I-2", "I-2", "I-1"])
                let figures = try await c.coverageFigures()
                #expect(figures.unattributedClips == 1 && figures.unlinkedClips == 1)
            }
        }

        @Test(arguments: Backend.allCases)
        func theHandMadeSetGivesTheExpectedFindings(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Self.handMade(c)
                let summary = try await c.relink(officers: nil, policy: Policy(), actor: "test")
                await #expect(Self.describe(try c.findings()) == Self.expectedFindings)
                #expect(summary.findings == 5 && summary.judged == 5 && summary.judgedWithFootage == 4)
                let figures = try await c.coverageFigures()
                #expect(figures.judged == 5 && figures.judgedWithFootage == 4 && figures.fullyCovered == 1)
                let lateStart = try await #require(try c.findings(.init(incidentID: "I-1", officerID: "A")).first)
                #expect(lateStart.windowStart == Given.at(0).timeIntervalSince1970 && lateStart.windowEnd == Given.at(600).timeIntervalSince1970)
                #expect(abs((lateStart.coverage ?? 0) - 0.9) < 1e-9)
                await #expect(try c.findings(.init(incidentID: "I-1", officerID: "B")).first?.coverage == 0)
                await #expect(try Given.actions(c).last == "relinked")
            }
        }

        @Test(arguments: Backend.allCases)
        func findingsAreFilteredByIncidentOfficerAndTime(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Self.handMade(c)
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                await #expect(Self.describe(try c.findings(.init(incidentID: "I-1"))) == Array(Self.expectedFindings[0...1]))
                await #expect(Self.describe(try c.findings(.init(officerID: "B"))) == [1, 3, 4].map { Self.expectedFindings[$0] })
                await #expect(Self.describe(try c.findings(.init(since: Given.at(7000), until: Given.at(8000)))) == [2, 3].map { Self.expectedFindings[$0] })
                await #expect(try c.findings(.init(incidentID: "I-9")).isEmpty)
            }
        }

        @Test(arguments: Backend.allCases)
        func relinkingAgainChangesNothing(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Self.handMade(c)
                let first = try await c.relink(officers: nil, policy: Policy(), actor: "test")
                await #expect(try c.refreshQueue(sampleShare: 0) == 7)
                let findings = try await c.findings(), links = try await c.linkedIncidentsByOriginalName(), figures = try await c.coverageFigures()
                let items = try await c.queue(state: nil, limit: 50, offset: 0).items
                for officers in [nil, Set(["A"]), Set(["A", "B"])] as [Set<String>?] {
                    let again = try await c.relink(officers: officers, policy: Policy(), actor: "test")
                    if officers == nil || officers == ["A", "B"] { #expect(again == first) }
                    await #expect(try c.findings() == findings)
                    await #expect(try c.linkedIncidentsByOriginalName() == links)
                    await #expect(try c.coverageFigures() == figures)
                    await #expect(try c.refreshQueue(sampleShare: 0) == 0)
                    await #expect(try c.queue(state: nil, limit: 50, offset: 0).items == items)
                }
            }
        }

        @Test(arguments: Backend.allCases)
        func relinkingOneOfficerRecomputesOnlyTheirs(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Self.handMade(c)
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                // A clip for B's I-1 arrives but only A is relinked: B's finding stays until B is.
                try await Given.clip(c, 11, officer: "B", start: Given.at(30), duration: 570)
                try await c.relink(officers: ["A"], policy: Policy(), actor: "test")
                await #expect(Self.describe(try c.findings()) == Self.expectedFindings)
                let summary = try await c.relink(officers: ["B"], policy: Policy(), actor: "test")
                #expect(summary.officers == 1 && summary.judged == 3 && summary.findings == 2)
                await #expect(Self.describe(try c.findings()) == [0, 2, 3, 4].map { Self.expectedFindings[$0] })
                await #expect(try c.linkedIncidentsByOriginalName()["clip-11.mp4"] == ["I-1"])
            }
        }

        @Test(arguments: Backend.allCases)
        func aClipThatCoversACallWithdrawsItsOpenItemButNotAClosedOne(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Self.handMade(c)
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                try await c.refreshQueue(sampleShare: 0)
                let open = try await #require(try c.reviewItemID(incident: "I-1", officer: "B"))
                let closed = try await #require(try c.reviewItemID(incident: "I-4", officer: "B"))
                _ = try await c.claim(closed, by: "ann", lease: 600)
                _ = try await c.recordVerdict(closed, by: "ann", verdict: "violation", checklist: ["early_deactivation"], note: nil)

                try await Given.clip(c, 11, officer: "B", start: Given.at(30), duration: 570)
                try await Given.clip(c, 12, officer: "B", start: Given.at(10500), duration: 100)
                try await c.relinkAndRefreshQueue(officers: ["B"], policy: Policy(), actor: "test")
                await #expect(try c.findings(.init(incidentID: "I-1", officerID: "B")).isEmpty)
                await #expect(try c.reviewItem(open) == nil)
                await #expect(try c.auditEntries().contains { $0.action == "queue-withdrawn" && $0.subject == "queue:\(open)" })
                let kept = try await #require(try c.reviewItem(closed))
                #expect(kept.state == "closed" && kept.verdict == "violation")
            }
        }

        @Test(arguments: Backend.allCases)
        func aClipLinksFromFiveMinutesBeforeDispatchToTenMinutesAfterClearance(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                // Dispatched at 19880, arrived 20000, cleared 20600: the span is [19580, 21200].
                try await Given.dispatch(c, [Given.row("I-5", "C", from: 20000, to: 20600)])
                try await Given.clip(c, 1, officer: "C", start: Given.at(19500), duration: 81)  // ends at 19581
                try await Given.clip(c, 2, officer: "C", start: Given.at(19500), duration: 79)  // ends at 19579
                try await Given.clip(c, 3, officer: "C", start: Given.at(21199), duration: 60)
                try await Given.clip(c, 4, officer: "C", start: Given.at(21201), duration: 60)
                try await Given.clip(c, 5, officer: "D", start: Given.at(20000), duration: 600)  // another officer's
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                let links = try await c.linkedIncidentsByOriginalName()
                #expect(links == ["clip-1.mp4": ["I-5"], "clip-2.mp4": [], "clip-3.mp4": ["I-5"], "clip-4.mp4": [], "clip-5.mp4": []])
                // Linked, yet none of them records the required window [arrived, cleared].
                await #expect(Self.describe(try c.findings()) == ["I-5 C no_recording 20000…20600 (600 s)"])
            }
        }

        @Test(arguments: Backend.allCases)
        func theIncidentAndClipViewsShowTheLinksAndFindings(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Self.handMade(c)
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                let incident = try await #require(try c.incidentDetail("I-1")).rendered
                #expect(incident.contains("\"officer_id\":\"A\"") && incident.contains("\"officer_id\":\"B\""))
                #expect(incident.contains(Given.sha(1)) && !incident.contains(Given.sha(2)))
                #expect(incident.contains("\"late_start\"") && incident.contains("\"no_recording\""))
                await #expect(try c.incidentDetail("I-9") == nil)
                let clip = try await c.clipDetail(try #require(try c.evidence(sha256: Given.sha(3)))).rendered
                #expect(clip.contains("\"incidents\":[\"I-2\"]") && clip.contains("\"late_upload\""))
                await #expect(try c.officers(ofClips: [Given.sha(1), Given.sha(5), Given.sha(8)]) == ["A", "B"])
            }
        }
    }
}
