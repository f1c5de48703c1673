import CustodyCore
import Foundation
import Testing

/// The 110 handling rule (issue 15): each kind at its boundary, the per-priority and
/// per-category limits, and the as-of rule.
@Suite struct HandlingRuleTests {
    static let t0 = Date(timeIntervalSince1970: 1_707_870_000)  // 2024-02-14T00:20:00Z
    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }
    static let late = at(30 * 24 * 3600)  // long after everything: all times known

    static func row(received: Double? = 0, dispatched: Double? = nil, arrived: Double? = nil, cleared: Double? = nil,
                    priority: String? = nil, category: String? = nil) -> DispatchRow {
        DispatchRow(incidentID: "110-1", officerID: "012345", receivedAt: received.map(at), dispatchedAt: dispatched.map(at),
                    arrivedAt: arrived.map(at), clearedAt: cleared.map(at), category: category, priority: priority, station: "城关派出所")
    }

    static func kinds(_ row: DispatchRow, _ policy: HandlingPolicy = HandlingPolicy(), asOf: Date = late) -> [HandlingKind] {
        HandlingRule.evaluate(row, policy: policy, asOf: asOf).map(\.kind)
    }

    @Test func slowDispatchIsStrictlyLongerThanTheLimit() throws {
        #expect(Self.kinds(Self.row(dispatched: 180, arrived: 300, cleared: 900)) == [])
        let over = HandlingRule.evaluate(Self.row(dispatched: 181, arrived: 300, cleared: 900), policy: HandlingPolicy(), asOf: Self.late)
        #expect(over.map(\.kind) == [.slowDispatch])
        let f = try #require(over.first)
        #expect(f.seconds == 181 && f.limitSeconds == 180 && f.start == Self.at(0).timeIntervalSince1970 && f.end == Self.at(181).timeIntervalSince1970)
        #expect(f.station == "城关派出所")
    }

    @Test func slowArrivalIsStrictlyLongerThanTheLimit() {
        #expect(Self.kinds(Self.row(dispatched: 60, arrived: 960, cleared: 2000)) == [])
        #expect(Self.kinds(Self.row(dispatched: 60, arrived: 961, cleared: 2000)) == [.slowArrival])
    }

    @Test func noArrivalCountsFromDispatchToTheAsOfInstant() throws {
        let open = Self.row(dispatched: 60)
        #expect(Self.kinds(open, asOf: Self.at(60 + 7200)) == [])
        let found = HandlingRule.evaluate(open, policy: HandlingPolicy(), asOf: Self.at(60 + 7201))
        #expect(found.map(\.kind) == [.noArrival])
        #expect(found.first?.seconds == 7201 && found.first?.end == Self.at(60 + 7201).timeIntervalSince1970)
        // Cleared without an arrival (cancelled on the way): closed, no finding.
        #expect(Self.kinds(Self.row(dispatched: 60, cleared: 600)) == [])
        // Not even dispatched: neither step can be judged.
        #expect(Self.kinds(Self.row(), asOf: Self.late) == [])
    }

    @Test func notClosedCountsFromArrivalElseDispatch() {
        let arrived = Self.row(dispatched: 60, arrived: 600)
        #expect(Self.kinds(arrived, asOf: Self.at(600 + 86400)) == [])
        #expect(Self.kinds(arrived, asOf: Self.at(600 + 86401)) == [.notClosed])
        // Never reached: counted from the dispatch, beside no_arrival.
        #expect(Self.kinds(Self.row(dispatched: 60), asOf: Self.at(60 + 86401)) == [.noArrival, .notClosed])
    }

    @Test func timesAfterTheAsOfInstantHaveNotHappenedYet() {
        // Cleared two days later: as of the first day's end it was open; as of later, closed.
        let row = Self.row(dispatched: 60, arrived: 600, cleared: 3 * 86400)
        #expect(Self.kinds(row, asOf: Self.at(600 + 86401)) == [.notClosed])
        #expect(Self.kinds(row, asOf: Self.at(3 * 86400)) == [])
        // A dispatch after the instant: no slow_dispatch yet.
        #expect(Self.kinds(Self.row(dispatched: 600, arrived: 700, cleared: 900), asOf: Self.at(500)) == [])
    }

    @Test func categoryOverPriorityOverTheDefaultKeyByKey() {
        var policy = HandlingPolicy()
        policy.byPriority["一级"] = HandlingOverride(dispatchSeconds: 60, arrivalSeconds: 300)
        policy.byCategory["噪音扰民"] = HandlingOverride(arrivalSeconds: 1800)
        let both = policy.limits(priority: "一级", category: "噪音扰民")
        #expect(both.dispatchSeconds == 60 && both.arrivalSeconds == 1800 && both.notClosedSeconds == 86400)
        #expect(policy.limits(priority: "九级", category: "其他") == HandlingLimits.defaults)
        // 61 s to dispatch an emergency is slow; the default allows it.
        #expect(Self.kinds(Self.row(dispatched: 61, arrived: 100, cleared: 900, priority: "一级"), policy) == [.slowDispatch])
        #expect(Self.kinds(Self.row(dispatched: 61, arrived: 100, cleared: 900), policy) == [])
        // 1000 s to arrive at a noise complaint is within its category's limit, even at priority 一级.
        #expect(Self.kinds(Self.row(dispatched: 10, arrived: 1010, cleared: 2000, priority: "一级", category: "噪音扰民"), policy) == [])
        #expect(Self.kinds(Self.row(dispatched: 10, arrived: 1010, cleared: 2000, priority: "一级"), policy) == [.slowArrival])
    }

    @Test func jsonCarriesTheContractFields() throws {
        let f = try #require(HandlingRule.evaluate(Self.row(dispatched: 200, arrived: 300, cleared: 900), policy: HandlingPolicy(), asOf: Self.late).first)
        let line = f.jsonValue.rendered
        for field in ["\"kind\":\"slow_dispatch\"", "\"incident_id\":\"110-1\"", "\"officer_id\":\"012345\"", "\"seconds\":200",
                      "\"limit_seconds\":180", "\"start\":\"2024-02-14T00:20:00Z\"", "\"end\":\"2024-02-14T00:23:20Z\""] {
            #expect(line.contains(field), "\(line)")
        }
    }
}
