import CustodyCore
import CustodyStore
import Foundation
import Hummingbird

extension CustodyServer {
    /// The API beside the workplace pages (issue 13): lease renewal, an item's history, a
    /// request for review, accounts and station tokens. Each route names its `Access` set.
    func addWorkplaceAPIRoutes(_ router: Router<CustodyRequestContext>) {
        router.post("/api/queue/{id}/renew") { _, context in
            let user = try context.require(Access.review)
            return JSONResponse.ok(try await db { c in try await c.renew(try itemID(context), by: user.name, lease: settings.lease) }.jsonValue)
        }
        router.get("/api/queue/{id}/history") { _, context in
            _ = try context.require(Access.read)
            let id = try itemID(context)
            guard try await db({ c in try await c.reviewItem(id) }) != nil else { throw Catalog.QueueError.notFound(id) }
            let entries = try await db { c in try await c.itemHistory(id) }
            return JSONResponse.ok(.object([("history", .array(entries.map(Self.auditJSON)))]))
        }
        router.post("/api/incidents/{incident_id}/review-request") { request, context in
            let user = try context.require(Access.requestReview)
            guard let id = try context.path("incident_id") else { throw APIError(.notFound, "No such incident.") }
            let body = try await jsonObject(request)
            guard let reason = (body["reason"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty else {
                throw APIError(.badRequest, "Send {\"reason\": \"why this call needs a review\", \"officer_id\": optional}.")
            }
            guard reason.count <= Self.maxReasonCharacters else { throw APIError(.badRequest, "reason is longer than 400 characters.") }
            let officer = (body["officer_id"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            let item = try await db { c in try await c.requestReview(incident: id, officer: officer, reason: reason, by: user.name) }
            return JSONResponse.ok(item.jsonValue, status: .created)
        }

        // Accounts: admins only.
        router.get("/api/accounts") { _, context in
            _ = try context.require(Access.admin)
            let list = try await db { c in try await c.accounts() }
            return JSONResponse.ok(.object([("accounts", .array(list.map(Self.accountJSON)))]))
        }
        router.post("/api/accounts") { request, context in
            let user = try context.require(Access.admin)
            let body = try await jsonObject(request)
            guard let name = body["name"] as? String, !name.isEmpty, name.count <= 64, !name.contains("/"),
                  let role = (body["role"] as? String).flatMap(Role.init(rawValue:)), Self.assignableRoles.contains(role),
                  let password = body["password"] as? String else {
                throw APIError(.badRequest, "Send {\"name\": …, \"role\": officer|reviewer|supervisor|auditor|admin, \"password\": …, \"officer_id\": …}.")
            }
            let officerID = (body["officer_id"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            if role == .officer && officerID == nil { throw APIError(.badRequest, "An officer account needs officer_id.") }
            guard (10...200).contains(password.count) else { throw APIError(.badRequest, "password needs 10 to 200 characters.") }
            let hash = await Passwords.hash(password, cost: 12)
            let added = try await accountAction { try await db { c in try await c.addUser(name: name, role: role, officerID: officerID, passwordHash: hash, by: user.name) } }
            guard let account = try await db({ c in try await c.account(name: added.name) }) else { throw APIError(.notFound, "No such account.") }
            return JSONResponse.ok(Self.accountJSON(account), status: .created)
        }
        router.post("/api/accounts/{name}") { request, context in
            let user = try context.require(Access.admin)
            guard let name = try context.path("name") else { throw APIError(.notFound, "No such account.") }
            let body = try await jsonObject(request)
            var account: Account? = nil
            if let disabled = body["disabled"] as? Bool {
                account = try await accountAction { try await db { c in try await c.setDisabled(name: name, disabled, by: user.name) } }
            }
            if let password = body["password"] as? String {
                guard (10...200).contains(password.count) else { throw APIError(.badRequest, "password needs 10 to 200 characters.") }
                let hash = await Passwords.hash(password, cost: 12)
                account = try await accountAction { try await db { c in try await c.setPassword(name: name, passwordHash: hash, by: user.name) } }
            }
            if let roleText = body["role"] as? String {
                guard let role = Role(rawValue: roleText), Self.assignableRoles.contains(role) else { throw APIError(.badRequest, "Unknown role '\(roleText)'.") }
                let officerID = (body["officer_id"] as? String).flatMap { $0.isEmpty ? nil : $0 }
                account = try await accountAction { try await db { c in try await c.changeRole(name: name, role: role, officerID: officerID, by: user.name) } }
            }
            guard let account else { throw APIError(.badRequest, "Send any of {\"disabled\": true|false, \"password\": …, \"role\": …, \"officer_id\": …}.") }
            tokens.removeAll()
            return JSONResponse.ok(Self.accountJSON(account))
        }
        router.get("/api/station-tokens") { _, context in
            _ = try context.require(Access.admin)
            let list = try await db { c in try await c.stationTokens() }
            return JSONResponse.ok(.object([("tokens", .array(list.map { t in
                .object([("id", .string(t.id)), ("station", .string(t.station)), ("created_at", .string(Timestamp.format(t.createdAt))),
                         ("expires_at", t.expiresAt.map { .string(Timestamp.format($0)) } ?? .null)])
            }))]))
        }
        router.post("/api/station-tokens/{id}/revoke") { _, context in
            let user = try context.require(Access.admin)
            guard let id = try context.path("id") else { throw APIError(.notFound, "No such token.") }
            let token = try await accountAction { try await db { c in try await c.revokeStationToken(id: id, by: user.name) } }
            tokens.removeAll()
            return JSONResponse.ok(.object([("id", .string(token.id)), ("station", .string(token.station)), ("revoked", .bool(true))]))
        }
    }

    /// An account refusal as a 404 (no such account or token) or a 400.
    private func accountAction<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as Catalog.AccountError {
            throw APIError(error.code == "not_found" ? .notFound : error.code == "exists" ? .conflict : .badRequest, error.description)
        }
    }

    static func accountJSON(_ a: Account) -> JSONValue {
        .object([
            ("name", .string(a.user.name)), ("role", .string(a.user.role.rawValue)),
            ("officer_id", a.user.officerID.map { .string($0) } ?? .null), ("disabled", .bool(a.isDisabled)),
            ("created_at", .string(Timestamp.format(a.createdAt))),
            ("disabled_at", a.disabledAt.map { .string(Timestamp.format($0)) } ?? .null),
        ])
    }

    static func auditJSON(_ e: AuditEntry) -> JSONValue {
        .object([
            ("id", .int(e.id)), ("at", .string(Timestamp.format(e.at))), ("actor", .string(e.actor)),
            ("action", .string(e.action)), ("subject", .string(e.subject)), ("detail", .string(e.detail)),
            ("hash", .string(e.hash)),
        ])
    }
}
