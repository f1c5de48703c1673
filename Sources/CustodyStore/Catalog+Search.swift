public import Foundation

/// The order of a filtered queue page.
public enum QueueSort: String, Sendable, CaseIterable {
    /// Review order, as `queue(state:…)`: priority, then oldest, then id.
    case priority
    /// Most recent call or clip first (undated items last), then the newest item.
    case newest
    /// Oldest call or clip first (undated items first), then the oldest item.
    case oldest
    /// By item id.
    case id
}

/// Which review items a queue page shows. Every field narrows; nil matches all.
public struct QueueFilter: Sendable, Equatable {
    /// `open`, `claimed` or `closed` (a lapsed claim reads as open, as in `queue(state:…)`).
    public var state: String?
    /// Incidents whose id starts with this (case-sensitive on every backend).
    public var incident: String?
    /// The exact officer id.
    public var officer: String?
    /// The call's station, from the dispatch rows of the item's incident (any row).
    public var station: String?
    /// The call's category, from the dispatch rows of the item's incident (any row).
    public var category: String?
    /// The item's reason: a finding kind, `unreadable`, `unattributed`, `unlinked`, `sample`, `requested`.
    public var reason: String?
    /// Who holds the claim or recorded the verdict.
    public var reviewer: String?
    /// Items whose call or clip is at or after this instant.
    public var from: Date?
    /// Items whose call or clip is before this instant.
    public var to: Date?
    public var sort: QueueSort = .priority

    public init(
        state: String? = nil, incident: String? = nil, officer: String? = nil, station: String? = nil, category: String? = nil,
        reason: String? = nil, reviewer: String? = nil, from: Date? = nil, to: Date? = nil, sort: QueueSort = .priority
    ) {
        self.state = state
        self.incident = incident
        self.officer = officer
        self.station = station
        self.category = category
        self.reason = reason
        self.reviewer = reviewer
        self.from = from
        self.to = to
        self.sort = sort
    }
}

/// One incident of the incidents list: its call, who attended, and what the catalog holds about it.
public struct IncidentSummary: Sendable, Equatable {
    public var id: String
    public var category: String?
    public var station: String?
    /// The call's priority as the dispatch rows give it.
    public var priority: String?
    /// The earliest received time of its dispatch rows.
    public var receivedAt: Date?
    /// The officers of its dispatch rows, sorted.
    public var officers: [String]
    /// Distinct clips linked to it.
    public var clips: Int
    /// Its recording findings (rows of `findings`).
    public var findings: Int
    /// Its queue items that are not closed.
    public var openItems: Int

    public init(
        id: String, category: String?, station: String?, priority: String?, receivedAt: Date?, officers: [String], clips: Int,
        findings: Int, openItems: Int
    ) {
        self.id = id
        self.category = category
        self.station = station
        self.priority = priority
        self.receivedAt = receivedAt
        self.officers = officers
        self.clips = clips
        self.findings = findings
        self.openItems = openItems
    }
}

/// Which incidents the incidents list shows. Every field narrows; nil matches all.
public struct IncidentFilter: Sendable, Equatable {
    /// Incidents whose id starts with this (case-sensitive on every backend).
    public var incident: String?
    /// Incidents this officer attended (any row).
    public var officer: String?
    /// Incidents with a row of this station.
    public var station: String?
    /// Incidents with a row of this category.
    public var category: String?
    /// Incidents with at least one recording finding of this kind.
    public var findingKind: String?
    /// Received (earliest row) at or after this instant.
    public var from: Date?
    /// Received (earliest row) before this instant.
    public var to: Date?

    public init(
        incident: String? = nil, officer: String? = nil, station: String? = nil, category: String? = nil, findingKind: String? = nil,
        from: Date? = nil, to: Date? = nil
    ) {
        self.incident = incident
        self.officer = officer
        self.station = station
        self.category = category
        self.findingKind = findingKind
        self.from = from
        self.to = to
    }
}

