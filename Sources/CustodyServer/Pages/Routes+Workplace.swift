import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The pages around the review loop (issue 13): queue search, the incidents list, the audit
/// trail and a clip's chain of custody, holds, imports, accounts and station tokens.
extension CustodyServer {
    static let pageSize = 50

    /// The distinct stations, categories, reasons and reviewers of the queue's items (for the
    /// search forms), read once per queue version rather than on every page view.
    func facets() async throws -> QueueFacets {
        let version = try await db { c in try await c.queueVersion() }
        if let cached = queueFacets.get("facets", version: version) { return cached }
        let read = try await db { c in try await c.queueFacets() }
        let value = QueueFacets(stations: read.stations, categories: read.categories, reasons: read.reasons, reviewers: read.reviewers)
        queueFacets.put("facets", version: version, value)
        return value
    }

    /// A `YYYY-MM-DD` day in the installation's zone: its first instant, or (for `to`) the first
    /// instant of the next day, so that a day range includes both ends.
    func day(_ text: String?, end: Bool = false) -> Date? {
        guard let text, !text.isEmpty, let start = Timestamp.parse(text + "T00:00:00", zone: config.timeZone) else { return nil }
        return end ? start.addingTimeInterval(86400) : start
    }

    /// A queue state's label key: the states' own words, and "my items".
    static func stateKey(_ state: String) -> String { state == "mine" ? "state_mine" : state }

