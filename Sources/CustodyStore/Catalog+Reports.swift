public import CustodyCore
public import Foundation

extension Catalog {
    /// The report figures of [start, end): calls (dispatch rows) by their arrival, with their
    /// coverage and coverage findings; late uploads by when the clip ended; verdicts by when
    /// they were recorded. Call figures go to the call's station; late uploads without a call
    /// and reviews of clips go to the officer's station (that of their latest call up to `end`).
    public func periodFigures(from start: Date, to end: Date) async throws -> PeriodFigures {
        let (s, e) = (start.timeIntervalSince1970, end.timeIntervalSince1970)
        return try await backend.read { db in
            var f = PeriodFigures()
            var homes: [String: String] = [:]
            func home(_ officer: String) throws -> String {
                if let known = homes[officer] { return known }
                let station = try String.fetchOne(db, sql: """
                    SELECT station FROM dispatch_rows WHERE officer_id = ? AND station IS NOT NULL
                    ORDER BY COALESCE(arrived_at, dispatched_at, received_at) < ? DESC\(db.dialect.nullsLast), COALESCE(arrived_at, dispatched_at, received_at) DESC\(db.dialect.nullsLast), id DESC
                    LIMIT 1
                    """, arguments: [officer, e]) ?? ""
                homes[officer] = station
                return station
            }
            for r in try SQLRow.fetchAll(db, sql: """
                SELECT d.officer_id, COALESCE(d.station, ''), c.coverage, c.findings FROM dispatch_rows d
                JOIN coverage c ON c.row_id = d.id WHERE d.arrived_at >= ? AND d.arrived_at < ?
                """, arguments: [s, e]) {
                let (coverage, findings): (Double, Int) = (r[2], r[3])
                f.add(station: r[1], officer: r[0]) { $0.addCall(coverage: coverage, findings: findings) }
            }
            for r in try SQLRow.fetchAll(db, sql: """
                SELECT f.kind, f.officer_id, COALESCE(d.station, '') FROM dispatch_rows d
                JOIN findings f ON f.incident_id = d.incident_id AND f.officer_id = d.officer_id
                WHERE d.arrived_at >= ? AND d.arrived_at < ? AND f.kind != 'late_upload'
                """, arguments: [s, e]) {
                guard let kind = FindingKind(rawValue: r[0]) else { continue }
                f.add(station: r[2], officer: r[1]) { $0.addFinding(kind) }
            }
            for r in try SQLRow.fetchAll(db, sql: """
                SELECT f.officer_id, (SELECT COALESCE(d.station, '') FROM dispatch_rows d WHERE d.incident_id = f.incident_id AND d.officer_id = f.officer_id)
                FROM findings f WHERE f.kind = 'late_upload' AND f.start >= ? AND f.start < ?
                """, arguments: [s, e]) {
                let officer: String = r[0]
                let station: String = try (r[1] as String?) ?? home(officer)
                f.add(station: station, officer: officer) { $0.addFinding(.lateUpload) }
            }
            for r in try SQLRow.fetchAll(db, sql: """
                SELECT v.verdict, i.officer_id,
                    (SELECT COALESCE(d.station, '') FROM dispatch_rows d WHERE d.incident_id = i.incident_id AND d.officer_id = i.officer_id)
                FROM reviews v LEFT JOIN review_items i ON i.id = v.item_id WHERE v.at >= ? AND v.at < ?
                """, arguments: [s, e]) {
                let verdict: String = r[0]
                let officer: String? = r[1]
                let station: String? = try (r[2] as String?) ?? officer.map(home)
                f.add(station: station, officer: officer) { $0.addReview(verdict: verdict) }
            }
            for officer in f.officers.keys { f.officerStations[officer] = try home(officer) }
            return f
        }
    }

    /// A daily or weekly report as the catalog stands: the period beside the one before, and
    /// the handling chain of each judged as of its own end (so a past day's report comes out
    /// the same until an import changes that day's own times).
    public func periodReport(_ period: ReportPeriod, zone: TimeZone, handling policy: HandlingPolicy = HandlingPolicy()) async throws -> PeriodReport {
        let now = period.interval(in: zone), before = period.previous.interval(in: zone)
        let handling = HandlingSection(
            current: try await handlingPeriod(policy: policy, from: now.start, to: now.end),
            previous: try await handlingPeriod(policy: policy, from: before.start, to: before.end))
        return await PeriodReport(
            period: period, zone: zone, current: try periodFigures(from: now.start, to: now.end),
            previous: try periodFigures(from: before.start, to: before.end), handling: handling)
    }

    /// The handling figures of [start, end), as of `end`: calls received in the span (else
    /// dispatched), and every call open at `end` past its no_arrival or not_closed limit.
    public func handlingPeriod(policy: HandlingPolicy, from start: Date, to end: Date) async throws -> HandlingPeriod {
        let (s, e) = (start.timeIntervalSince1970, end.timeIntervalSince1970)
        return try await backend.read { db in
            var period = HandlingPeriod(asOf: end)
            try db.forEachRow(sql: """
                SELECT * FROM dispatch_rows WHERE COALESCE(received_at, dispatched_at) >= ? AND COALESCE(received_at, dispatched_at) < ?
                """, arguments: [s, e]) { period.addCall(Self.dispatchRow($0), policy: policy) }
            try db.forEachRow(sql: """
                SELECT * FROM dispatch_rows WHERE (cleared_at IS NULL OR cleared_at > ?) AND COALESCE(arrived_at, dispatched_at) < ?
                """, arguments: [e, e]) { period.addOpen(Self.dispatchRow($0), policy: policy) }
            period.finish()
            return period
        }
    }

    /// Officers with a call or a clip on [start, end): any of the call's times, the clip's
    /// start, or a hand-in in the span. What the nightly audit relinks for its day.
    public func officersActive(from start: Date, to end: Date) async throws -> Set<String> {
        let (s, e) = (start.timeIntervalSince1970, end.timeIntervalSince1970)
        return try await backend.read { db in
            var officers = Set(try String.fetchAll(db, sql: """
                SELECT DISTINCT officer_id FROM dispatch_rows WHERE (received_at >= ?1 AND received_at < ?2)
                    OR (dispatched_at >= ?1 AND dispatched_at < ?2) OR (arrived_at >= ?1 AND arrived_at < ?2) OR (cleared_at >= ?1 AND cleared_at < ?2)
                """, arguments: [s, e]))
            officers.formUnion(try String.fetchAll(db, sql: """
                SELECT DISTINCT officer_id FROM evidence WHERE officer_id IS NOT NULL AND ((start_time >= ?1 AND start_time < ?2)
                    OR sha256 IN (SELECT sha256 FROM receipts WHERE (received_at >= ?1 AND received_at < ?2) OR (recorded_at >= ?1 AND recorded_at < ?2)))
                """, arguments: [s, e]))
            return officers
        }
    }

    /// The queue item for a call (incident, officer), or for a clip, if there is one.
    public func reviewItemID(incident: String, officer: String?) async throws -> Int64? {
        try await backend.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT id FROM review_items WHERE incident_id = ? \(officer == nil ? "" : "AND officer_id = ?") ORDER BY state = 'closed', priority LIMIT 1",
                arguments: officer.map { [incident, $0] } ?? [incident])
        }
    }

    public func reviewItemID(clip sha256: String) async throws -> Int64? {
        try await backend.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM review_items WHERE clip_sha256 = ? LIMIT 1", arguments: [sha256]) }
    }
}