/// Searching the queue and listing incidents, for the review server's list pages. Every filter
/// is written in the SQL both backends share; a call's station and category come from its
/// dispatch rows (one per officer), matched when any row matches, through the rows'
/// (incident, officer) key.
extension Catalog {
    /// A page of the items `filter` matches, in its order, and how many match in all. Lapsed
    /// claims are first returned to the open list. Without any filter but the state, this is
    /// `queue(state:limit:offset:now:)`, whose total is one lookup.
    public func queue(_ filter: QueueFilter, limit: Int, offset: Int, now: Date = Date()) async throws -> (items: [ReviewItem], total: Int) {
        if filter == QueueFilter(state: filter.state) {
            return try await queue(state: filter.state, limit: limit, offset: offset, now: now)
        }
        try await expireLeases(now: now)
        let (condition, arguments) = Self.queueCondition(filter, withState: true)
        return try await backend.read { db in
            let order = switch filter.sort {
            case .priority: "priority, occurred_at\(db.dialect.nullsFirst), id"
            case .newest: "occurred_at DESC\(db.dialect.nullsLast), id DESC"
            case .oldest: "occurred_at\(db.dialect.nullsFirst), id"
            case .id: "id"
            }
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM review_items r WHERE \(condition)", arguments: SQLArguments(arguments)) ?? 0
            let rows = try SQLRow.fetchAll(
                db, sql: "SELECT \(Self.itemColumns) FROM review_items r WHERE \(condition) ORDER BY \(order) LIMIT ? OFFSET ?",
                arguments: SQLArguments(arguments + [limit, offset]))
            return (rows.map { Self.item($0, now: now) }, total)
        }
    }

    /// How many items `filter` matches in each state (`open`, `claimed`, `closed`; its own
    /// `state` is ignored), for the tabs above a filtered list.
    public func queueCounts(_ filter: QueueFilter, now: Date = Date()) async throws -> [String: Int] {
        try await expireLeases(now: now)
        let (condition, arguments) = Self.queueCondition(filter, withState: false)
        return try await backend.read { db in
            var counts = ["open": 0, "claimed": 0, "closed": 0]
            for row in try SQLRow.fetchAll(
                db, sql: "SELECT state, COUNT(*) FROM review_items r WHERE \(condition) GROUP BY state", arguments: SQLArguments(arguments))
            {
                counts[row[0] as String] = row[1]
            }
            return counts
        }
    }

    /// The values the queue's filters can take, each distinct and sorted: the stations and
    /// categories of the calls with items, the items' reasons, and everyone who holds or
    /// reviewed one.
    public func queueFacets() async throws -> (stations: [String], categories: [String], reasons: [String], reviewers: [String]) {
        try await backend.read { db in
            let calls = "FROM review_items r JOIN dispatch_rows d ON d.incident_id = r.incident_id"
            let stations = try String.fetchAll(db, sql: "SELECT DISTINCT d.station \(calls) WHERE d.station IS NOT NULL")
            let categories = try String.fetchAll(db, sql: "SELECT DISTINCT d.category \(calls) WHERE d.category IS NOT NULL")
            let reasons = try String.fetchAll(db, sql: "SELECT DISTINCT reason FROM review_items")
            let reviewers = try String.fetchAll(db, sql: """
                SELECT claimed_by FROM review_items WHERE claimed_by IS NOT NULL
                UNION SELECT reviewed_by FROM review_items WHERE reviewed_by IS NOT NULL
                """)
            return (stations.sorted(), categories.sorted(), reasons.sorted(), reviewers.sorted())
        }
    }

    /// The WHERE condition (over `review_items r`) and its arguments for `filter`.
    static func queueCondition(_ filter: QueueFilter, withState: Bool) -> (String, [(any SQLBindable)?]) {
        var clauses = ["1 = 1"]
        var arguments: [(any SQLBindable)?] = []
        if withState, let v = filter.state { clauses.append("r.state = ?"); arguments.append(v) }
        if let v = filter.incident { clauses.append(prefixMatch("r.incident_id", v)); arguments.append(v) }
        if let v = filter.officer { clauses.append("r.officer_id = ?"); arguments.append(v) }
        if let v = filter.station {
            clauses.append("EXISTS (SELECT 1 FROM dispatch_rows d WHERE d.incident_id = r.incident_id AND d.station = ?)")
            arguments.append(v)
        }
        if let v = filter.category {
            clauses.append("EXISTS (SELECT 1 FROM dispatch_rows d WHERE d.incident_id = r.incident_id AND d.category = ?)")
            arguments.append(v)
        }
        if let v = filter.reason { clauses.append("r.reason = ?"); arguments.append(v) }
        if let v = filter.reviewer { clauses.append("(r.claimed_by = ? OR r.reviewed_by = ?)"); arguments += [v, v] }
        if let v = filter.from { clauses.append("r.occurred_at >= ?"); arguments.append(v.timeIntervalSince1970) }
        if let v = filter.to { clauses.append("r.occurred_at < ?"); arguments.append(v.timeIntervalSince1970) }
        return (clauses.joined(separator: " AND "), arguments)
    }

