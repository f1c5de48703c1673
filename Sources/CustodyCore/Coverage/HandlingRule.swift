public import Foundation

/// The 110 handling steps a legal-affairs office checks beside the camera (接警 received, 派警
/// dispatched, 到场 arrived, 处警 cleared), judged per dispatch row as of an instant.
public enum HandlingKind: String, Sendable, Equatable, Hashable, CaseIterable {
    /// Received → dispatched took longer than the limit (接警/派警).
    case slowDispatch = "slow_dispatch"
    /// Dispatched → arrived took longer than the limit (出警/到场).
    case slowArrival = "slow_arrival"
    /// Dispatched, and no arrival recorded the limit later.
    case noArrival = "no_arrival"
    /// Arrived (or dispatched), and no clearance recorded the limit later (不闭环).
    case notClosed = "not_closed"

    /// The kinds a supervisor chases: a queue item each.
    public var isQueued: Bool { self == .noArrival || self == .notClosed }
}

/// The limits of one call: the default, or a priority's or category's own.
public struct HandlingLimits: Sendable, Equatable {
    /// Received → dispatched, seconds.
    public var dispatchSeconds: Double
    /// Dispatched → arrived, seconds.
    public var arrivalSeconds: Double
    /// Dispatched without an arrival for longer than this: `no_arrival`.
    public var noArrivalSeconds: Double
    /// Arrived (or dispatched) without a clearance for longer than this: `not_closed`.
    public var notClosedSeconds: Double

    public init(dispatchSeconds: Double, arrivalSeconds: Double, noArrivalSeconds: Double, notClosedSeconds: Double) {
        self.dispatchSeconds = dispatchSeconds
        self.arrivalSeconds = arrivalSeconds
        self.noArrivalSeconds = noArrivalSeconds
        self.notClosedSeconds = notClosedSeconds
    }

    /// Custody's defaults (`config.toml` `[handling]`): 3 min to dispatch, 15 min to arrive,
    /// 2 h without an arrival, 24 h without a clearance. See the README for why.
    public static let defaults = HandlingLimits(dispatchSeconds: 180, arrivalSeconds: 900, noArrivalSeconds: 2 * 3600, notClosedSeconds: 24 * 3600)
}

/// Some of the four limits, for one priority or category (a key left out keeps the value below it).
public struct HandlingOverride: Sendable, Equatable {
    public var dispatchSeconds: Double?
    public var arrivalSeconds: Double?
    public var noArrivalSeconds: Double?
    public var notClosedSeconds: Double?

    public init(dispatchSeconds: Double? = nil, arrivalSeconds: Double? = nil, noArrivalSeconds: Double? = nil, notClosedSeconds: Double? = nil) {
        self.dispatchSeconds = dispatchSeconds
        self.arrivalSeconds = arrivalSeconds
        self.noArrivalSeconds = noArrivalSeconds
        self.notClosedSeconds = notClosedSeconds
    }

    public func applied(to limits: HandlingLimits) -> HandlingLimits {
        HandlingLimits(
            dispatchSeconds: dispatchSeconds ?? limits.dispatchSeconds, arrivalSeconds: arrivalSeconds ?? limits.arrivalSeconds,
            noArrivalSeconds: noArrivalSeconds ?? limits.noArrivalSeconds, notClosedSeconds: notClosedSeconds ?? limits.notClosedSeconds)
    }
}

/// `[handling]` with its `[handling.priority."P"]` and `[handling.category."C"]` overrides.
public struct HandlingPolicy: Sendable, Equatable {
    public var defaults = HandlingLimits.defaults
    public var byPriority: [String: HandlingOverride] = [:]
    public var byCategory: [String: HandlingOverride] = [:]

    public init() {}

    /// Key by key, the call's category over its priority over the default; unknown values
    /// fall back to the default.
    public func limits(priority: String?, category: String?) -> HandlingLimits {
        var limits = defaults
        if let priority, let o = byPriority[priority] { limits = o.applied(to: limits) }
        if let category, let o = byCategory[category] { limits = o.applied(to: limits) }
        return limits
    }
}

