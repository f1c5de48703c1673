public import CustodyCore
import Foundation

extension Catalog {
    /// What an import changed.
    public struct DispatchUpsert: Sendable, Equatable {
        public var new = 0
        public var updated = 0
        public var unchanged = 0
        public var newIncidents = 0
        public var updatedIncidents = 0
        /// Officers whose rows changed (old and new officer alike), for relinking.
        public var officers: Set<String> = []
        /// Calls (incident, officer) of this import that now hold more than one attendance: a
        /// unit dispatched to the incident again (issue 16), sorted.
        public var redispatched: [Pair] = []

        public struct Pair: Sendable, Equatable, Hashable, Comparable {
            public var incidentID: String
            public var officerID: String
            public init(incidentID: String, officerID: String) {
                self.incidentID = incidentID
                self.officerID = officerID
            }
            public static func < (a: Pair, b: Pair) -> Bool { (a.incidentID, a.officerID) < (b.incidentID, b.officerID) }
        }
    }

    /// Inserts or updates dispatch rows keyed by (incident, officer, attendance), in one transaction.
    public func upsertDispatch(_ rows: [(line: Int, row: DispatchRow)], source: String, actor: String) async throws -> DispatchUpsert {
        try await backend.write { db in
            var result = DispatchUpsert()
            var touchedIncidents: [String: Bool] = [:]  // incident → existed before this import
            var changedIncidents = Set<String>()
            let now = Date().timeIntervalSince1970
            var pairs = Set<DispatchUpsert.Pair>()
            for (line, row) in rows {
                pairs.insert(DispatchUpsert.Pair(incidentID: row.incidentID, officerID: row.officerID))
                if touchedIncidents[row.incidentID] == nil {
                    touchedIncidents[row.incidentID] = try Bool.fetchOne(
                        db, sql: "SELECT EXISTS (SELECT 1 FROM dispatch_rows WHERE incident_id = ?)", arguments: [row.incidentID]) ?? false
                }
                let values = Self.values(row)
                let key = row.attendanceKey
                if let existing = try SQLRow.fetchOne(
                    db, sql: "SELECT * FROM dispatch_rows WHERE incident_id = ? AND officer_id = ? AND attendance_key = ?",
                    arguments: [row.incidentID, row.officerID, key])
                {
                    if Self.dispatchRow(existing) == row {
                        result.unchanged += 1
                        continue
                    }
                    try db.execute(
                        sql: """
                            UPDATE dispatch_rows SET received_at = ?, dispatched_at = ?, arrived_at = ?, cleared_at = ?, category = ?,
                                priority = ?, station = ?, location = ?, source = ?, line = ?, imported_at = ?
                            WHERE id = ?
                            """,
                        arguments: SQLArguments(values + [source, line, now, existing["id"] as Int64]))
                    result.updated += 1
                } else {
                    try db.execute(
                        sql: """
                            INSERT INTO dispatch_rows (received_at, dispatched_at, arrived_at, cleared_at, category, priority, station,
                                location, source, line, imported_at, incident_id, officer_id, attendance_key)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: SQLArguments(values + [source, line, now, row.incidentID, row.officerID, key]))
                    result.new += 1
                    try db.execute(sql: "INSERT OR IGNORE INTO officers (id) VALUES (?)", arguments: [row.officerID])
                }
                result.officers.insert(row.officerID)
                changedIncidents.insert(row.incidentID)
            }
            // Calls of this import with more than one attendance, a few hundred incidents a query.
            let incidents = Array(Set(pairs.map(\.incidentID))).sorted()
            var several: [DispatchUpsert.Pair] = []
            for chunk in incidents.chunked(500) {
                for r in try SQLRow.fetchAll(
                    db, sql: """
                        SELECT incident_id, officer_id FROM dispatch_rows WHERE incident_id IN (\(databaseQuestionMarks(count: chunk.count)))
                        GROUP BY incident_id, officer_id HAVING COUNT(*) > 1
                        """, arguments: SQLArguments(chunk))
                {
                    let pair = DispatchUpsert.Pair(incidentID: r[0], officerID: r[1])
                    if pairs.contains(pair) { several.append(pair) }
                }
            }
            result.redispatched = several.sorted()
            result.newIncidents = touchedIncidents.values.filter { !$0 }.count
            // Incidents that existed and had a row added or changed.
            result.updatedIncidents = changedIncidents.filter { touchedIncidents[$0] == true }.count
            if result.new + result.updated > 0 {
                try AuditLog.append(db, actor: actor, action: "dispatch-imported", subject: source, detail: .object([
                    ("new", .int(Int64(result.new))), ("updated", .int(Int64(result.updated))),
                ]))
            }
            return result
        }
    }

    private static func values(_ row: DispatchRow) -> [(any SQLBindable)?] {
        [row.receivedAt?.timeIntervalSince1970, row.dispatchedAt?.timeIntervalSince1970, row.arrivedAt?.timeIntervalSince1970,
         row.clearedAt?.timeIntervalSince1970, row.category, row.priority, row.station, row.location]
    }

    static func dispatchRow(_ r: SQLRow) -> DispatchRow {
        func date(_ column: String) -> Date? { (r[column] as Double?).map { Date(timeIntervalSince1970: $0) } }
        var row = DispatchRow(
            incidentID: r["incident_id"], officerID: r["officer_id"], receivedAt: date("received_at"),
            dispatchedAt: date("dispatched_at"), arrivedAt: date("arrived_at"), clearedAt: date("cleared_at"),
            category: r["category"], priority: r["priority"], station: r["station"], location: r["location"],
            attendance: DispatchRow.attendance(fromKey: r["attendance_key"]))
        row.attendanceKey = r["attendance_key"]
        return row
    }

    public func dispatchRowCount() async throws -> Int {
        try await backend.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dispatch_rows") ?? 0 }
    }

    public func dispatchRows(incident: String) async throws -> [DispatchRow] {
        try await backend.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM dispatch_rows WHERE incident_id = ? ORDER BY officer_id, dispatched_at, id", arguments: [incident])
                .map(Self.dispatchRow)
        }
    }
}