    static func nonEmpty(_ value: Substring?) -> String? {
        value.map { String($0).trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The query `fields` encoded again (empty ones dropped), for tab, sort and pager links.
    static func query(_ fields: [(String, String?)]) -> String {
        fields.compactMap { name, value in
            guard let value, !value.isEmpty else { return nil }
            return name + "=" + (value.addingPercentEncoding(withAllowedCharacters: Link.unreserved) ?? value)
        }.joined(separator: "&")
    }

    /// Previous / next links and "1–50 / 120" for a page of `count` rows.
    static func pager(_ base: String, _ query: String, page: Int, count: Int, total: Int) -> [String: Any] {
        let first = (page - 1) * pageSize
        let sep = query.isEmpty ? "?" : "?" + query + "&"
        var values: [String: Any] = ["range": count == 0 ? "" : "\(first + 1)–\(first + count) / \(total)"]
        if page > 1 { values["prev"] = base + sep + "page=\(page - 1)" }
        if first + count < total { values["next"] = base + sep + "page=\(page + 1)" }
        return values
    }

    static func options(_ values: [String], selected: String?, label: (String) -> String = { $0 }) -> [[String: Any]] {
        values.map { ["value": $0, "label": label($0), "selected": $0 == selected] }
    }

    // MARK: - Queue search

    func queuePage(_ request: Request, _ p: Page, _ user: User) async throws -> Response {
        let q = request.uri.queryParameters
        let l = p.language
        let stateText = Self.nonEmpty(q["state"]).flatMap { ["open", "claimed", "closed", "all", "mine"].contains($0) ? $0 : nil } ?? "open"
        let sort = Self.nonEmpty(q["sort"]).flatMap(QueueSort.init(rawValue:)) ?? .priority
        let pageNumber = max(1, q["page"].flatMap { Int($0) } ?? 1)
        var filter = QueueFilter(
            state: ["all", "mine"].contains(stateText) ? nil : stateText, incident: Self.nonEmpty(q["incident"]), officer: Self.nonEmpty(q["officer"]),
            station: Self.nonEmpty(q["station"]), category: Self.nonEmpty(q["category"]), reason: Self.nonEmpty(q["reason"]),
            reviewer: Self.nonEmpty(q["reviewer"]), from: day(Self.nonEmpty(q["from"])), to: day(Self.nonEmpty(q["to"]), end: true), sort: sort)
        if stateText == "mine" { filter.state = "claimed"; filter.reviewer = user.name }
        let query = filter
        let result = try await db { c in try await c.queue(query, limit: Self.pageSize, offset: (pageNumber - 1) * Self.pageSize) }
        let counts = try await db { c in try await c.queueCounts(query) }
        let facets = try await facets()
        let mine = try await db { c in try await c.queueCounts(QueueFilter(state: "claimed", reviewer: user.name)) }["claimed"] ?? 0
        let kept: [(String, String?)] = [
            ("incident", filter.incident), ("officer", filter.officer), ("station", filter.station), ("category", filter.category),
            ("reason", filter.reason), ("reviewer", stateText == "mine" ? nil : filter.reviewer), ("from", Self.nonEmpty(q["from"])),
            ("to", Self.nonEmpty(q["to"])), ("sort", sort == .priority ? nil : sort.rawValue),
        ]
        let tabs: [[String: Any]] = ["open", "claimed", "closed", "all", "mine"].map { key in
            let count = key == "all" ? counts.values.reduce(0, +) : key == "mine" ? mine : counts[key] ?? 0
            return ["key": key, "label": l[Self.stateKey(key)], "active": key == stateText, "count": count,
                    "link": "/queue?" + Self.query(kept + [("state", key)])]
        }
        let stations = try await db { c in try await c.incidentStations(result.items.compactMap(\.incidentID)) }
        let items: [[String: Any]] = result.items.map { item in
            var row: [String: Any] = [
                "id": item.id, "priority": item.priority, "reason_label": l["reason_\(item.reason)"],
                "officer": item.officerID ?? "—", "occurred": HTML.localTime(item.occurredAt?.timeIntervalSince1970, zone: config.timeZone),
                "state_label": l[item.state], "claimed_by": item.state == "closed" ? (item.reviewedBy ?? "") : (item.claimedBy ?? ""),
                "verdict_label": item.verdict.map { l["verdict_\($0)"] } ?? "",
                "station": item.incidentID.flatMap { stations[$0] } ?? "",
                "can_claim": item.state == "open" && Access.review.contains(user.role),
                "view_link": (item.incidentID.map { Link.incident($0, item: item.id) } ?? item.clipSHA256.map { Link.clip($0, item: item.id) }) ?? "/queue",
            ]
            if let incident = item.incidentID { row["incident_id"] = incident; row["incident_link"] = Link.incident(incident, item: item.id) }
            if item.incidentID == nil, let sha = item.clipSHA256 { row["clip_link"] = Link.clip(sha, item: item.id); row["clip_short"] = String(sha.prefix(12)) }
            if let lease = item.leaseUntil { row["lease"] = HTML.clock(lease.timeIntervalSince1970, zone: config.timeZone) }
            return row
        }
        var values: [String: Any] = [
            "items": items, "empty": items.isEmpty, "total": result.total, "tabs": tabs,
            "items_word": l[result.total == 1 ? "item" : "items"],
            "f": ["incident": filter.incident ?? "", "officer": filter.officer ?? "", "reviewer": stateText == "mine" ? "" : (filter.reviewer ?? ""),
                  "from": Self.nonEmpty(q["from"]) ?? "", "to": Self.nonEmpty(q["to"]) ?? ""],
            "stations": Self.options(facets.stations, selected: filter.station),
            "categories": Self.options(facets.categories, selected: filter.category),
            "reasons": Self.options(facets.reasons, selected: filter.reason) { l["reason_\($0)"] },
            "reviewers": facets.reviewers,
            "states": Self.options(["open", "claimed", "closed", "all", "mine"], selected: stateText) { l[Self.stateKey($0)] },
            "sorts": Self.options(QueueSort.allCases.map(\.rawValue), selected: sort.rawValue) { l["sort_\($0)"] },
        ]
        values.merge(Self.pager("/queue", Self.query(kept + [("state", stateText)]), page: pageNumber, count: items.count, total: result.total)) { _, new in new }
        return render("queue", values, page: p, title: l["queue"])
    }

    // MARK: - Incidents

    func incidentsPage(_ request: Request, _ p: Page) async throws -> Response {
        let q = request.uri.queryParameters
        let l = p.language
        let pageNumber = max(1, q["page"].flatMap { Int($0) } ?? 1)
        let filter = IncidentFilter(
            incident: Self.nonEmpty(q["incident"]), officer: Self.nonEmpty(q["officer"]), station: Self.nonEmpty(q["station"]),
            category: Self.nonEmpty(q["category"]), findingKind: Self.nonEmpty(q["kind"]),
            from: day(Self.nonEmpty(q["from"])), to: day(Self.nonEmpty(q["to"]), end: true))
        let result = try await db { c in try await c.incidents(filter, limit: Self.pageSize, offset: (pageNumber - 1) * Self.pageSize) }
        let facets = try await facets()
        let rows: [[String: Any]] = result.rows.map { r in
            ["id": r.id, "link": Link.incident(r.id), "received": HTML.localTime(r.receivedAt?.timeIntervalSince1970, zone: config.timeZone),
             "category": r.category ?? "—", "priority": r.priority ?? "—", "station": r.station ?? "—",
             "officers": r.officers.joined(separator: ", "), "clips": r.clips, "findings": r.findings, "open_items": r.openItems]
        }
        let kinds = FindingKind.allCases.map(\.rawValue)
        var values: [String: Any] = [
            "rows": rows, "empty": rows.isEmpty, "total": result.total,
            "f": ["incident": filter.incident ?? "", "officer": filter.officer ?? "", "from": Self.nonEmpty(q["from"]) ?? "", "to": Self.nonEmpty(q["to"]) ?? ""],
            "stations": Self.options(facets.stations, selected: filter.station),
            "categories": Self.options(facets.categories, selected: filter.category),
            "kinds": Self.options(kinds, selected: filter.findingKind) { l["reason_\($0)"] },
        ]
        let kept: [(String, String?)] = [
            ("incident", filter.incident), ("officer", filter.officer), ("station", filter.station), ("category", filter.category),
            ("kind", filter.findingKind), ("from", Self.nonEmpty(q["from"])), ("to", Self.nonEmpty(q["to"])),
        ]
        values.merge(Self.pager("/incidents", Self.query(kept), page: pageNumber, count: rows.count, total: result.total)) { _, new in new }
        return render("incidents", values, page: p, title: l["incidents"])
    }

    // MARK: - Audit trail

    /// The chain's state in words, for the audit and custody pages.
    func chainState(_ p: Page) async throws -> [String: Any] {
        let problems = try await db { c in try await c.verifyAuditChain() }
        if problems.isEmpty { return ["chain_class": "ok", "chain_text": p.language["chain_ok"]] }
        return ["chain_class": "broken", "chain_text": p.language["chain_broken"].replacingOccurrences(of: "{n}", with: String(problems.count))
            + " " + (problems.first ?? "")]
    }

    func auditRow(_ e: AuditEntry, _ p: Page) -> [String: Any] {
        var row: [String: Any] = [
            "id": e.id, "at": HTML.localTime(e.at.timeIntervalSince1970, zone: config.timeZone), "actor": e.actor,
            "action_label": p.language.action(e.action), "subject": e.subject, "detail": e.detail == "{}" ? "" : e.detail,
            "hash_short": String(e.hash.prefix(16)),
        ]
        if e.subject.count == 64, e.subject.allSatisfy(\.isHexDigit) { row["subject_link"] = Link.clip(e.subject) }
        if e.subject.hasPrefix("incident:") { row["subject_link"] = Link.incident(String(e.subject.dropFirst("incident:".count))) }
        return row
    }

    func auditPage(_ request: Request, _ p: Page) async throws -> Response {
        let q = request.uri.queryParameters
        let l = p.language
        let pageNumber = max(1, q["page"].flatMap { Int($0) } ?? 1)
        let filter = AuditFilter(
            subject: Self.nonEmpty(q["subject"]), actor: Self.nonEmpty(q["actor"]), action: Self.nonEmpty(q["action"]),
            from: day(Self.nonEmpty(q["from"])), to: day(Self.nonEmpty(q["to"]), end: true))
        let result = try await db { c in try await c.auditEntries(filter, limit: Self.pageSize, offset: (pageNumber - 1) * Self.pageSize) }
        let actions = try await db { c in try await c.auditActions() }
        var values: [String: Any] = [
            "entries": result.entries.map { auditRow($0, p) }, "empty": result.entries.isEmpty, "total": result.total,
            "f": ["subject": filter.subject ?? "", "actor": filter.actor ?? "", "from": Self.nonEmpty(q["from"]) ?? "", "to": Self.nonEmpty(q["to"]) ?? ""],
            "actions": Self.options(actions, selected: filter.action) { l.action($0) },
        ]
        values.merge(try await chainState(p)) { _, new in new }
        let kept: [(String, String?)] = [
            ("subject", filter.subject), ("actor", filter.actor), ("action", filter.action), ("from", Self.nonEmpty(q["from"])), ("to", Self.nonEmpty(q["to"])),
        ]
        values.merge(Self.pager("/audit", Self.query(kept), page: pageNumber, count: result.entries.count, total: result.total)) { _, new in new }
        return render("audit", values, page: p, title: l["audit_trail"])
    }

    // MARK: - Holds

    func holdsPage(_ request: Request, _ p: Page, _ user: User) async throws -> Response {
        let all = request.uri.queryParameters["all"] != nil
        let holds = try await db { c in try await c.holds(activeOnly: !all) }
        let values: [String: Any] = [
            "holds": holds.map { holdRow($0, p) }, "empty": holds.isEmpty, "all": all,
            "active_count": holds.filter(\.isActive).count, "can_place": Access.holds.contains(user.role),
        ]
        return render("holds", values, page: p, title: p.language["holds"])
    }

    // MARK: - Accounts and station tokens

    static let assignableRoles: [Role] = [.officer, .reviewer, .supervisor, .auditor, .admin]

    func accountsPage(_ request: Request, _ p: Page, _ user: User) async throws -> Response {
        let l = p.language
        let list = try await db { c in try await c.accounts() }
        let rows: [[String: Any]] = list.map { a in
            [
                "name": a.user.name, "name_path": Link.segment(a.user.name), "role_label": l["role_\(a.user.role.rawValue)"],
                "officer_id": a.user.officerID ?? "", "status": l[a.isDisabled ? "status_disabled" : "status_active"],
                "disabled": a.isDisabled, "station": a.user.role == .station, "self": a.user.name == user.name,
                "created": HTML.localTime(a.createdAt.timeIntervalSince1970, zone: config.timeZone),
                "role_options": Self.options(Self.assignableRoles.map(\.rawValue), selected: a.user.role.rawValue) { l["role_\($0)"] },
            ]
        }
        var values: [String: Any] = [
            "accounts": rows, "count": list.count,
            "roles": Self.options(Self.assignableRoles.map(\.rawValue), selected: nil) { l["role_\($0)"] },
        ]
        // The installation's signing key (issue 17), which recipients of export packages check.
        let key = try await OffLoop.run { try SigningKey.loadOrCreate(self.folder) }
        values["fingerprint"] = key.fingerprint
        values["public_key"] = key.publicKeyPEM
        if let done = Self.nonEmpty(request.uri.queryParameters["done"]), let name = Self.nonEmpty(request.uri.queryParameters["user"]) {
            values["notice"] = l["done_\(done)"].replacingOccurrences(of: "{name}", with: name)
        }
        return render("accounts", values, page: p, title: l["accounts"])
    }

    func tokensPage(_ p: Page, newToken: String? = nil) async throws -> Response {
        let tokens = try await db { c in try await c.stationTokens() }
        var values: [String: Any] = [
            "tokens": tokens.map { t in
                ["id": t.id, "station": t.station, "created": HTML.localTime(t.createdAt.timeIntervalSince1970, zone: config.timeZone),
                 "expires": t.expiresAt.map { HTML.localTime($0.timeIntervalSince1970, zone: config.timeZone) } ?? p.language["never"]]
            },
            "empty": tokens.isEmpty,
        ]
        if let newToken { values["new_token"] = newToken }
        return render("tokens", values, page: p, title: p.language["station_tokens"])
    }

    /// A new account's or a reset password: at least 10 characters.
    static func checkPassword(_ password: String) throws {
        guard password.count >= 10, password.count <= 200 else { throw FormRefusal("account_err_password") }
    }

    // MARK: - Imports

    /// Mapping files an import page offers: `DATA/mappings/*.json`.
    func mappingNames() -> [String] {
        let dir = folder.root.appendingPathComponent("mappings")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    /// A rejected row's reason in the reader's language.
    static func rejection(_ r: RejectionReason, _ l: Language) -> String {
        func fill(_ key: String, _ pairs: [(String, String)]) -> String {
            pairs.reduce(l[key]) { $0.replacingOccurrences(of: "{\($1.0)}", with: $1.1) }
        }
        switch r {
        case .missing(let column): return fill("rej_missing", [("column", column)])
        case .badTime(let column, let value): return fill("rej_bad_time", [("column", column), ("value", value)])
        case .order(let later, let earlier): return fill("rej_order", [("later", later), ("earlier", earlier)])
        case .implausibleTime(let column, let value, let window): return fill("rej_implausible", [("column", column), ("value", value), ("window", window)])
        case .nul: return l["rej_nul"]
        case .fieldCount(let count, let header): return fill("rej_fields", [("count", String(count)), ("header", String(header))])
        case .repeated(_, let lines, let conflicting):
            return fill(conflicting ? "rej_conflict" : "rej_repeat", [("lines", lines.map(String.init).joined(separator: ", "))])
        case .other(let text): return text
        }
    }

    func importFragment(_ report: ImportReport, name: String, linked: Catalog.LinkSummary?, _ p: Page) -> String {
        let l = p.language
        var values: [String: Any] = ["t": l.strings, "file": name]
        if let error = report.fileError {
            values["file_error"] = error
        } else {
            let errors = report.rejections.prefix(500).map { ["line": $0.line, "reason": Self.rejection($0.reason, l)] as [String: Any] }
            values.merge([
                "rows_read": report.rowsRead, "imported": report.imported, "new": report.new, "updated": report.updated,
                "rejected": report.rejected, "errors": Array(errors), "has_errors": !errors.isEmpty,
                "extra": report.extra.map { ["label": l["import_\($0.0)"], "value": $0.1] as [String: Any] },
            ]) { _, new in new }
            if let encoding = report.encoding { values["encoding"] = encoding }
            if report.rejections.count > 500 { values["more"] = l["more_rows"].replacingOccurrences(of: "{n}", with: String(report.rejections.count - 500)) }
            if let linked {
                values["linked"] = l["import_linked"].replacingOccurrences(of: "{officers}", with: String(linked.officers))
                    .replacingOccurrences(of: "{links}", with: String(linked.links)).replacingOccurrences(of: "{findings}", with: String(linked.findings))
            }
        }
        return Self.library.render(values, withTemplate: "import_report") ?? ""
    }

    static func fragment(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static let maxImportBytes = 64 * 1024 * 1024

    // MARK: - Routes

    func addWorkplacePageRoutes(_ router: Router<CustodyRequestContext>) {
        router.get("/incidents") { request, context in
            switch pageUser(request, context, Access.read) { case .user: break; case .response(let r): return r }
            return try await incidentsPage(request, page(request, context))
        }
        router.get("/audit") { request, context in
            switch pageUser(request, context, Access.audit) { case .user: break; case .response(let r): return r }
            return try await auditPage(request, page(request, context))
        }
        router.get("/clips/{sha256}/custody") { request, context in
            let user: User
            switch pageUser(request, context, Access.custody) { case .user(let u): user = u; case .response(let r): return r }
            let p = page(request, context)
            guard let sha = try context.path("sha256")?.lowercased(), sha.count == 64, sha.allSatisfy(\.isHexDigit),
                  let evidence = try await db({ c in try await c.evidence(sha256: sha) }) else {
                throw APIError(.notFound, "No stored clip has that SHA-256.")
            }
            let entries = try await db { c in try await c.chainOfCustody(sha256: sha) }
            try await db { c in try await c.audit(actor: user.name, action: "viewed", subject: "custody:\(sha)") }
            var values: [String: Any] = [
                "sha": sha, "sha_short": String(sha.prefix(16)), "officer": evidence.officerID ?? "—",
                "location": p.language["location_\(evidence.location.rawValue)"],
                "verified": entries.last(where: { $0.action == "verified" || $0.action == "audited" }).map {
                    HTML.localTime($0.at.timeIntervalSince1970, zone: config.timeZone) } ?? "—",
                "entries": entries.map { auditRow($0, p) },
            ]
            values.merge(try await chainState(p)) { _, new in new }
            return render("custody", values, page: p, title: p.language["chain_of_custody"])
        }

        // Holds: supervisors place and release, auditors read.
        router.get("/holds") { request, context in
            let user: User
            switch pageUser(request, context, Access.readHolds) { case .user(let u): user = u; case .response(let r): return r }
            return try await holdsPage(request, page(request, context), user)
        }
        router.post("/holds") { request, context in
            let user: User
            switch pageUser(request, context, Access.holds) { case .user(let u): user = u; case .response(let r): return r }
            let fields = try await formBody(request, context)
            try checkCSRF(request, fields)
            func text(_ name: String) -> String? { fields[name]?.first.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 } }
            guard let kind = Hold.Kind(rawValue: text("kind") ?? "legal_hold") else { throw FormRefusal("hold_err_kind") }
            let reason = text("reason") ?? ""
            guard reason.count <= Self.maxReasonCharacters else { throw FormRefusal("hold_err_reason_long") }
            let clip = text("clip")?.lowercased(), incident = text("incident")
            if let clip, clip.count != 64 || !clip.allSatisfy(\.isHexDigit) { throw FormRefusal("hold_err_sha") }
            _ = try await db { c in try await c.placeHold(kind: kind, clip: clip, incident: incident, reason: reason, by: user.name) }
            return Self.redirect("/holds")
        }
        router.post("/holds/{id}/release") { request, context in
            let user: User
            switch pageUser(request, context, Access.holds) { case .user(let u): user = u; case .response(let r): return r }
            let fields = try await formBody(request, context)
            try checkCSRF(request, fields)
            guard let id = try context.path("id").flatMap({ Int64($0) }), id > 0 else { throw APIError(.notFound, "No such hold.") }
            let reason = (fields["reason"]?.first ?? "").trimmingCharacters(in: .whitespaces)
            guard reason.count <= Self.maxReasonCharacters else { throw FormRefusal("hold_err_reason_long") }
            _ = try await db { c in try await c.releaseHold(id, reason: reason, by: user.name) }
            return Self.redirect("/holds")
        }

        // Imports: supervisors and admins.
        router.get("/imports") { request, context in
            switch pageUser(request, context, Access.imports) { case .user: break; case .response(let r): return r }
            let p = page(request, context)
            return render("imports", ["mappings": mappingNames()], page: p, title: p.language["imports"])
        }
        router.post("/imports") { request, context in
            let user: User
            switch pageUser(request, context, Access.imports) { case .user(let u): user = u; case .response(let r): return r }
            let p = page(request, context)
            let l = p.language
            // The file is the body (the page's script sends it), so the form token comes as a header.
            guard let sent = request.headers[HTTPField.Name("X-CSRF-Token")!], sent == csrf(for: p.sessionToken), !sent.isEmpty else {
                return Self.fragment("<div class=\"flash\">\(HTML.escape(l["err_stale_form"]))</div>", status: .forbidden)
            }
            let q = request.uri.queryParameters
            let kind = Self.nonEmpty(q["kind"]) ?? "dispatch"
            let name = (Self.nonEmpty(q["name"]) ?? "upload.csv").replacingOccurrences(of: "/", with: "_")
            guard ["dispatch", "checkout"].contains(kind) else { return Self.fragment("<div class=\"flash\">\(HTML.escape(l["err_bad_request"]))</div>", status: .badRequest) }
            var encoding: CSVFile.TextEncoding? = nil
            if let named = Self.nonEmpty(q["encoding"]) {
                guard let e = CSVFile.TextEncoding.named(named) else { return Self.fragment("<div class=\"flash\">\(HTML.escape(l["err_bad_request"]))</div>", status: .badRequest) }
                encoding = e
            }
            var mapping = DispatchImport.Mapping()
            if let file = Self.nonEmpty(q["mapping"]) {
                guard mappingNames().contains(file) else { return Self.fragment("<div class=\"flash\">\(HTML.escape(l["mapping_unknown"]))</div>", status: .badRequest) }
                do { mapping = try DispatchImport.Mapping.load(path: folder.root.appendingPathComponent("mappings").appendingPathComponent(file).path) } catch {
                    return Self.fragment("<div class=\"flash\">\(HTML.escape(l["mapping_unreadable"])) \(HTML.escape("\(error)"))</div>", status: .badRequest)
                }
            }
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: Self.maxImportBytes) } catch {
                let text = l["import_too_large"].replacingOccurrences(of: "{mb}", with: String(Self.maxImportBytes / 1_048_576))
                return Self.fragment("<div class=\"flash\">\(HTML.escape(text))</div>", status: .contentTooLarge)
            }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("custody-import-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent(name).path
            guard FileManager.default.createFile(atPath: path, contents: Data(body.readableBytesView)) else { throw APIError(.internalServerError, "The upload could not be written.") }
            let catalog = catalog, zone = config.timeZone, actor = user.name
            let (report, officers) = kind == "dispatch"
                ? await DispatchImport.run(path: path, catalog: catalog, zone: zone, mapping: mapping, encoding: encoding, actor: actor)
                : await DeviceImport.run(path: path, catalog: catalog, zone: zone, encoding: encoding, actor: actor)
            var linked: Catalog.LinkSummary? = nil
            if report.fileError == nil, !officers.isEmpty {
                let policy = config.policy
                linked = try await db { c in try await c.relinkAndRefreshQueue(officers: officers, policy: policy, actor: actor) }
            }
            var shown = report
            shown.file = name
            return Self.fragment(importFragment(shown, name: name, linked: linked, p))
        }

        // Accounts and station tokens: admins.
        router.get("/admin/accounts") { request, context in
            let user: User
            switch pageUser(request, context, Access.admin) { case .user(let u): user = u; case .response(let r): return r }
            return try await accountsPage(request, page(request, context), user)
        }
        router.post("/admin/accounts") { request, context in
            let user: User
            switch pageUser(request, context, Access.admin) { case .user(let u): user = u; case .response(let r): return r }
            let fields = try await formBody(request, context)
            try checkCSRF(request, fields)
            let name = (fields["name"]?.first ?? "").trimmingCharacters(in: .whitespaces)
            let password = fields["password"]?.first ?? ""
            guard !name.isEmpty, name.count <= 64, !name.contains("/") else { throw FormRefusal("account_err_name") }
            guard let role = Role(rawValue: fields["role"]?.first ?? ""), Self.assignableRoles.contains(role) else { throw FormRefusal("account_err_invalid") }
            let officerID = fields["officer_id"]?.first.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            if role == .officer && officerID == nil { throw FormRefusal("account_err_officer_id_required") }
            try Self.checkPassword(password)
            let hash = await Passwords.hash(password, cost: 12)
            _ = try await db { c in try await c.addUser(name: name, role: role, officerID: role == .officer ? officerID : officerID, passwordHash: hash, by: user.name) }
            return Self.redirect("/admin/accounts?" + Self.query([("done", "created"), ("user", name)]))
        }
        for action in ["disable", "enable", "password", "role"] {
            router.post("/admin/accounts/{name}/\(action)") { request, context in
                let user: User
                switch pageUser(request, context, Access.admin) { case .user(let u): user = u; case .response(let r): return r }
                let fields = try await formBody(request, context)
                try checkCSRF(request, fields)
                guard let name = try context.path("name") else { throw FormRefusal("account_err_not_found") }
                switch action {
                case "disable", "enable":
                    _ = try await db { c in try await c.setDisabled(name: name, action == "disable", by: user.name) }
                    tokens.removeAll()
                case "password":
                    let password = fields["password"]?.first ?? ""
                    try Self.checkPassword(password)
                    let hash = await Passwords.hash(password, cost: 12)
                    _ = try await db { c in try await c.setPassword(name: name, passwordHash: hash, by: user.name) }
                    tokens.removeAll()
                default:
                    guard let role = Role(rawValue: fields["role"]?.first ?? ""), Self.assignableRoles.contains(role) else {
                        throw FormRefusal("account_err_invalid")
                    }
                    let officerID = fields["officer_id"]?.first.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
                    _ = try await db { c in try await c.changeRole(name: name, role: role, officerID: officerID, by: user.name) }
                    tokens.removeAll()
                }
                let done = ["disable": "disabled", "enable": "enabled", "password": "password", "role": "role"][action] ?? action
                return Self.redirect("/admin/accounts?" + Self.query([("done", done), ("user", name)]))
            }
        }
        router.get("/admin/tokens") { request, context in
            switch pageUser(request, context, Access.admin) { case .user: break; case .response(let r): return r }
            return try await tokensPage(page(request, context))
        }
        router.post("/admin/tokens") { request, context in
            let user: User
            switch pageUser(request, context, Access.admin) { case .user(let u): user = u; case .response(let r): return r }
            let fields = try await formBody(request, context)
            try checkCSRF(request, fields)
            let station = (fields["station"]?.first ?? "").trimmingCharacters(in: .whitespaces)
            guard !station.isEmpty, station.count <= 64, !station.contains("/") else { throw FormRefusal("account_err_name") }
            guard let days = Int(fields["days"]?.first ?? "365"), (1...3650).contains(days) else { throw FormRefusal("account_err_days") }
            let unusable = await Passwords.hash(UUID().uuidString + UUID().uuidString, cost: 4)
            let account = try await db { c in try await c.stationUser(name: station, unusablePasswordHash: unusable) }
            let token = try await db { c in try await c.issueStationToken(for: account, lifetime: TimeInterval(days) * 86400, actor: user.name) }
            return try await tokensPage(page(request, context), newToken: token)
        }
        router.post("/admin/tokens/{id}/revoke") { request, context in
            let user: User
            switch pageUser(request, context, Access.admin) { case .user(let u): user = u; case .response(let r): return r }
            let fields = try await formBody(request, context)
            try checkCSRF(request, fields)
            guard let id = try context.path("id") else { throw FormRefusal("account_err_not_found") }
            _ = try await db { c in try await c.revokeStationToken(id: id, by: user.name) }
            tokens.removeAll()
            return Self.redirect("/admin/tokens")
        }
    }
}

/// What the search forms offer, as `Catalog.queueFacets` reads it.
struct QueueFacets: Sendable {
    var stations: [String]
    var categories: [String]
    var reasons: [String]
    var reviewers: [String]
}