    /// `column` starts with `prefix`, the next argument: `substr` compares exactly on both
    /// backends (SQLite's LIKE ignores case, PostgreSQL's does not, and this needs no escaping).
    /// The length is written as a literal: bound, it would go as int8, which PostgreSQL's
    /// `substr(text, int, int)` does not take.
    static func prefixMatch(_ column: String, _ prefix: String) -> String {
        "substr(\(column), 1, \(prefix.unicodeScalars.count)) = ?"
    }

    /// A page of incidents (one per incident id of the dispatch rows), most recently received
    /// first (never-received last), then by id; and how many match in all.
    public func incidents(_ filter: IncidentFilter, limit: Int, offset: Int) async throws -> (rows: [IncidentSummary], total: Int) {
        var clauses = ["1 = 1"]
        var arguments: [(any SQLBindable)?] = []
        if let v = filter.incident { clauses.append(Self.prefixMatch("d.incident_id", v)); arguments.append(v) }
        if let v = filter.officer {
            clauses.append("EXISTS (SELECT 1 FROM dispatch_rows x WHERE x.incident_id = d.incident_id AND x.officer_id = ?)")
            arguments.append(v)
        }
        if let v = filter.station {
            clauses.append("EXISTS (SELECT 1 FROM dispatch_rows x WHERE x.incident_id = d.incident_id AND x.station = ?)")
            arguments.append(v)
        }
        if let v = filter.category {
            clauses.append("EXISTS (SELECT 1 FROM dispatch_rows x WHERE x.incident_id = d.incident_id AND x.category = ?)")
            arguments.append(v)
        }
        if let v = filter.findingKind {
            clauses.append("EXISTS (SELECT 1 FROM findings f WHERE f.incident_id = d.incident_id AND f.kind = ?)")
            arguments.append(v)
        }
        var having = ["1 = 1"]
        if let v = filter.from { having.append("MIN(d.received_at) >= ?"); arguments.append(v.timeIntervalSince1970) }
        if let v = filter.to { having.append("MIN(d.received_at) < ?"); arguments.append(v.timeIntervalSince1970) }
        let grouped = """
            SELECT d.incident_id AS incident_id, MIN(d.category) AS category, MIN(d.station) AS station, MIN(d.priority) AS priority,
                MIN(d.received_at) AS received
            FROM dispatch_rows d WHERE \(clauses.joined(separator: " AND "))
            GROUP BY d.incident_id HAVING \(having.joined(separator: " AND "))
            """
        let filtered = arguments
        return try await backend.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(grouped)) g", arguments: SQLArguments(filtered)) ?? 0
            let page = try SQLRow.fetchAll(
                db, sql: "\(grouped) ORDER BY received DESC\(db.dialect.nullsLast), incident_id LIMIT ? OFFSET ?",
                arguments: SQLArguments(filtered + [limit, offset]))
            guard !page.isEmpty else { return ([], total) }
            let ids: [String] = page.map { $0[0] }
            let list = "(\(databaseQuestionMarks(count: ids.count)))"
            func counts(_ sql: String) throws -> [String: Int] {
                Dictionary(uniqueKeysWithValues: try SQLRow.fetchAll(db, sql: sql, arguments: SQLArguments(ids)).map { ($0[0] as String, $0[1] as Int) })
            }
            var officers: [String: [String]] = [:]
            for row in try SQLRow.fetchAll(
                db, sql: "SELECT DISTINCT incident_id, officer_id FROM dispatch_rows WHERE incident_id IN \(list) ORDER BY officer_id", arguments: SQLArguments(ids))
            {
                officers[row[0], default: []].append(row[1])
            }
            let clips = try counts("""
                SELECT d.incident_id, COUNT(DISTINCT l.clip_id) FROM dispatch_rows d JOIN links l ON l.row_id = d.id
                WHERE d.incident_id IN \(list) GROUP BY d.incident_id
                """)
            let findings = try counts("SELECT incident_id, COUNT(*) FROM findings WHERE incident_id IN \(list) GROUP BY incident_id")
            let open = try counts("SELECT incident_id, COUNT(*) FROM review_items WHERE incident_id IN \(list) AND state != 'closed' GROUP BY incident_id")
            let rows = page.map { r -> IncidentSummary in
                let id: String = r[0]
                return IncidentSummary(
                    id: id, category: r[1], station: r[2], priority: r[3], receivedAt: (r[4] as Double?).map { Date(timeIntervalSince1970: $0) },
                    officers: officers[id] ?? [], clips: clips[id] ?? 0, findings: findings[id] ?? 0, openItems: open[id] ?? 0)
            }
            return (rows, total)
        }
    }
}
