import CustodyCore
import Foundation
import Testing

/// Issue 14's rule by hand: a clip's stretches inside a judged window become findings when the
/// part inside is longer than the kind's number; usable coverage loses the obscured and
/// frozen seconds once, however many stretches overlap.
@Suite struct ContentRuleTests {
    static let t0 = 1_707_874_200.0
    let window = Interval(t0, t0 + 600)

    func clip(_ id: Int64, _ start: Double, _ end: Double, _ stretches: [(ContentKind, Double, Double)]) -> ClipSpan {
        ClipSpan(
            id: id, sha256: "sha\(id)", officerID: "A", start: Self.t0 + start, end: Self.t0 + end, firstReceipt: nil,
            stretches: stretches.map { ContentStretch(kind: $0.0, start: Self.t0 + $0.1, end: Self.t0 + $0.2) })
    }

    @Test func onlyThePartInsideTheWindowCountsAndLongerThanIsStrict() {
        let c = clip(1, -100, 700, [(.obscured, -50, 10), (.obscured, 100, 111), (.frozen, 590, 650), (.muted, 200, 210)])
        let j = ContentRule.judge(window: window, clips: [c], coveredSeconds: 600, policy: ContentPolicy())
        // -50…10 is 10 s inside: not longer than 10. 100…111: 11 s. 590…600: 10 s. Muted 10 s: no.
        #expect(j.findings.map { "\($0.stretch.kind.rawValue) \(Int($0.stretch.start - Self.t0))…\(Int($0.stretch.end - Self.t0))" } == ["obscured 100…111"])
        #expect(j.findings.first?.clip.sha256 == "sha1")
        // Usable: 600 − (10 + 11 + 10) obscured or frozen; muted sound still shows the scene.
        #expect(abs(j.usableCoverage - 569.0 / 600) < 1e-9)
    }

    @Test func overlappingStretchesAreCountedOnceAndAFindingNamesItsClip() {
        let a = clip(1, 0, 300, [(.obscured, 50, 150)])
        let b = clip(2, 300, 600, [(.frozen, 320, 400), (.obscured, 350, 420)])
        let j = ContentRule.judge(window: window, clips: [b, a], coveredSeconds: 600, policy: ContentPolicy())
        #expect(j.findings.map(\.clip.id) == [1, 2, 2])
        // Lost: 100 + (320…420 = 100).
        #expect(abs(j.usableCoverage - 400.0 / 600) < 1e-9)
    }

    @Test func theLinkerAddsContentFindingsAndUsableCoverageWithoutTouchingTheCoverageKinds() {
        let row = DispatchRow(
            incidentID: "I-1", officerID: "A", dispatchedAt: nil, arrivedAt: Date(timeIntervalSince1970: Self.t0),
            clearedAt: Date(timeIntervalSince1970: Self.t0 + 600))
        let plain = ClipSpan(id: 1, sha256: "sha1", officerID: "A", start: Self.t0 + 60, end: Self.t0 + 600, firstReceipt: nil)
        var seen = plain
        seen.stretches = [ContentStretch(kind: .muted, start: Self.t0 + 100, end: Self.t0 + 200)]
        let before = Linker.run(rows: [row], clips: [plain], policy: Policy())
        let after = Linker.run(rows: [row], clips: [seen], policy: Policy())
        #expect(before.findings.map(\.kind) == [.lateStart])
        #expect(after.findings.map(\.kind) == [.lateStart, .mutedAudio])
        #expect(after.findings[0] == before.findings[0], "the late start is unchanged")
        let muted = after.findings[1]
        #expect(muted.clipSHA256 == "sha1" && muted.seconds == 100 && muted.usableCoverage == 0.9 && muted.coverage == 0.9)
        #expect(after.usable[0] == 0.9 && before.usable[0] == 0.9)
        #expect(muted.jsonValue.rendered.contains("\"kind\":\"muted_audio\"") && muted.jsonValue.rendered.contains("\"usable_coverage\":0.9"))
        #expect(!after.findings[0].jsonValue.rendered.contains("usable_coverage"))
        // An instant window has no content findings.
        let instant = ContentRule.judge(window: Interval(Self.t0, Self.t0), clips: [seen], coveredSeconds: 0, policy: ContentPolicy())
        #expect(instant.findings.isEmpty && instant.usableCoverage == 0)
    }
}
