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
        for (name, text) in Templates.all { try! library.register(text, named: name) }
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
        let body = Self.library.render(context, withTemplate: template) ?? ""
        var layout: [String: Any] = [
            "t": page.language.strings, "lang": page.language.htmlTag, "other_lang": page.language.other.rawValue,
            "title": title, "body": body, "path": page.path, "next": page.next, "csrf": csrf(for: page.sessionToken),
            "nav_queue": page.path.hasPrefix("/queue") || page.path.hasPrefix("/incidents"), "nav_reports": page.path.hasPrefix("/reports"),
            "nav_my": page.path.hasPrefix("/my"),
        ]
        if let user = page.user {
            layout["user"] = ["name": user.name, "role": user.role.rawValue, "can_queue": Access.read.contains(user.role), "can_reports": Access.reports.contains(user.role), "officer": user.role == .officer]
        }
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

    /// Where `/` leads: the login page, an officer's own footage, or the queue.
    static func home(_ user: User?) -> String {
        guard let user else { return "/login" }
        return user.role == .officer ? "/my" : "/queue"
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
            let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            return .response(Self.redirect("/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: Link.unreserved) ?? "/queue")))
        }
        guard roles.contains(user.role) else {
            let p = page(request, context)
            return .response(render("message", ["heading": "403", "text": p.language["forbidden"]], page: p, title: "403", status: .forbidden))
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
            throw APIError(.forbidden, "The form's security token is missing or stale: reload the page and try again.")
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
            // Officers land on their own footage unless they asked for a page.
            return Self.redirect(user.role == .officer && next == "/queue" ? "/my" : next, cookies: [sessionCookie(token)])
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
        for action in ["claim", "release", "verdict", "reopen"] {
            router.post("/queue/{id}/\(action)") { request, context in
                let roles = action == "reopen" ? Access.supervise : Access.review
                let user: User
                switch pageUser(request, context, roles) { case .user(let u): user = u; case .response(let r): return r }
                let fields = try await formBody(request, context)
                try checkCSRF(request, fields)
                let id = try itemID(context)
                switch action {
                case "claim": _ = try await db { c in try await c.claim(id, by: user.name, lease: settings.lease) }
                case "release": _ = try await db { c in try await c.release(id, by: user.name, asSupervisor: user.role == .supervisor) }
                case "reopen": _ = try await db { c in try await c.reopen(id, by: user.name) }
                default:
                    let note = fields["note"]?.first.flatMap { $0.isEmpty ? nil : $0 }
                    // The same limit as the API's (issue 13, item 10): refused, not stored.
                    if let note, note.count > Self.maxNoteCharacters {
                        let p = page(request, context)
                        let text = p.language["note_too_long"].replacingOccurrences(of: "{max}", with: "4,000")
                            .replacingOccurrences(of: "{count}", with: Self.grouped(note.count))
                        return render("message", ["heading": "400", "text": text], page: p, title: "400", status: .badRequest)
                    }
                    _ = try await db { c in try await c.recordVerdict(id, by: user.name, verdict: fields["verdict"]?.first ?? "", checklist: fields["checklist"] ?? [], note: note) }
                }
                return Self.redirect(try await itemPage(id))
            }
        }
    }

    /// A verdict's note, at most (the API's limit and the form's).
    static let maxNoteCharacters = 4000

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
