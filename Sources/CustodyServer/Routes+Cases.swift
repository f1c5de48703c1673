import CustodyCore
import CustodyStore
import Foundation
import Hummingbird

extension CustodyServer {
    /// Incidents, clips, findings and the audit log (SPEC §8).
    func addCaseRoutes(_ router: Router<CustodyRequestContext>) {
        router.get("/api/incidents/{incident_id}") { _, context in
            let user = try context.require(Access.read)
            guard let id = try context.path("incident_id"), let detail = try await db({ c in try await c.incidentDetail(id, handling: config.policy.handling, asOf: Date()) }) else {
                throw APIError(.notFound, "No incident with that id.")
            }
            try await db { c in try await c.audit(actor: user.name, action: "viewed", subject: "incident:\(id)") }
            return JSONResponse.ok(detail)
        }
        router.get("/api/clips/{sha256}") { _, context in
            let (user, evidence) = try await clipFor(context)
            try await db { c in try await c.audit(actor: user.name, action: "viewed", subject: evidence.sha256) }
            return JSONResponse.ok(try await db { c in try await c.clipDetail(evidence) })
        }
        router.get("/api/findings") { request, context in
            _ = try context.require(Access.read)
            let q = request.uri.queryParameters
            let query = Catalog.FindingQuery(
                incidentID: q["incident_id"].map(String.init).flatMap { $0.isEmpty ? nil : $0 },
                officerID: q["officer_id"].map(String.init).flatMap { $0.isEmpty ? nil : $0 },
                since: try date(request, "since"), until: try date(request, "until"))
            return JSONResponse.ok(.object([("findings", .array(try await db { c in try await c.findings(query) }.map(\.jsonValue)))]))
        }
        // Filters (issue 13): subject, actor, action, from, to (ISO 8601), limit, offset; `since`
        // as before. An unknown parameter is refused, never silently ignored.
        router.get("/api/audit") { request, context in
            _ = try context.require(Access.audit)
            let q = request.uri.queryParameters
            let known: Set<String> = ["since", "subject", "actor", "action", "from", "to", "limit", "offset"]
            if let unknown = q.map({ String($0.key) }).sorted().first(where: { !known.contains($0) }) {
                throw APIError(.badRequest, "Unknown parameter '\(unknown)': use \(known.sorted().joined(separator: ", ")).")
            }
            let filtered = q.contains { $0.key != "since" }
            guard filtered else {
                let entries = try await db { c in try await c.auditEntries(since: try date(request, "since")) }
                return JSONResponse.ok(.object([("entries", .array(entries.map(Self.auditJSON)))]))
            }
            let limit = try q["limit"].map { text -> Int in
                guard let n = Int(text), (1...1000).contains(n) else { throw APIError(.badRequest, "limit must be 1 to 1000.") }
                return n
            } ?? 100
            let offset = try q["offset"].map { text -> Int in
                guard let n = Int(text), n >= 0 else { throw APIError(.badRequest, "offset must be 0 or more.") }
                return n
            } ?? 0
            let filter = AuditFilter(
                subject: q["subject"].map(String.init), actor: q["actor"].map(String.init), action: q["action"].map(String.init),
                from: try date(request, "from") ?? date(request, "since"), to: try date(request, "to"))
            let page = try await db { c in try await c.auditEntries(filter, limit: limit, offset: offset) }
            return JSONResponse.ok(.object([("entries", .array(page.entries.map(Self.auditJSON))), ("total", .int(Int64(page.total)))]))
        }
    }

    /// The clip a route names, if the caller may see it: readers see every clip, officers
    /// their own (anything else is answered 403, or 404 when it does not exist).
    func clipFor(_ context: CustodyRequestContext) async throws -> (User, EvidenceRecord) {
        let user = try context.require(Access.clips)
        guard let sha = try context.path("sha256"), sha.count == 64, sha.allSatisfy(\.isHexDigit) else {
            throw APIError(.badRequest, "A clip is named by its SHA-256: 64 hexadecimal characters.")
        }
        guard let evidence = try await db({ c in try await c.evidence(sha256: sha.lowercased()) }) else {
            throw APIError(.notFound, "No stored clip has that SHA-256.")
        }
        if user.role == .officer && (user.officerID == nil || evidence.officerID != user.officerID) {
            throw APIError(.forbidden, "Officers may see only their own footage.")
        }
        return (user, evidence)
    }
}
