public import CustodyCore
public import Foundation

extension Catalog {
    /// The audit entries about exported files and incidents (issue 17), oldest first, each with
    /// what its hash covers — id, `at` exactly as hashed (`%.6f` seconds), actor, action,
    /// subject, detail text, prev_hash — so anyone can recompute it. Subjects: the clips'
    /// SHA-256s, `incident:ID`, and the review items (`queue:ID`) of those clips and incidents.
    public func auditExcerpt(clips: [String], incidents: [String]) async throws -> [JSONValue] {
        try await backend.read { db in
            var subjects = clips + incidents.map { "incident:\($0)" }
            for chunk in clips.chunked(500) where !chunk.isEmpty {
                subjects += try Int64.fetchAll(
                    db, sql: "SELECT id FROM review_items WHERE clip_sha256 IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: SQLArguments(chunk)).map { "queue:\($0)" }
            }
            for chunk in incidents.chunked(500) where !chunk.isEmpty {
                subjects += try Int64.fetchAll(
                    db, sql: "SELECT id FROM review_items WHERE incident_id IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: SQLArguments(chunk)).map { "queue:\($0)" }
            }
            var rows: [Int64: JSONValue] = [:]
            for chunk in Array(Set(subjects)).sorted().chunked(500) {
                for r in try SQLRow.fetchAll(
                    db, sql: "SELECT id, at, actor, action, subject, detail, prev_hash, hash FROM audit_log WHERE subject IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: SQLArguments(chunk))
                {
                    let id: Int64 = r[0]
                    let at: Double = r[1]
                    rows[id] = .object([
                        ("id", .int(id)), ("at", .string(String(format: "%.6f", at))),
                        ("time", .string(Timestamp.format(Date(timeIntervalSince1970: at)))),
                        ("actor", .string(r[2])), ("action", .string(r[3])), ("subject", .string(r[4])), ("detail", .string(r[5])),
                        ("prev_hash", .string(r[6])), ("hash", .string(r[7])),
                    ])
                }
            }
            return rows.keys.sorted().map { rows[$0]! }
        }
    }

    /// The hash of one audit entry as the chain computes it (for checks of an excerpt).
    public static func auditEntryHash(id: Int64, at: String, actor: String, action: String, subject: String, detail: String, prevHash: String) -> String {
        AuditLog.entryHash(id: id, at: Double(at) ?? 0, actor: actor, action: action, subject: subject, detail: detail, prevHash: prevHash)
    }

    /// Audits an export: the package's SHA-256 (of its SHA256SUMS), what it holds, and why.
    public func recordExport(packageSHA256: String, files: [String], incidents: [String], purged: [String], reason: String, destination: String, actor: String) async throws {
        try await backend.write { db in
            try AuditLog.append(db, actor: actor, action: "exported", subject: "export:\(packageSHA256)", detail: .object([
                ("package_sha256", .string(packageSHA256)), ("reason", .string(reason)), ("destination", .string(destination)),
                ("files", .array(files.map { .string($0) })), ("incidents", .array(incidents.map { .string($0) })),
                ("purged", .array(purged.map { .string($0) })),
            ]))
        }
    }
}
