import CustodyCore
import CustodyStore
import Foundation
import Hummingbird

extension CustodyServer {
    /// The review queue (SPEC §8).
    func addQueueRoutes(_ router: Router<CustodyRequestContext>) {
        // Readers: reviewer, supervisor, auditor.
        router.get("/api/queue") { request, context in
            _ = try context.require(Access.read)
            let q = request.uri.queryParameters
            let state = q["state"].map(String.init)
            if let state, !["open", "claimed", "closed", "all"].contains(state) {
                throw APIError(.badRequest, "state must be open, claimed, closed or all.")
            }
            let limit = try q["limit"].map { text -> Int in
                guard let n = Int(text), (1...500).contains(n) else { throw APIError(.badRequest, "limit must be 1 to 500.") }
                return n
            } ?? 50
            let offset = try q["offset"].map { text -> Int in
                guard let n = Int(text), n >= 0 else { throw APIError(.badRequest, "offset must be 0 or more.") }
                return n
            } ?? 0
            // Search (issue 13): the same filters as the queue page.
            let searchKeys = ["incident", "officer", "station", "category", "reason", "reviewer", "from", "to", "sort"]
            if searchKeys.contains(where: { q[Substring($0)] != nil }) {
                guard let sort = QueueSort(rawValue: q["sort"].map(String.init) ?? "priority") else {
                    throw APIError(.badRequest, "sort must be one of \(QueueSort.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                let filter = QueueFilter(
                    state: state == "all" ? nil : (state ?? "open"), incident: q["incident"].map(String.init), officer: q["officer"].map(String.init),
                    station: q["station"].map(String.init), category: q["category"].map(String.init), reason: q["reason"].map(String.init),
                    reviewer: q["reviewer"].map(String.init), from: try date(request, "from"), to: try date(request, "to"), sort: sort)
                let page = try await db { c in try await c.queue(filter, limit: limit, offset: offset) }
                return JSONResponse.ok(.object([("items", .array(page.items.map(\.jsonValue))), ("total", .int(Int64(page.total)))]))
            }
            // Every reviewer reads the same first pages: serve them from a cache keyed on the
            // queue's version, which any change to any item (in any process) moves on.
            let key = "\(state ?? "open")|\(limit)|\(offset)"
            let version = try await db { c in try await c.queueVersion() }
            if let bytes = queuePages.get(key, version: version) { return JSONResponse.ok(bytes: bytes) }
            let page = try await db { c in try await c.queue(state: state == "all" ? nil : (state ?? "open"), limit: limit, offset: offset) }
            let bytes = JSONValue.object([("items", .array(page.items.map(\.jsonValue))), ("total", .int(Int64(page.total)))]).utf8
            queuePages.put(key, version: version, bytes)
            return JSONResponse.ok(bytes: bytes)
        }
        router.get("/api/queue/{id}") { _, context in
            let user = try context.require(Access.read)
            let id = try itemID(context)
            guard let item = try await db({ c in try await c.reviewItem(id) }) else { throw Catalog.QueueError.notFound(id) }
            try await db { c in try await c.audit(actor: user.name, action: "viewed", subject: "queue:\(id)") }
            return JSONResponse.ok(item.jsonValue)
        }
        // Reviewers and supervisors act on items.
        router.post("/api/queue/{id}/claim") { _, context in
            let user = try context.require(Access.review)
            return JSONResponse.ok(try await db { c in try await c.claim(try itemID(context), by: user.name, lease: settings.lease) }.jsonValue)
        }
        router.post("/api/queue/{id}/release") { _, context in
            let user = try context.require(Access.review)
            return JSONResponse.ok(try await db { c in try await c.release(try itemID(context), by: user.name, asSupervisor: user.role == .supervisor) }.jsonValue)
        }
        router.post("/api/queue/{id}/verdict") { request, context in
            let user = try context.require(Access.review)
            let id = try itemID(context)
            let body = try await jsonObject(request)
            guard let verdict = body["verdict"] as? String else {
                throw APIError(.badRequest, "Send {\"verdict\": \"compliant\" | \"violation\" | \"justified\", \"checklist\": […], \"note\": \"…\"}.")
            }
            guard let checklist = (body["checklist"] ?? [String]()) as? [String] else {
                throw APIError(.badRequest, "checklist must be a list of codes.")
            }
            guard body["note"] == nil || body["note"] is String || body["note"] is NSNull else {
                throw APIError(.badRequest, "note must be text.")
            }
            let note = body["note"] as? String
            if let note, note.count > Self.maxNoteCharacters { throw APIError(.badRequest, "note is longer than 4,000 characters.") }
            return JSONResponse.ok(try await db { c in try await c.recordVerdict(id, by: user.name, verdict: verdict, checklist: checklist, note: note) }.jsonValue)
        }
        // Supervisors only.
        router.post("/api/queue/{id}/reopen") { _, context in
            let user = try context.require(Access.supervise)
            return JSONResponse.ok(try await db { c in try await c.reopen(try itemID(context), by: user.name) }.jsonValue)
        }
        router.post("/api/queue/{id}/reassign") { request, context in
            let user = try context.require(Access.supervise)
            let id = try itemID(context)
            guard let to = try await jsonObject(request)["to"] as? String, !to.isEmpty else {
                throw APIError(.badRequest, "Send {\"to\": \"reviewer name\"}.")
            }
            return JSONResponse.ok(try await db { c in try await c.reassign(id, to: to, by: user.name, lease: settings.lease) }.jsonValue)
        }
    }
}
