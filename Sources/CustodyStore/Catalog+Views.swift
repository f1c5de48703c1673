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
                SELECT d.*, c.coverage, c.usable FROM dispatch_rows d LEFT JOIN coverage c ON c.row_id = d.id
                WHERE d.incident_id = ? ORDER BY d.officer_id, d.dispatched_at\(db.dialect.nullsFirst), d.id
                """, arguments: [incidentID])
            guard let first = rows.first else { return nil }
            // A unit dispatched more than once has an attendance number (1, 2, …) on each row.
            var attendances: [String: Int] = [:]
            for r in rows { attendances[r["officer_id"] as String, default: 0] += 1 }
            var seen: [String: Int] = [:]
            func time(_ r: SQLRow, _ c: String) -> JSONValue {
                (r[c] as Double?).map { .string(Timestamp.format(Date(timeIntervalSince1970: $0))) } ?? .null
            }
            let officers: [JSONValue] = rows.map { r in
                let officer: String = r["officer_id"]
                seen[officer, default: 0] += 1
                return .object([
                    ("officer_id", .string(officer)),
                    ("attendance", attendances[officer]! > 1 ? .int(Int64(seen[officer]!)) : .null),
                    ("received_at", time(r, "received_at")),
                    ("dispatched_at", time(r, "dispatched_at")), ("arrived_at", time(r, "arrived_at")),
                    ("cleared_at", time(r, "cleared_at")),
                    ("judged", .bool(r["arrived_at"] as Double? != nil && r["cleared_at"] as Double? != nil)),
                    ("coverage", (r["coverage"] as Double?).map { .double(($0 * 100).rounded() / 100) } ?? .null),
                    ("usable_coverage", (r["usable"] as Double?).map { .double(($0 * 100).rounded() / 100) } ?? .null),
                ])
            }
            // What each linked clip's camera saw (issue 14): its stretches, in absolute time.
            var stretchesOf: [String: [JSONValue]] = [:]
            var analysisOf: [String: String] = [:]
            for r in try SQLRow.fetchAll(db, sql: """
                SELECT DISTINCT e.sha256, e.start_time, c.state, s.kind, s.start, s."end"
                FROM dispatch_rows d JOIN links l ON l.row_id = d.id JOIN evidence e ON e.rowid = l.clip_id
                    JOIN content_analysis c ON c.sha256 = e.sha256 LEFT JOIN content_stretches s ON s.sha256 = e.sha256
                WHERE d.incident_id = ?
                """, arguments: [incidentID]) {
                let sha: String = r[0]
                analysisOf[sha] = r[2]
                guard let kind: String = r[3], let clipStart: Double = r[1], let a: Double = r[4], let b: Double = r[5] else { continue }
                stretchesOf[sha, default: []].append(.object([
                    ("kind", .string(kind)), ("start", .string(Timestamp.format(Date(timeIntervalSince1970: clipStart + a)))),
                    ("end", .string(Timestamp.format(Date(timeIntervalSince1970: clipStart + b)))),
                ]))
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
                    ("analysis", analysisOf[r["sha256"] as String].map { .string($0) } ?? .null),
                    ("stretches", .array(stretchesOf[r["sha256"] as String] ?? [])),
                ])
            }
            // Bookmarks the recorders of these clips set (issue 16), for the timeline.
            var bookmarks: [JSONValue] = []
            for clip in clips {
                guard let sha = clip["sha256"]?.stringValue, let info = try Self.recorderInfo(db, sha256: sha) else { continue }
                for b in info["bookmarks"]?.arrayValue ?? [] {
                    bookmarks.append(.object([
                        ("officer_id", clip["officer_id"] ?? .null), ("clip_sha256", .string(sha)), ("start", b["start"] ?? .null),
                        ("label", .string([b["category"]?.stringValue, b["text"]?.stringValue].compactMap { $0 }.joined(separator: ": "))),
                    ]))
                }
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
                ("handling", .array(handling.map(\.jsonValue))), ("bookmarks", .array(bookmarks)),
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
            // The content analysis (issue 14): stretches in seconds from the clip's first frame,
            // and the per-second profile the clip page charts.
            var content: JSONValue = .null
            if let c = try SQLRow.fetchOne(db, sql: "SELECT * FROM content_analysis WHERE sha256 = ?", arguments: [evidence.sha256]) {
                let stretches = try SQLRow.fetchAll(
                    db, sql: "SELECT kind, start, \"end\" FROM content_stretches WHERE sha256 = ? ORDER BY start, kind", arguments: [evidence.sha256]
                ).map { s -> JSONValue in
                    .object([("kind", .string(s[0])), ("start", .double(s[1])), ("end", .double(s[2]))])
                }
                let profile = ContentAnalysisResult.profile(from: c["profile"])
                func list(_ v: [Double?]) -> JSONValue { .array(v.map { $0.map { .double($0) } ?? .null }) }
                content = .object([
                    ("state", .string(c["state"])), ("attempts", .int(c["attempts"])),
                    ("duration", (c["duration"] as Double?).map { .double($0) } ?? .null),
                    ("keyframe_interval", (c["keyframe_interval"] as Double?).map { .double(($0 * 1000).rounded() / 1000) } ?? .null),
                    ("stretches", .array(stretches)), ("luma", list(profile.luma)), ("level", list(profile.level)),
                    ("error", (c["error"] as String?).map { .string($0) } ?? .null),
                    ("analyzed_at", (c["analyzed_at"] as Double?).map { .string(Timestamp.format(Date(timeIntervalSince1970: $0))) } ?? .null),
                ])
            }
            findings = Array(Set(findings))
            return .object([
                ("sha256", .string(evidence.sha256)), ("location", .string(evidence.location.rawValue)),
                ("officer_id", evidence.officerID.map { .string($0) } ?? .null),
                ("attribution", evidence.attribution.map { .string($0) } ?? .null),
                ("quarantine_reason", evidence.quarantineReason.map { .string($0) } ?? .null),
                ("probe", evidence.probe.jsonValue), ("receipts", .array(receipts)),
                ("incidents", .array(incidents.map { .string($0) })),
                ("findings", .array(findings.sorted(by: Finding.printOrder).map(\.jsonValue))),
                ("content", content),
                ("recorder", try Self.recorderInfo(db, sha256: evidence.sha256) ?? .null),
            ])
        }
    }

    static func findingRows(_ db: any SQLDatabase, where clause: String, _ arguments: [(any SQLBindable)?]) throws -> [Finding] {
        let filter = clause.isEmpty ? "" : "WHERE \(clause)"
        return try SQLRow.fetchAll(db, sql: "SELECT * FROM findings \(filter)", arguments: SQLArguments(arguments)).map { r in
            var f = Finding(
                incidentID: r["incident_id"], officerID: r["officer_id"], kind: FindingKind(rawValue: r["kind"]) ?? .noRecording,
                start: r["start"], end: r["end"], windowStart: r["window_start"], windowEnd: r["window_end"],
                coverage: r["coverage"], clipSHA256: r["clip_sha256"], usableCoverage: r["usable_coverage"])
            f.clockOffset = r["clock_offset"]
            f.deviceID = r["device_id"]
            return f
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
