public import Foundation

/// One officer on one incident, from a dispatch (110 / CAD) export (SPEC §3).
public struct DispatchRow: Sendable, Equatable, Hashable {
    public var incidentID: String
    public var officerID: String
    public var receivedAt: Date?
    public var dispatchedAt: Date?
    public var arrivedAt: Date?
    public var clearedAt: Date?
    public var category: String?
    public var priority: String?
    public var station: String?
    public var location: String?
    /// What tells this officer's attendances at the incident apart, when the export has a column
    /// for it (a mapping's `attendance_id`); without one, the dispatch time does (issue 16).
    public var attendance: String?

    public init(
        incidentID: String, officerID: String, receivedAt: Date? = nil, dispatchedAt: Date? = nil,
        arrivedAt: Date? = nil, clearedAt: Date? = nil, category: String? = nil, priority: String? = nil,
        station: String? = nil, location: String? = nil, attendance: String? = nil
    ) {
        self.incidentID = incidentID
        self.officerID = officerID
        self.receivedAt = receivedAt
        self.dispatchedAt = dispatchedAt
        self.arrivedAt = arrivedAt
        self.clearedAt = clearedAt
        self.category = category
        self.priority = priority
        self.station = station
        self.location = location
        self.attendance = attendance
        if let attendance { attendanceKey = "id:" + attendance }
    }

    /// The catalog's key of this attendance beside incident and officer (issue 16): "id:" and
    /// the export's attendance value when it has that column; else "" for the officer's first
    /// attendance at the incident in the file and "n:2", "n:3", … for a unit dispatched again
    /// (a different dispatch time in the same file), in dispatch order. So a re-export of the
    /// same calls, times corrected, updates its rows instead of doubling them.
    public var attendanceKey: String = ""

    /// Numbers the attendances of each (incident, officer) among `rows` (one file's valid rows)
    /// by dispatch time, and sets their keys.
    public static func numberAttendances(_ rows: inout [(line: Int, row: DispatchRow)]) {
        var groups: [String: [Int]] = [:]
        for (i, r) in rows.enumerated() {
            if let attendance = r.row.attendance {
                rows[i].row.attendanceKey = "id:" + attendance
            } else {
                groups["\(r.row.incidentID)\u{1F}\(r.row.officerID)", default: []].append(i)
            }
        }
        for indices in groups.values {
            let ordered = indices.sorted {
                (rows[$0].row.dispatchedAt ?? .distantPast, rows[$0].line) < (rows[$1].row.dispatchedAt ?? .distantPast, rows[$1].line)
            }
            for (n, i) in ordered.enumerated() { rows[i].row.attendanceKey = n == 0 ? "" : "n:\(n + 1)" }
        }
    }

    /// The attendance value an `attendanceKey` was made from, if it came from a column.
    public static func attendance(fromKey key: String) -> String? {
        key.hasPrefix("id:") ? String(key.dropFirst(3)) : nil
    }

    /// Judged calls have both an arrival and a clearance (SPEC §7).
    public var isJudged: Bool { arrivedAt != nil && clearedAt != nil }

    public static let columns = [
        ColumnSpec("incident_id", aliases: ["警情编号"], required: true),
        ColumnSpec("officer_id", aliases: ["警号"], required: true),
        ColumnSpec("received_at", aliases: ["接警时间"]),
        ColumnSpec("dispatched_at", aliases: ["派警时间"]),
        ColumnSpec("arrived_at", aliases: ["到达时间", "到场时间"]),
        ColumnSpec("cleared_at", aliases: ["处警结束时间", "结束时间"]),
        ColumnSpec("category", aliases: ["警情类别"]),
        ColumnSpec("priority", aliases: ["警情级别"]),
        ColumnSpec("station", aliases: ["派出所", "处警单位"]),
        ColumnSpec("location", aliases: ["地址", "发案地点"]),
        ColumnSpec("attendance_id", aliases: ["派警序号"]),
    ]

    /// Validates one row (SPEC §3): required values present, every time readable, and the
    /// call not cleared before the officer arrived or was dispatched.
    public static func parse(
        _ fields: [String], columns: ColumnMap, times: TimeReader, nullValues: Set<String> = []
    ) -> Result<DispatchRow, RejectionReason> {
        func value(_ c: String) -> String? { columns.value(c, in: fields, nullValues: nullValues) }
        guard let incident = value("incident_id") else { return .failure(.missing("incident_id")) }
        guard let officer = value("officer_id") else { return .failure(.missing("officer_id")) }
        var parsed: [String: Date] = [:]
        for column in ["received_at", "dispatched_at", "arrived_at", "cleared_at"] {
            guard let text = value(column) else { continue }
            switch times.read(text, column: column) {
            case .success(let date): parsed[column] = date
            case .failure(let reason): return .failure(reason)
            }
        }
        let row = DispatchRow(
            incidentID: incident, officerID: officer, receivedAt: parsed["received_at"],
            dispatchedAt: parsed["dispatched_at"], arrivedAt: parsed["arrived_at"], clearedAt: parsed["cleared_at"],
            category: value("category"), priority: value("priority"), station: value("station"), location: value("location"),
            attendance: value("attendance_id"))
        if let cleared = row.clearedAt {
            if let arrived = row.arrivedAt, cleared < arrived { return .failure(.order("cleared_at", "arrived_at")) }
            if let dispatched = row.dispatchedAt, cleared < dispatched { return .failure(.order("cleared_at", "dispatched_at")) }
        }
        return .success(row)
    }
}
