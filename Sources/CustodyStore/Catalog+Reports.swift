public import Foundation
internal import GRDB

extension Catalog {
    /// Coverage and review figures for the report page (and, later, the nightly reports).
    public struct ReportFigures: Sendable {
        public struct OfficerRow: Sendable {
            public var officerID: String
            public var judged: Int
            public var withFootage: Int
            public var fullyCovered: Int
            public var findings: Int
        }
        public var judged = 0
        public var withFootage = 0
        public var fullyCovered = 0
        public var findingsByKind: [(kind: String, count: Int)] = []
        public var reviewsDone = 0
        public var violations = 0
        public var officers: [OfficerRow] = []
    }

    public func reportFigures() throws -> ReportFigures {
        try writer.read { db in
            var f = ReportFigures()
            let totals = try Row.fetchOne(db, sql: """
                SELECT COUNT(*), SUM(coverage > 0), SUM(findings = 0 AND coverage > 0) FROM coverage
                """)
            f.judged = totals?[0] ?? 0
            f.withFootage = totals?[1] ?? 0
            f.fullyCovered = totals?[2] ?? 0
            f.findingsByKind = try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) FROM findings GROUP BY kind ORDER BY COUNT(*) DESC").map { ($0[0], $0[1]) }
            f.reviewsDone = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM review_items WHERE state = 'closed'") ?? 0
            f.violations = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM review_items WHERE state = 'closed' AND verdict = 'violation'") ?? 0
            f.officers = try Row.fetchAll(db, sql: """
                SELECT d.officer_id, COUNT(*), SUM(c.coverage > 0), SUM(c.findings = 0 AND c.coverage > 0),
                    (SELECT COUNT(*) FROM findings x WHERE x.officer_id = d.officer_id)
                FROM coverage c JOIN dispatch_rows d ON d.id = c.row_id GROUP BY d.officer_id ORDER BY d.officer_id LIMIT 500
                """).map { r in
                ReportFigures.OfficerRow(officerID: r[0], judged: r[1], withFootage: r[2] ?? 0, fullyCovered: r[3] ?? 0, findings: r[4])
            }
            return f
        }
    }

    /// The queue item for a call (incident, officer), or for a clip, if there is one.
    public func reviewItemID(incident: String, officer: String?) throws -> Int64? {
        try writer.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT id FROM review_items WHERE incident_id = ? AND (? IS NULL OR officer_id = ?) ORDER BY state = 'closed', priority LIMIT 1",
                arguments: [incident, officer, officer])
        }
    }

    public func reviewItemID(clip sha256: String) throws -> Int64? {
        try writer.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM review_items WHERE clip_sha256 = ? LIMIT 1", arguments: [sha256]) }
    }
}
