import CustodyCore
import CustodyStore
import Foundation
import Hummingbird

extension CustodyServer {
    /// Legal holds and case-evidence marks: supervisors place and release them, auditors read
    /// them. Footage under a hold is never deleted by retention.
    func addHoldRoutes(_ router: Router<CustodyRequestContext>) {
        router.get("/api/holds") { request, context in
            _ = try context.require(Access.readHolds)
            let all = request.uri.queryParameters["all"].map { $0 == "1" || $0 == "true" } ?? false
            return JSONResponse.ok(.object([("holds", .array(try await db { c in try await c.holds(activeOnly: !all) }.map(\.jsonValue)))]))
        }
        router.post("/api/holds") { request, context in
            let user = try context.require(Access.holds)
            let body = try await jsonObject(request)
            guard let kindText = (body["kind"] ?? "legal_hold") as? String, let kind = Hold.Kind(rawValue: kindText) else {
                throw APIError(.badRequest, "kind must be legal_hold or case_evidence.")
            }
            let clip = (body["clip_sha256"] as? String)?.lowercased(), incident = body["incident_id"] as? String
            guard let reason = body["reason"] as? String else {
                throw APIError(.badRequest, "Send {\"kind\": …, \"clip_sha256\" or \"incident_id\": …, \"reason\": \"…\"}.")
            }
            if let clip, clip.count != 64 || !clip.allSatisfy(\.isHexDigit) {
                throw APIError(.badRequest, "clip_sha256 must be 64 hexadecimal characters.")
            }
            let hold = try await holdAction { try await db { c in try await c.placeHold(kind: kind, clip: clip, incident: incident, reason: reason, by: user.name) } }
            return JSONResponse.ok(hold.jsonValue, status: .created)
        }
        router.post("/api/holds/{id}/release") { request, context in
            let user = try context.require(Access.holds)
            guard let id = try context.path("id").flatMap({ Int64($0) }), id > 0 else {
                throw APIError(.badRequest, "The hold id must be a positive number.")
            }
            guard let reason = try await jsonObject(request)["reason"] as? String else {
                throw APIError(.badRequest, "Send {\"reason\": \"…\"}.")
            }
            return JSONResponse.ok(try await holdAction { try await db { c in try await c.releaseHold(id, reason: reason, by: user.name) } }.jsonValue)
        }
    }

    /// A hold refusal as a 404 (no such clip, incident or hold) or a 400.
    private func holdAction(_ body: () async throws -> Hold) async throws -> Hold {
        do {
            return try await body()
        } catch let error as Catalog.HoldError {
            throw APIError(error.notFound ? .notFound : .badRequest, error.description)
        }
    }
}
