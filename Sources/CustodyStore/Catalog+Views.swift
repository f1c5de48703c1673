public import CustodyCore
public import Foundation

/// Read models for the review server: an incident with everything about it, a clip with its
/// receipts and links, and the counts `/metrics` shows.
extension Catalog {
    /// Everything about one incident; `handling` holds its 110 handling findings as of `asOf`
    /// (issue 15), judged with `policy`.
    public func incidentDetail(_ incidentID: String, handling policy: HandlingPolicy = HandlingPolicy(), asOf: Date = Date()) async throws -> JSONValue? {
        try await backend.read { db in
            let rows = try SQLRow.fetchAll(db, sql: """
                SELECT d.*, c.coverage FROM dispatch_rows d LEFT JOIN coverage c ON c.row_id = d.id
                WHERE d.incident_id = ? ORDER BY d.officer_id
                """, arguments: [incidentID])
            guard let first = rows.first else { return nil }
            func time(_ r: SQLRow, _ c: String) -> JSONValue {
                (r[c] as Double?).map { .string(Timestamp.format(Date(timeIntervalSince1970: $0))) } ?? .null
            }
            let officers: [JSONValue] = rows.map { r in
                .object([
                    ("officer_id", .string(r["officer_id"])), ("received_at", time(r, "received_at")),
                    ("dispatched_at", time(r, "dispatched_at")), ("arrived_at", time(r, "arrived_at")),
                    ("cleared_at", time(r, "cleared_at")),
                    ("judged", .bool(r["arrived_at"] as Double? != nil && r["cleared_at"] as Double? != nil)),
                    ("coverage", (r["coverage"] as Double?).map { .double(($0 * 100).rounded() / 100) } ?? .null),
                ])
            }
            let clips = try SQLRow.fetchAll(db, sql: """
                SELECT DISTINCT e.sha256, e.officer_id, e.start_time, e.end_time, e.duration, e.integrity, e.time_source
                FROM dispatch_rows d JOIN links l ON l.row_id = d.id JOIN evidence e ON e.rowid = l.clip_id
                WHERE d.incident_id = ? ORDER BY e.officer_id, e.start_time\(db.dialect.nullsFirst)
                """, arguments: [incidentID]).map { r -> JSONValue in
                .object([
                    ("sha256", .string(r["sha256"])), ("officer_id", (r["officer_id"] as String?).map { .string($0) } ?? .null),
                    ("start", time(r, "start_time")), ("end", time(r, "end_time")),
                    ("duration", (r["duration"] as Double?).map { .double($0) } ?? .null), ("integrity", .string(r["integrity"])),
                    ("time_source", (r["time_source"] as String?).map { .string($0) } ?? .null),
                ])
            }
            let findings = try Self.findingRows(db, where: "incident_id = ?", [incidentID])
            let handling = rows.flatMap { HandlingRule.evaluate(Self.dispatchRow($0), policy: policy, asOf: asOf) }.sorted(by: HandlingFinding.printOrder)
            return .object([
                ("incident_id", .string(incidentID)),
                ("category", (first["category"] as String?).map { .string($0) } ?? .null),
                ("priority", (first["priority"] as String?).map { .string($0) } ?? .null),
                ("station", (first["station"] as String?).map { .string($0) } ?? .null),
                ("location", (first["location"] as String?).map { .string($0) } ?? .null),
                ("officers", .array(officers)), ("clips", .array(clips)), ("findings", .array(findings.map(\.jsonValue))),
                ("handling", .array(handling.map(\.jsonValue))),
            ])
        }
    }

    public func clipDetail(_ evidence: EvidenceRecord) async throws -> JSONValue {
        try await backend.read { db in
            let receipts = try ReceiptRecord.fetchAll(db, sha256: evidence.sha256).map { r -> JSONValue in
                .object([
                    ("received_at", .string(Timestamp.format(r.receivedAt))), ("recorded_at", .string(Timestamp.format(r.recordedAt))),
                    ("method", .string(r.method)), ("original_name", .string(r.originalName)), ("handed_in_by", .string(r.handedInBy)),
                    ("duplicate", .bool(r.duplicate)),
                ])
            }
            let incidents = try String.fetchAll(db, sql: """
                SELECT DISTINCT d.incident_id FROM evidence e JOIN links l ON l.clip_id = e.rowid JOIN dispatch_rows d ON d.id = l.row_id
                WHERE e.sha256 = ? ORDER BY d.incident_id
                """, arguments: [evidence.sha256])
            var findings = try Self.findingRows(db, where: "clip_sha256 = ?", [evidence.sha256])
            if let officer = evidence.officerID, !incidents.isEmpty {
                findings += try Self.findingRows(
                    db, where: "officer_id = ? AND kind != 'late_upload' AND incident_id IN (\(databaseQuestionMarks(count: incidents.count)))",
                    [officer] + incidents.map { $0 as (any SQLBindable)? })
            }
            return .object([
                ("sha256", .string(evidence.sha256)), ("location", .string(evidence.location.rawValue)),
                ("officer_id", evidence.officerID.map { .string($0) } ?? .null),
                ("attribution", evidence.attribution.map { .string($0) } ?? .null),
                ("quarantine_reason", evidence.quarantineReason.map { .string($0) } ?? .null),
                ("probe", evidence.probe.jsonValue), ("receipts", .array(receipts)),
                ("incidents", .array(incidents.map { .string($0) })),
                ("findings", .array(findings.sorted(by: Finding.printOrder).map(\.jsonValue))),
            ])
        }
    }

    static func findingRows(_ db: any SQLDatabase, where clause: String, _ arguments: [(any SQLBindable)?]) throws -> [Finding] {
        let filter = clause.isEmpty ? "" : "WHERE \(clause)"
        return try SQLRow.fetchAll(db, sql: "SELECT * FROM findings \(filter)", arguments: SQLArguments(arguments)).map { r in
            Finding(
                incidentID: r["incident_id"], officerID: r["officer_id"], kind: FindingKind(rawValue: r["kind"]) ?? .noRecording,
                start: r["start"], end: r["end"], windowStart: r["window_start"], windowEnd: r["window_end"],
                coverage: r["coverage"], clipSHA256: r["clip_sha256"], usableCoverage: r["usable_coverage"])
        }
    }

    public struct ServerFigures: Sendable {
        public var queue: [String: Int] = [:]
        public var evidence: [String: Int] = [:]
        public var receipts = 0
    }

    public func serverFigures(now: Date = Date()) async throws -> ServerFigures {
        try await backend.read { db in
            var f = ServerFigures()
            for r in try SQLRow.fetchAll(db, sql: "SELECT state, n FROM queue_counts WHERE state != 'version'") { f.queue[r[0]] = r[1] }
            for r in try SQLRow.fetchAll(db, sql: "SELECT location, COUNT(*) FROM evidence GROUP BY location") { f.evidence[r[0]] = r[1] }
            f.receipts = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM receipts") ?? 0
            return f
        }
    }
}