/// One handling finding: a step slower than its limit, or a call left open.
public struct HandlingFinding: Sendable, Equatable, Hashable {
    public var incidentID: String
    public var officerID: String
    public var kind: HandlingKind
    /// Seconds since 1970: the delay's start and end (for an open call, its end is the as-of instant).
    public var start: Double
    public var end: Double
    public var limitSeconds: Double
    public var station: String?

    public init(incidentID: String, officerID: String, kind: HandlingKind, start: Double, end: Double, limitSeconds: Double, station: String? = nil) {
        self.incidentID = incidentID
        self.officerID = officerID
        self.kind = kind
        self.start = start
        self.end = end
        self.limitSeconds = limitSeconds
        self.station = station
    }

    /// The measured delay, or how long the call has been open, in whole seconds.
    public var seconds: Int { Int((end - start).rounded()) }

    public static func printOrder(_ a: HandlingFinding, _ b: HandlingFinding) -> Bool {
        (a.incidentID, a.officerID, a.kind.rawValue, a.start) < (b.incidentID, b.officerID, b.kind.rawValue, b.start)
    }
}

extension HandlingFinding: JSONLineConvertible {
    /// The contract's fields: `kind`, `incident_id`, `officer_id`, `seconds`, `limit_seconds`, `start`, `end`.
    public var jsonValue: JSONValue {
        var o = JSONObjectBuilder()
        o.add("incident_id", incidentID)
        o.add("officer_id", officerID)
        o.add("kind", kind.rawValue)
        o.add("start", Timestamp.format(Date(timeIntervalSince1970: start)))
        o.add("end", Timestamp.format(Date(timeIntervalSince1970: end)))
        o.add("seconds", seconds)
        o.add("limit_seconds", Int(limitSeconds.rounded()))
        o.add("station", station, null: true)
        return o.value
    }
}

/// Judges one dispatch row's handling as of an instant. A time after `asOf` has not happened
/// yet, so judging a past day again gives the same answer however much was imported since,
/// unless an import changed that day's own times. "Longer than" is strict: a delay equal to
/// its limit is no finding.
public enum HandlingRule {
    /// A row's time in seconds, or nil when it is missing or after `asOf` (not happened yet).
    public static func known(_ date: Date?, asOf: Date) -> Double? {
        guard let t = date?.timeIntervalSince1970, t <= asOf.timeIntervalSince1970 else { return nil }
        return t
    }

    public static func evaluate(_ row: DispatchRow, policy: HandlingPolicy, asOf: Date) -> [HandlingFinding] {
        let now = asOf.timeIntervalSince1970
        func known(_ d: Date?) -> Double? { Self.known(d, asOf: asOf) }
        let received = known(row.receivedAt), dispatched = known(row.dispatchedAt)
        let arrived = known(row.arrivedAt), cleared = known(row.clearedAt)
        let limits = policy.limits(priority: row.priority, category: row.category)
        var out: [HandlingFinding] = []
        func add(_ kind: HandlingKind, _ start: Double, _ end: Double, _ limit: Double) {
            out.append(HandlingFinding(
                incidentID: row.incidentID, officerID: row.officerID, kind: kind, start: start, end: end,
                limitSeconds: limit, station: row.station))
        }
        if let received, let dispatched, dispatched - received > limits.dispatchSeconds {
            add(.slowDispatch, received, dispatched, limits.dispatchSeconds)
        }
        if let dispatched, let arrived, arrived - dispatched > limits.arrivalSeconds {
            add(.slowArrival, dispatched, arrived, limits.arrivalSeconds)
        }
        if let dispatched, arrived == nil, cleared == nil, now - dispatched > limits.noArrivalSeconds {
            add(.noArrival, dispatched, now, limits.noArrivalSeconds)
        }
        if cleared == nil, let since = arrived ?? dispatched, now - since > limits.notClosedSeconds {
            add(.notClosed, since, now, limits.notClosedSeconds)
        }
        return out
    }
}
