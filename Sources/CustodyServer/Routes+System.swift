import CustodyCore
import CustodyStore
import CustodyIngest
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension CustodyServer {
    /// `GET /health` and `GET /metrics`: anyone on the host.
    func addSystemRoutes(_ router: Router<CustodyRequestContext>) {
        router.get("/health") { _, _ in
            JSONResponse.ok(.object([("status", .string("ok"))]))
        }
        // The installation's public signing key (issue 17), made on first use: export packages
        // are signed with it, and a recipient checks their copy of signing-key.pem against this.
        router.get("/api/signing-key") { _, context in
            _ = try context.require(Access.custody)
            let key = try await OffLoop.run { try SigningKey.loadOrCreate(self.folder) }
            return JSONResponse.ok(.object([
                ("algorithm", .string("Ed25519")), ("public_key_pem", .string(key.publicKeyPEM)), ("fingerprint", .string(key.fingerprint)),
            ]))
        }
        router.get("/metrics") { _, _ in
            let text = try await metrics.render(catalog: catalog)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    /// `POST /api/session`: anyone; `DELETE /api/session`: the signed-in account.
    func addSessionRoutes(_ router: Router<CustodyRequestContext>) {
        router.post("/api/session") { request, context in
            let body = try await jsonObject(request)
            guard let name = body["username"] as? String, let password = body["password"] as? String, !name.isEmpty else {
                throw APIError(.badRequest, "Send {\"username\": …, \"password\": …}.")
            }
            let address = context.remoteAddress ?? "unknown"
            if let refusal = try await throttle.check(name: name, address: address) {
                let what: String
                switch refusal {
                case .name: what = "for \(SignInGuard.storedName(name).name)"
                case .address: what = "from \(address)"
                }
                throw APIError(.tooManyRequests, "Too many failed sign-ins \(what); try again in \(refusal.minutes) minutes.")
                    .with(.retryAfter, String(refusal.retryAfter))
            }
            guard let user = try await signIn(name: name, password: password, address: address) else {
                throw APIError(.unauthorized, "Wrong user name or password.")
            }
            let token = try await db { c in try await c.issueToken(for: user, kind: "session", lifetime: settings.sessionLifetime) }
            var headers = HTTPFields()
            headers[.setCookie] = sessionCookie(token)
            return JSONResponse.ok(.object([("token", .string(token)), ("role", .string(user.role.rawValue))]), headers: headers)
        }
        router.delete("/api/session") { request, context in
            let user = try context.signedIn()
            if let token = AuthMiddleware.token(from: request) {
                try await db { c in try await c.revokeToken(token) }
                tokens.remove(token)
            }
            try await db { c in try await c.audit(actor: user.name, action: "signed-out", subject: "session") }
            var headers = HTTPFields()
            headers[.setCookie] = "\(AuthMiddleware.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
            return JSONResponse.ok(.object([("signed_out", .bool(true))]), headers: headers)
        }
    }
}

/// Request counters for `/metrics`, plus figures read from the catalog when scraped.
final class Metrics: RouterMiddleware, @unchecked Sendable {
    typealias Context = CustodyRequestContext
    private let lock = NSLock()
    private var requests: [String: Int] = [:]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        lock.withLock { requests["\(request.method.rawValue) \(response.status.code)", default: 0] += 1 }
        return response
    }

    func render(catalog: Catalog) async throws -> String {
        var lines = ["# HELP custody_http_requests_total HTTP requests by method and status.", "# TYPE custody_http_requests_total counter"]
        let snapshot = lock.withLock { requests }
        for (key, count) in snapshot.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: " ")
            lines.append("custody_http_requests_total{method=\"\(parts[0])\",status=\"\(parts[1])\"} \(count)")
        }
        let figures = try await OffLoop.catalog(catalog) { c in try await c.serverFigures() }
        lines.append("# HELP custody_queue_items Review queue items by state.")
        lines.append("# TYPE custody_queue_items gauge")
        for (state, count) in figures.queue.sorted(by: { $0.key < $1.key }) {
            lines.append("custody_queue_items{state=\"\(state)\"} \(count)")
        }
        lines.append("# HELP custody_evidence_files Stored originals by location.")
        lines.append("# TYPE custody_evidence_files gauge")
        for (location, count) in figures.evidence.sorted(by: { $0.key < $1.key }) {
            lines.append("custody_evidence_files{location=\"\(location)\"} \(count)")
        }
        lines.append("# HELP custody_ingest_receipts_total Hand-ins recorded (duplicates included).")
        lines.append("# TYPE custody_ingest_receipts_total counter")
        lines.append("custody_ingest_receipts_total \(figures.receipts)")
        return lines.joined(separator: "\n") + "\n"
    }
}
