import CustodyCore
import Foundation
import PropertyBased
import Testing

/// Algebraic properties of the coverage rule and linking (issue 4, acceptance 2).
@Suite struct CoveragePropertyTests {
    static let t0 = 1_707_874_200.0
    /// Clips as (start offset, length) in seconds around a window starting at 0.
    static let clipShapes = zip(Gen.int(in: -900...4500), Gen.int(in: 0...1500)).array(of: 0...12)

    static func intervals(_ shapes: [(Int, Int)]) -> [Interval] {
        shapes.map { Interval(Double($0.0), Double($0.0 + $0.1)) }
    }

    @Test func coveredPlusUncoveredIsTheWindow() async {
        await propertyCheck(count: 400, input: Gen.int(in: 1...3600), Self.clipShapes) { length, shapes in
            let window = Interval(0, Double(length))
            let j = CoverageRule.judge(window: window, clips: Self.intervals(shapes), policy: Policy())
            let uncovered = j.uncovered.reduce(0) { $0 + $1.length }
            #expect(abs(j.coveredSeconds + uncovered - window.length) < 1e-6)
            #expect(j.coverage >= 0 && j.coverage <= 1)
            #expect(abs(j.coverage - j.coveredSeconds / window.length) < 1e-9)
        }
    }

    @Test func findingsNeverOverlapAndStayInsideTheWindow() async {
        await propertyCheck(count: 400, input: Gen.int(in: 1...3600), Self.clipShapes) { length, shapes in
            let window = Interval(0, Double(length))
            let j = CoverageRule.judge(window: window, clips: Self.intervals(shapes), policy: Policy())
            let stretches = j.findings.map(\.stretch).sorted { $0.start < $1.start }
            for (a, b) in zip(stretches, stretches.dropFirst()) {
                #expect(a.end <= b.start, "\(a) overlaps \(b)")
            }
            for s in stretches {
                #expect(s.start >= window.start && s.end <= window.end && s.length > 0)
            }
            // no_recording stands alone, and only when nothing covers the window.
            if j.findings.contains(where: { $0.kind == .noRecording }) {
                #expect(j.findings.count == 1)
                #expect(j.coveredSeconds == 0)
            }
        }
    }

    /// A small random day: two officers, a few calls each, a few clips each.
    static let day = zip(
        zip(Gen.int(in: 0...20_000), Gen.int(in: 0...900), Gen.int(in: 0...3600), Gen.int(in: 0...1)).array(of: 0...6),
        zip(Gen.int(in: -1000...25_000), Gen.int(in: 0...4000), Gen.int(in: 0...2), Gen.int(in: 0...200_000)).array(of: 0...10))

    static func build(_ calls: [(Int, Int, Int, Int)], _ clips: [(Int, Int, Int, Int)]) -> ([DispatchRow], [ClipSpan]) {
        let rows = calls.enumerated().map { i, c in
            DispatchRow(
                incidentID: "110-\(i)", officerID: c.3 == 0 ? "A" : "B",
                dispatchedAt: Date(timeIntervalSince1970: t0 + Double(c.0)),
                arrivedAt: Date(timeIntervalSince1970: t0 + Double(c.0 + c.1)),
                clearedAt: Date(timeIntervalSince1970: t0 + Double(c.0 + c.1 + c.2)))
        }
        let spans = clips.enumerated().map { i, c in
            ClipSpan(
                id: Int64(i), sha256: "c\(i)", officerID: [nil, "A", "B"][c.2], start: t0 + Double(c.0),
                end: t0 + Double(c.0 + c.1), firstReceipt: t0 + Double(c.0 + c.1 + c.3))
        }
        return (rows, spans)
    }

    /// Links as (clip, incident, officer), independent of row order.
    static func linkSet(_ outcome: Linker.Outcome, _ rows: [DispatchRow]) -> Set<String> {
        Set(outcome.links.map { "\($0.clipID)|\(rows[$0.row].incidentID)|\(rows[$0.row].officerID)" })
    }

    @Test func linkingTwiceGivesTheSameResult() async {
        await propertyCheck(count: 200, input: Self.day) { day in
            let (rows, clips) = Self.build(day.0, day.1)
            let first = Linker.run(rows: rows, clips: clips, policy: Policy())
            let second = Linker.run(rows: rows, clips: clips, policy: Policy())
            #expect(first == second)
        }
    }

    @Test func inputOrderDoesNotChangeFindingsOrLinks() async {
        await propertyCheck(count: 200, input: Self.day, Gen.int(in: 0...Int.max)) { day, seed in
            let (rows, clips) = Self.build(day.0, day.1)
            var rng = SplitMix(seed: UInt64(seed))
            let shuffledRows = rows.shuffled(using: &rng)
            let shuffledClips = clips.shuffled(using: &rng)
            let a = Linker.run(rows: rows, clips: clips, policy: Policy())
            let b = Linker.run(rows: shuffledRows, clips: shuffledClips, policy: Policy())
            #expect(a.findings == b.findings)
            #expect(Self.linkSet(a, rows) == Self.linkSet(b, shuffledRows))
            #expect(a.unlinked == b.unlinked)
            #expect(a.unattributed == b.unattributed)
        }
    }
}

/// A tiny seeded generator so a shuffle can be replayed from the property's input.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
