public import Foundation

extension Catalog {
    /// The station of each of `incidents` (from its first dispatch row that names one), for
    /// the queue page's station column.
    public func incidentStations(_ incidents: [String]) async throws -> [String: String] {
        let ids = Array(Set(incidents))
        guard !ids.isEmpty else { return [:] }
        return try await backend.read { db in
            var out: [String: String] = [:]
            for r in try SQLRow.fetchAll(db, sql: """
                SELECT incident_id, MIN(station) AS station FROM dispatch_rows
                WHERE incident_id IN (\(databaseQuestionMarks(count: ids.count))) AND station IS NOT NULL GROUP BY incident_id
                """, arguments: SQLArguments(ids.map { $0 as (any SQLBindable)? })) {
                out[r["incident_id"]] = r["station"]
            }
            return out
        }
    }
}
