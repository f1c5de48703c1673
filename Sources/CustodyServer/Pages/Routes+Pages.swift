import CustodyCore
import CustodyStore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The web UI for reviewers and supervisors: queue, incident, clip and report pages in Chinese
/// or English, forms protected by a CSRF token. Unauthenticated page requests go to the login
/// page; a wrong role gets a 403 page.
extension CustodyServer {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in Templates.all.merging(Templates.workplace, uniquingKeysWith: { _, new in new }) { try! library.register(text, named: name) }
        try! library.register(Templates.review, named: "review")
        try! library.register(myFootageTemplate, named: "my")
        return library
    }()

    struct Page {
        var language: Language
        var user: User?
        var sessionToken: String?
        var path: String
        /// The query, as sent (`state=closed&page=2`), kept by the language switch.
        var query: String = ""

        /// Where the language switch returns to: this page with its query, encoded as one
        /// query value.
        var next: String {
            let target = query.isEmpty ? path : path + "?" + query
            return target.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn:
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")) ?? path
        }
    }

    func page(_ request: Request, _ context: CustodyRequestContext) -> Page {
        Page(
            language: Language.choose(cookie: request.cookies["custody_lang"]?.value, acceptLanguage: request.headers[.acceptLanguage]),
            user: context.user, sessionToken: request.cookies[AuthMiddleware.cookieName]?.value, path: request.uri.path,
            query: request.uri.query ?? "")
    }

    /// A CSRF token bound to the session: HMAC-SHA256 of the session token under the folder's key.
    func csrf(for session: String?) -> String {
        guard let session else { return "" }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(session.utf8), using: csrfKey)
        return Data(mac).map { String(format: "%02x", $0) }.joined()
    }

    func render(_ template: String, _ values: [String: Any], page: Page, title: String, status: HTTPResponse.Status = .ok) -> Response {
        var context = values
        context["t"] = page.language.strings
        context["csrf"] = csrf(for: page.sessionToken)
        context["home"] = Self.home(page.user)
        context["home_label"] = page.language[Self.homeLabel(page.user)]
        let body = Self.library.render(context, withTemplate: template) ?? ""
        let path = page.path
        var layout: [String: Any] = [
            "t": page.language.strings, "lang": page.language.htmlTag, "other_lang": page.language.other.rawValue,
            "title": title, "body": body, "path": path, "next": page.next, "csrf": csrf(for: page.sessionToken),
            "nav_queue": path.hasPrefix("/queue"), "nav_incidents": path.hasPrefix("/incidents"), "nav_reports": path.hasPrefix("/reports"),
            "nav_my": path.hasPrefix("/my"), "nav_holds": path.hasPrefix("/holds"), "nav_exports": path.hasPrefix("/exports"), "nav_imports": path.hasPrefix("/imports"),
            "nav_audit": path.hasPrefix("/audit"), "nav_admin": path.hasPrefix("/admin/accounts"), "nav_tokens": path.hasPrefix("/admin/tokens"),
        ]
        if let user = page.user {
            layout["user"] = [
                "name": user.name, "role": page.language["role_\(user.role.rawValue)"], "can_queue": Access.read.contains(user.role),
                "can_reports": Access.reports.contains(user.role), "officer": user.role == .officer,
                "can_holds": Access.readHolds.contains(user.role), "can_imports": Access.imports.contains(user.role),
                "can_audit": Access.audit.contains(user.role), "admin": Access.admin.contains(user.role),
            ]
        }
        if let notice = values["notice"] { layout["notice"] = notice }
        if let flash = values["flash"] { layout["flash"] = flash }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self'"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        let html = Self.library.render(layout, withTemplate: "layout") ?? body
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// Where `/` leads: the login page, an officer's own footage, an admin's accounts, or the queue.
    static func home(_ user: User?) -> String {
        guard let user else { return "/login" }
        switch user.role {
        case .officer: return "/my"
        case .admin: return "/admin/accounts"
        case .station: return "/login"
        default: return "/queue"
        }
    }

    /// The words for the link to `home(user)`.
    static func homeLabel(_ user: User?) -> String {
        switch user?.role {
        case nil, .station?: return "sign_in"
        case .officer?: return "my_footage"
        case .admin?: return "accounts"
        default: return "queue"
        }
    }

    /// Only same-site paths are followed after login or a language switch.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/queue" }
        return next
    }

    /// The signed-in account for a page with `roles`, or the response to send instead.
    enum PageAccess {
        case user(User)
        case response(Response)
    }

    func pageUser(_ request: Request, _ context: CustodyRequestContext, _ roles: Set<Role>) -> PageAccess {
        guard let user = context.user else {
            // A form sent after the session ended returns, once signed in, to the page it was
            // sent from (its draft is kept there), never to the form's POST-only address.
            let asked = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            let next = request.method == .post ? (Self.sameSiteReferer(request) ?? "/queue") : asked
            return .response(Self.redirect("/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: Link.unreserved) ?? "/queue")))
        }
        guard roles.contains(user.role) else {
            let p = page(request, context)
            return .response(render("message", ["heading": "403 · \(p.language["err_heading_403"])", "text": p.language["forbidden"]], page: p, title: "403", status: .forbidden))
        }
        return .user(user)
    }

    /// The answer when a request's token or session could not be looked up: JSON for the API,
    /// a page in the reader's language otherwise; 503 with Retry-After either way.
    func signInUnavailable(_ request: Request) -> Response {
        let path = request.uri.path
        guard !path.hasPrefix("/api/"), path != "/metrics", path != "/health" else { return AuthMiddleware.unavailableJSON() }
        let p = Page(
            language: Language.choose(cookie: request.cookies["custody_lang"]?.value, acceptLanguage: request.headers[.acceptLanguage]),
            user: nil, sessionToken: nil, path: path)
        let text = p.language["unavailable_text"].replacingOccurrences(of: "{s}", with: String(AuthMiddleware.retryAfter))
        return render("message", ["heading": "503 · \(p.language["unavailable_heading"])", "text": text],
                      page: p, title: p.language["unavailable_heading"], status: .serviceUnavailable)
            .withHeaders([.retryAfter: String(AuthMiddleware.retryAfter)])
    }

    /// The form's fields; a form over `maxFormBody` is answered with a 413 page in the reader's
    /// language (nothing of it is used).
    func formBody(_ request: Request, _ context: CustodyRequestContext) async throws -> [String: [String]] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: settings.maxFormBody)
        } catch {
            let p = page(request, context)
            let text = p.language["form_too_large"].replacingOccurrences(of: "{kb}", with: String(settings.maxFormBody / 1024))
            throw PageAnswer(response: render("message", ["heading": "413 · \(p.language["too_large_heading"])", "text": text],
                                              page: p, title: p.language["too_large_heading"], status: .contentTooLarge))
        }
        return HTML.formFields(String(buffer: buffer))
    }

    /// Form posts must carry the session's CSRF token.
    func checkCSRF(_ request: Request, _ fields: [String: [String]]) throws {
        let expected = csrf(for: request.cookies[AuthMiddleware.cookieName]?.value)
        guard !expected.isEmpty, fields["_csrf"]?.first == expected else {
            throw StaleForm()
        }
    }

    func addPageRoutes(_ router: Router<CustodyRequestContext>) {
        router.get("/") { _, context in Self.redirect(Self.home(context.user)) }

        router.get("/login") { request, context in
            let p = page(request, context)
            return render("login", ["next": Self.safeNext(request.uri.queryParameters["next"].map(String.init))], page: p, title: p.language["sign_in"])
        }
        router.post("/login") { request, context in
            let fields = try await formBody(request, context)
            let p = page(request, context)
            let name = fields["username"]?.first ?? "", password = fields["password"]?.first ?? ""
            let next = Self.safeNext(fields["next"]?.first)
            let address = context.remoteAddress ?? "unknown"
            if let refusal = try await throttle.check(name: name, address: address) {
                let key: String
                switch refusal {
                case .name: key = "throttled_name"
                case .address: key = "throttled_address"
                }
                let flash = p.language[key].replacingOccurrences(of: "{minutes}", with: String(refusal.minutes))
                var response = render("login", ["next": next, "flash": flash], page: p, title: p.language["sign_in"], status: .tooManyRequests)
                response.headers[.retryAfter] = String(refusal.retryAfter)
                return response
            }
            guard let user = try await signIn(name: name, password: password, address: address) else {
                return render("login", ["next": next, "flash": p.language["bad_login"]], page: p, title: p.language["sign_in"], status: .unauthorized)
            }
            let token = try await db { c in try await c.issueToken(for: user, kind: "session", lifetime: settings.sessionLifetime) }
            // Each role lands on its own home (officers: their footage; admins: accounts) unless
            // they asked for a page.
            return Self.redirect(next == "/queue" ? Self.home(user) : next, cookies: [sessionCookie(token)])
        }
        router.post("/logout") { request, context in
            let fields = try await formBody(request, context)
            try checkCSRF(request, fields)
            if let token = request.cookies[AuthMiddleware.cookieName]?.value {
                try await db { c in try await c.revokeToken(token) }
                tokens.remove(token)
            }
            if let user = context.user { try await db { c in try await c.audit(actor: user.name, action: "signed-out", subject: "session") } }
            return Self.redirect("/login", cookies: ["\(AuthMiddleware.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"])
        }
        router.get("/lang/{lang}") { request, context in
            let lang = Language(rawValue: try context.path("lang") ?? "") ?? .zh
            return Self.redirect(Self.safeNext(request.uri.queryParameters["next"].map(String.init)),
                                 cookies: ["custody_lang=\(lang.rawValue); Path=/; SameSite=Lax; Max-Age=31536000"])
        }
        if settings.demoMode {
            // `custody demo` only: one-click sign-in for the demo accounts (used by tools/ui-check).
            router.get("/demo-login") { request, _ in
                let q = request.uri.queryParameters
                guard let name = q["user"].map(String.init), let user = try await db({ c in try await c.credentials(name: name) })?.0 else {
                    throw APIError(.notFound, "No demo account by that name.")
                }
                let token = try await db { c in try await c.issueToken(for: user, kind: "session", lifetime: settings.sessionLifetime) }
                var cookies = [sessionCookie(token)]
                if let lang = q["lang"].flatMap({ Language(rawValue: String($0)) }) {
                    cookies.append("custody_lang=\(lang.rawValue); Path=/; SameSite=Lax; Max-Age=31536000")
                }
                return Self.redirect(Self.safeNext(q["next"].map(String.init)), cookies: cookies)
            }
        }

        router.get("/queue") { request, context in
            let user: User
            switch pageUser(request, context, Access.read) { case .user(let u): user = u; case .response(let r): return r }
            let p = page(request, context)
            return try await queuePage(request, p, user)
        }
        router.get("/incidents/{incident_id}") { request, context in
            let user: User
            switch pageUser(request, context, Access.read) { case .user(let u): user = u; case .response(let r): return r }
            let p = page(request, context)
            guard let id = try context.path("incident_id"), let detail = try await db({ c in try await c.incidentDetail(id, handling: config.policy.handling, asOf: Date()) }) else {
                return render("message", ["heading": "404", "text": p.language["not_found"]], page: p, title: "404", status: .notFound)
            }
            try await db { c in try await c.audit(actor: user.name, action: "viewed", subject: "incident:\(id)") }
            return try await incidentPage(request, p, user, id, detail)
        }
        router.get("/clips/{sha256}") { request, context in
            switch pageUser(request, context, Access.clips) { case .user: break; case .response(let r): return r }
            let p = page(request, context)
            let (user, evidence): (User, EvidenceRecord)
            do { (user, evidence) = try await clipFor(context) } catch let error as APIError {
                return render("message", ["heading": "\(error.status.code)", "text": error.message], page: p, title: "\(error.status.code)", status: error.status)
            }
            try await db { c in try await c.audit(actor: user.name, action: "viewed", subject: evidence.sha256) }
            return try await clipPage(request, p, user, evidence)
        }
        for action in ["claim", "release", "verdict", "reopen", "renew", "reassign"] {
            router.post("/queue/{id}/\(action)") { request, context in
                let roles = action == "reopen" || action == "reassign" ? Access.supervise : Access.review
                let user: User
                switch pageUser(request, context, roles) { case .user(let u): user = u; case .response(let r): return r }
                let fields = try await formBody(request, context)
                try checkCSRF(request, fields)
                let id = try itemID(context)
                let p = page(request, context)
                @Sendable func text(_ name: String) -> String? {
                    fields[name]?.first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
                }
                // The same limits as the API's (issue 13, item 10): refused, not stored.
                for (name, limit) in [("note", Self.maxNoteCharacters), ("reason", Self.maxReasonCharacters)] {
                    if let value = text(name), value.count > limit {
                        let message = p.language["note_too_long"].replacingOccurrences(of: "{max}", with: Self.grouped(limit))
                            .replacingOccurrences(of: "{count}", with: Self.grouped(value.count))
                        var values: [String: Any] = ["heading": "400 · \(p.language["err_heading"])", "text": message, "kept": true]
                        let itemAddress = try await itemPage(id)
                        values["back"] = Self.sameSiteReferer(request) ?? itemAddress
                        return render("message", values, page: p, title: "400", status: .badRequest)
                    }
                }
                var target = try await itemPage(id)
                switch action {
                case "claim": _ = try await db { c in try await c.claim(id, by: user.name, lease: settings.lease) }
                case "release": _ = try await db { c in try await c.release(id, by: user.name, asSupervisor: user.role == .supervisor) }
                case "renew": _ = try await db { c in try await c.renew(id, by: user.name, lease: settings.lease) }
                case "reopen":
                    guard let reason = text("reason") else { throw FormRefusal("err_reason_needed") }
                    _ = try await db { c in try await c.reopen(id, by: user.name, reason: reason) }
                case "reassign":
                    guard let to = text("to") else { throw FormRefusal("err_reviewer_needed") }
                    _ = try await db { c in try await c.reassign(id, to: to, by: user.name, lease: settings.lease) }
                default:
                    let verdict = fields["verdict"]?.first ?? "", checklist = fields["checklist"] ?? [], note = text("note")
                    _ = try await db { c in try await c.recordVerdict(id, by: user.name, verdict: verdict, checklist: checklist, note: note) }
                    // The page clears the browser's draft when it sees the verdict was saved.
                    target += (target.contains("?") ? "&" : "?") + "saved=1"
                }
                return Self.redirect(target)
            }
            // A bookmarked or replayed form address leads to the item's page, not to an error.
            router.get("/queue/{id}/\(action)") { _, context in
                Self.redirect((try? await itemPage(try itemID(context))) ?? "/queue")
            }
        }
        router.post("/incidents/{incident_id}/request-review") { request, context in
            let user: User
            switch pageUser(request, context, Access.requestReview) { case .user(let u): user = u; case .response(let r): return r }
            let fields = try await formBody(request, context)
            try checkCSRF(request, fields)
            guard let id = try context.path("incident_id") else { throw APIError(.notFound, "No such incident.") }
            let reason = (fields["reason"]?.first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty, reason.count <= Self.maxReasonCharacters else { throw FormRefusal("err_reason_needed") }
            let officer = fields["officer"]?.first.flatMap { $0.isEmpty ? nil : $0 }
            let item = try await db { c in try await c.requestReview(incident: id, officer: officer, reason: reason, by: user.name) }
            return Self.redirect(Link.incident(id, item: item.id))
        }
    }

    /// A verdict's note, at most (the API's limit and the form's).
    static let maxNoteCharacters = 4000
    /// A reason (reopening, a request for review, a hold), at most.
    static let maxReasonCharacters = 400

    /// 20000 → "20,000", whatever the machine's locale.
    static func grouped(_ n: Int) -> String {
        var digits = Array(String(n.magnitude)), out: [Character] = []
        while digits.count > 3 { out = [","] + digits.suffix(3) + out; digits.removeLast(3) }
        return (n < 0 ? "-" : "") + String(digits + out)
    }

    func sessionCookie(_ token: String) -> String {
        "\(AuthMiddleware.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(settings.sessionLifetime))"
    }

    /// Where an item is reviewed: its incident page, or its clip page.
    func itemPage(_ id: Int64) async throws -> String {
        guard let item = try await db({ c in try await c.reviewItem(id) }) else { return "/queue" }
        if let incident = item.incidentID { return Link.incident(incident, item: id) }
        if let sha = item.clipSHA256 { return Link.clip(sha, item: id) }
        return "/queue"
    }

    /// Shared by the password API and the login form: nil on a wrong name or password.
    func signIn(name: String, password: String, address: String) async throws -> User? {
        let found = try await db { c in try await c.credentials(name: name) }
        let hash = found?.1 ?? "$2b$04$abcdefghijklmnopqrstuu6aZ0Uq1wmPGYOkJ8QeSkX9tG5/5RJzu"
        let valid = await Passwords.verify(password, hash: hash)
        guard let (user, _) = found, valid, user.role != .station else {
            try await throttle.failed(name: name, address: address)
            return nil
        }
        try await throttle.succeeded(name: name, address: address)
        try await db { c in try await c.audit(actor: user.name, action: "signed-in", subject: "session") }
        return user
    }
}
