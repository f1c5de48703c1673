@testable import CustodyServer
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 13: the pages around the review loop, their words, their errors and their rules.
@Suite struct WorkplacePageTests {
    /// Cookie headers for `user` in `lang`, as a browser sends them.
    func browser(_ fx: ServerFixture, _ user: String?, _ lang: String = "zh") -> HTTPFields {
        var h = HTTPFields()
        var cookie = "custody_lang=\(lang)"
        if let user { cookie += "; custody_session=\(fx.tokens[user]!)" }
        h[.cookie] = cookie
        h[.contentType] = "application/x-www-form-urlencoded"
        return h
    }

    func csrf(_ fx: ServerFixture, _ user: String) -> String { fx.server.csrf(for: fx.tokens[user]) }

    /// The text a reader sees: the markup without scripts, styles and tags.
    static func visibleText(_ html: String) -> String {
        var text = html
        for tag in ["script", "style"] {
            while let start = text.range(of: "<\(tag)"), let end = text.range(of: "</\(tag)>", range: start.upperBound..<text.endIndex) {
                text.removeSubrange(start.lowerBound..<end.upperBound)
            }
        }
        // Audit details are shown as the log recorded them (the hashed text), not as words.
        text = text.replacingOccurrences(of: "<td[^>]*data-raw[^>]*>.*?</td>", with: " ", options: .regularExpression)
        return text.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
    }

    /// String-table keys a page shows as they are: the sign of a missing translation.
    static func untranslatedKeys(_ html: String) -> [String] {
        let text = visibleText(html)
        let keys = Language.table.keys.filter { $0.contains("_") }
        return keys.filter { key in
            text.range(of: "(^|[^A-Za-z0-9_])\(key)($|[^A-Za-z0-9_])", options: .regularExpression) != nil
        }.sorted()
    }

    @Test func everyTableKeyHasBothLanguages() {
        for (key, words) in Language.table {
            #expect(words.count == 2 && !words[0].isEmpty && !words[1].isEmpty, "\(key)")
        }
    }

    @Test func noPageInEitherLanguageShowsAKeyOrRawJSON() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let clip = try await fx.clip(of: "012345")
        let item = try #require(try await fx.catalog.queue(state: "open", limit: 1, offset: 0).items.first)
        _ = try await fx.catalog.claim(item.id, by: "remy", lease: 600)
        _ = try await fx.catalog.placeHold(kind: .legalHold, clip: clip, incident: nil, reason: "complaint 17", by: "sam")
        let pages: [(String, String)] = [
            ("remy", "/queue"), ("remy", "/queue?state=closed"), ("remy", "/queue?state=mine"), ("sam", "/queue?state=all&sort=newest"),
            ("remy", "/incidents"), ("remy", "/incidents?kind=no_recording"), ("remy", "/incidents/110-20240214-0008"),
            ("remy", itemLink(item)), ("sam", itemLink(item)), ("sam", "/clips/\(clip)"), ("ada", "/clips/\(clip)/custody"),
            ("ada", "/audit"), ("ada", "/audit?subject=\(clip)"), ("sam", "/holds"), ("sam", "/holds?all=1"), ("sam", "/imports"),
            ("root", "/admin/accounts"), ("root", "/admin/tokens"), ("olga", "/my"), ("sam", "/reports"),
            ("olga", "/queue"), ("root", "/queue"), ("remy", "/no/such/page"), ("remy", "/queue/999999/verdict"),
            (nil as String? ?? "", "/login"),
        ]
        try await fx.application.test(.router) { client async throws in
            for lang in ["zh", "en"] {
                for (user, uri) in pages {
                    var response = try await client.execute(uri: uri, method: .get, headers: browser(fx, user.isEmpty ? nil : user, lang))
                    if response.status == .seeOther, let next = response.headers[.location] {
                        response = try await client.execute(uri: next, method: .get, headers: browser(fx, user.isEmpty ? nil : user, lang))
                    }
                    let html = response.text
                    #expect(!html.hasPrefix("{"), "\(uri) as \(user) in \(lang): raw JSON \(html.prefix(80))")
                    #expect(html.contains("<html lang=\"\(lang == "zh" ? "zh-CN" : "en")\""), "\(uri) as \(user) in \(lang): not a page")
                    #expect(Self.untranslatedKeys(html) == [], "\(uri) as \(user) in \(lang)")
                }
            }
        }
    }

    func itemLink(_ item: ReviewItem) -> String {
        item.incidentID.map { "/incidents/\($0)?item=\(item.id)" } ?? "/clips/\(item.clipSHA256 ?? "")?item=\(item.id)"
    }

    @Test func aClaimRaceAStaleFormAndALapsedSessionAnswerPagesThatKeepTheDraft() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let item = try #require(try await fx.catalog.queue(state: "open", limit: 1, offset: 0).items.first)
        let page = itemLink(item)
        try await fx.application.test(.router) { client async throws in
            // rita claims first; remy's claim is a 409 page in Chinese, with a way back.
            var rita = browser(fx, "rita"); rita[.referer] = "http://localhost\(page)"
            let first = try await client.execute(uri: "/queue/\(item.id)/claim", method: .post, headers: rita, body: ByteBuffer(string: "_csrf=\(csrf(fx, "rita"))"))
            #expect(first.status == .seeOther)
            var remy = browser(fx, "remy"); remy[.referer] = "http://localhost\(page)"
            let race = try await client.execute(uri: "/queue/\(item.id)/claim", method: .post, headers: remy, body: ByteBuffer(string: "_csrf=\(csrf(fx, "remy"))"))
            #expect(race.status == .conflict)
            #expect(race.text.contains("id=\"message\""))
            #expect(race.text.contains("该条目已由 rita 认领"))
            #expect(race.text.contains("href=\"\(page.replacingOccurrences(of: "&", with: "&amp;"))\"") || race.text.contains("id=\"back\""))
            #expect(!race.text.contains("{\"error\""))
            // A stale form token: a 403 page that says the typed verdict is kept, in English here.
            var ritaEn = browser(fx, "rita", "en"); ritaEn[.referer] = "http://localhost\(page)"
            let stale = try await client.execute(uri: "/queue/\(item.id)/verdict", method: .post, headers: ritaEn, body: ByteBuffer(string: "_csrf=stale&verdict=compliant&note=typed"))
            #expect(stale.status == .forbidden)
            #expect(stale.text.contains("security token expired"))
            #expect(stale.text.contains("What you typed is kept in this browser"))
            // The session lapsed mid-verdict: sign-in returns to the item's page, not to the POST route.
            var anonymous = browser(fx, nil); anonymous[.referer] = "http://localhost\(page)"
            let lapsed = try await client.execute(uri: "/queue/\(item.id)/verdict", method: .post, headers: anonymous, body: ByteBuffer(string: "_csrf=x&verdict=compliant"))
            #expect(lapsed.status == .seeOther)
            let location = try #require(lapsed.headers[.location])
            #expect(location.hasPrefix("/login?next="))
            #expect(location.removingPercentEncoding?.contains(page) == true, "\(location)")
            // A GET of a form's address leads to the item's page.
            let replay = try await client.execute(uri: "/queue/\(item.id)/verdict", method: .get, headers: browser(fx, "rita"))
            #expect(replay.status == .seeOther && replay.headers[.location] == page)
            // The holder renews the lease: it moves later and the renewal is audited.
            let before = try #require(try await fx.catalog.reviewItem(item.id)?.leaseUntil)
            try await Task.sleep(for: .milliseconds(20))
            let renew = try await client.execute(uri: "/queue/\(item.id)/renew", method: .post, headers: rita, body: ByteBuffer(string: "_csrf=\(csrf(fx, "rita"))"))
            #expect(renew.status == .seeOther)
            let after = try #require(try await fx.catalog.reviewItem(item.id)?.leaseUntil)
            #expect(after > before)
            // remy cannot renew rita's claim.
            let theirs = try await client.execute(uri: "/queue/\(item.id)/renew", method: .post, headers: remy, body: ByteBuffer(string: "_csrf=\(csrf(fx, "remy"))"))
            #expect(theirs.status == .conflict)
            // The holder's page shows the lease with its time and the renew button.
            let shown = try await client.execute(uri: page, method: .get, headers: browser(fx, "rita"))
            #expect(shown.text.contains("id=\"lease\" data-lease-until=\""))
            #expect(shown.text.contains("id=\"renew\""))
            #expect(shown.text.contains("id=\"verdict-form\""))
        }
    }

    @Test func supervisorsReassignReopenWithAReasonAndTheHistoryKeepsTheEarlierVerdict() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let item = try #require(try await fx.catalog.queue(state: "open", limit: 1, offset: 0).items.first)
        let page = itemLink(item)
        try await fx.application.test(.router) { client async throws in
            let sam = browser(fx, "sam")
            let token = "_csrf=\(csrf(fx, "sam"))"
            let handed = try await client.execute(uri: "/queue/\(item.id)/reassign", method: .post, headers: sam, body: ByteBuffer(string: "\(token)&to=remy"))
            #expect(handed.status == .seeOther)
            #expect(try await fx.catalog.reviewItem(item.id)?.claimedBy == "remy")
            _ = try await fx.catalog.recordVerdict(item.id, by: "remy", verdict: "violation", checklist: ["not_identified"], note: "no badge shown")
            // Reopening needs a reason.
            let bare = try await client.execute(uri: "/queue/\(item.id)/reopen", method: .post, headers: sam, body: ByteBuffer(string: token))
            #expect(bare.status == .badRequest)
            #expect(try await fx.catalog.reviewItem(item.id)?.state == "closed")
            let reopened = try await client.execute(uri: "/queue/\(item.id)/reopen", method: .post, headers: sam, body: ByteBuffer(string: "\(token)&reason=%E6%8A%95%E8%AF%89"))
            #expect(reopened.status == .seeOther)
            #expect(try await fx.catalog.reviewItem(item.id)?.state == "open")
            let html = try await client.execute(uri: page, method: .get, headers: browser(fx, "sam", "en")).text
            #expect(html.contains("id=\"history\""))
            #expect(html.contains("reassigned"))
            #expect(html.contains("Violation"))
            #expect(html.contains("no badge shown"))
            #expect(html.contains("投诉"))
            // Closed items list their reviewer and verdict.
            _ = try await fx.catalog.claim(item.id, by: "rita", lease: 600)
            _ = try await fx.catalog.recordVerdict(item.id, by: "rita", verdict: "justified", checklist: [], note: nil)
            let closed = try await client.execute(uri: "/queue?state=closed", method: .get, headers: browser(fx, "sam", "en")).text
            let row = try #require(closed.range(of: "data-item-id=\"\(item.id)\"").map { String(closed[$0.lowerBound...].prefix(1500)) })
            #expect(row.contains("rita") && row.contains("Justified"))
        }
    }

    @Test func searchFiltersTheQueueAndAnyIncidentCanBePutUpForReview() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            let all = try await fx.catalog.queue(state: nil, limit: 500, offset: 0).items
            let target = try #require(all.first { $0.incidentID != nil })
            let html = try await client.execute(uri: "/queue?state=all&incident=\(target.incidentID!)", method: .get, headers: browser(fx, "remy")).text
            let rows = html.components(separatedBy: "data-item-id=\"").dropFirst().map { String($0.prefix(while: { $0 != "\"" })) }
            let expected = all.filter { $0.incidentID?.hasPrefix(target.incidentID!) == true }.map { String($0.id) }
            #expect(Set(rows) == Set(expected) && !rows.isEmpty)
            // An incident without an item: put up for review, with a reason, audited.
            let incidents = try await fx.catalog.incidents(IncidentFilter(), limit: 500, offset: 0).rows.map(\.id)
            let quiet = try #require(incidents.first { id in !all.contains { $0.incidentID == id } })
            var remy = browser(fx, "remy")
            remy[.referer] = "http://localhost/incidents/\(quiet)"
            let asked = try await client.execute(uri: "/incidents/\(quiet)/request-review", method: .post, headers: remy,
                                                 body: ByteBuffer(string: "_csrf=\(csrf(fx, "remy"))&officer=&reason=complaint+by+caller"))
            #expect(asked.status == .seeOther)
            let item = try #require(try await fx.catalog.queue(QueueFilter(state: "open", incident: quiet), limit: 5, offset: 0).items.first)
            #expect(item.reason == "requested")
            let audit = try await fx.catalog.auditEntries(AuditFilter(action: "review-requested"), limit: 5, offset: 0)
            #expect(audit.entries.first?.actor == "remy" && audit.entries.first?.detail.contains("complaint by caller") == true)
            // An auditor may not.
            let refused = try await client.execute(uri: "/incidents/\(quiet)/request-review", method: .post, headers: browser(fx, "ada"),
                                                   body: ByteBuffer(string: "_csrf=\(csrf(fx, "ada"))&reason=x"))
            #expect(refused.status == .forbidden)
        }
    }

    @Test func adminChangesToAccountsAreAuditedAndTakeEffect() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            let root = browser(fx, "root")
            let token = "_csrf=\(csrf(fx, "root"))"
            func post(_ uri: String, _ body: String) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post, headers: root, body: ByteBuffer(string: "\(token)&\(body)"))
            }
            func signIn(_ password: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/api/session", method: .post, headers: [.contentType: "application/json"],
                                         body: jsonBody(["username": "nina", "password": password])).status
            }
            #expect(try await post("/admin/accounts", "name=nina&role=reviewer&officer_id=&password=first+password+1").status == .seeOther)
            #expect(try await signIn("first password 1") == .ok)
            #expect(try await post("/admin/accounts/nina/disable", "").status == .seeOther)
            #expect(try await signIn("first password 1") == .unauthorized)
            let listed = try await client.execute(uri: "/admin/accounts", method: .get, headers: root).text
            #expect(listed.contains("data-user=\"nina\"") && listed.contains("已停用"))
            #expect(try await post("/admin/accounts/nina/enable", "").status == .seeOther)
            #expect(try await signIn("first password 1") == .ok)
            #expect(try await post("/admin/accounts/nina/password", "password=second+password+2").status == .seeOther)
            #expect(try await signIn("first password 1") == .unauthorized)
            #expect(try await signIn("second password 2") == .ok)
            #expect(try await post("/admin/accounts/nina/role", "role=supervisor&officer_id=").status == .seeOther)
            #expect(try await fx.catalog.account(name: "nina")?.user.role == .supervisor)
            // Refusals are pages: a short password, the admin disabling themself.
            let short = try await post("/admin/accounts", "name=pat&role=reviewer&password=short")
            #expect(short.status == .badRequest && short.text.contains("10–200"))
            let me = try await post("/admin/accounts/root/disable", "")
            #expect(me.status == .badRequest && me.text.contains("id=\"message\""))
            #expect(try await fx.catalog.account(name: "root")?.isDisabled == false)
            let actions = try await fx.catalog.auditEntries(AuditFilter(actor: "root"), limit: 50, offset: 0).entries
                .filter { $0.subject == "nina" }.map(\.action)
            #expect(Set(actions).isSuperset(of: ["user-added", "user-disabled", "user-enabled", "password-reset", "user-changed"]), "\(actions)")
            // A station token: shown once, listed, revoked.
            let issued = try await post("/admin/tokens", "station=dock-07&days=30")
            let code = try #require(issued.text.range(of: "id=\"new-token\" class=\"mono\" style=\"word-break:break-all\">").map {
                String(issued.text[$0.upperBound...].prefix(64)) })
            #expect(try await fx.catalog.user(forToken: code)?.name == "dock-07")
            let id = try #require(try await fx.catalog.stationTokens().first { $0.station == "dock-07" }?.id)
            #expect(try await post("/admin/tokens/\(id)/revoke", "").status == .seeOther)
            #expect(try await fx.catalog.user(forToken: code) == nil)
            // Nobody else reaches these forms.
            for user in ["sam", "ada", "remy", "olga"] {
                let refused = try await client.execute(uri: "/admin/accounts", method: .post, headers: browser(fx, user),
                                                       body: ByteBuffer(string: "_csrf=\(csrf(fx, user))&name=x&role=admin&password=aaaaaaaaaaaa"))
                #expect(refused.status == .forbidden, "\(user)")
            }
            #expect(try await fx.catalog.account(name: "x") == nil)
        }
    }

    @Test func theImportPageShowsTheValidationReportWithLineNumbers() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let csv = """
            incident_id,officer_id,received_at,dispatched_at,arrived_at,cleared_at
            110-20990101-0001,012345,2024-02-20T10:00:00+08:00,2024-02-20T10:01:00+08:00,2024-02-20T10:05:00+08:00,2024-02-20T10:30:00+08:00
            110-20990101-0002,012345,not a time,,,
            """
        try await fx.application.test(.router) { client async throws in
            var sam = browser(fx, "sam", "en")
            sam[HTTPField.Name("X-CSRF-Token")!] = csrf(fx, "sam")
            let report = try await client.execute(uri: "/imports?kind=dispatch&mapping=&encoding=&name=extra.csv", method: .post, headers: sam, body: ByteBuffer(string: csv))
            #expect(report.status == .ok)
            #expect(report.text.contains("id=\"import-imported\">1<"))
            #expect(report.text.contains("id=\"import-rejected\">1<"))
            #expect(report.text.contains("<td>3</td>") && report.text.contains("received_at is not a time"))
            #expect(try await fx.catalog.dispatchRows(incident: "110-20990101-0001").count == 1)
            // Without the form token nothing is imported.
            var forged = browser(fx, "sam")
            forged[HTTPField.Name("X-CSRF-Token")!] = "forged"
            let refused = try await client.execute(uri: "/imports?kind=dispatch&name=x.csv", method: .post, headers: forged,
                                                   body: ByteBuffer(string: csv.replacingOccurrences(of: "0001", with: "0009")))
            #expect(refused.status == .forbidden)
            #expect(try await fx.catalog.dispatchRows(incident: "110-20990101-0009").isEmpty)
        }
    }

    @Test func everyNewFormRefusesTheWrongRoleAndSendsAnonymousVisitorsToSignIn() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let item = try #require(try await fx.catalog.queue(state: "open", limit: 1, offset: 0).items.first?.id)
        let forms: [(String, String, Set<String>)] = [
            ("/queue/\(item)/renew", "", ["rita", "remy", "sam"]),
            ("/queue/\(item)/reassign", "to=remy", ["sam"]),
            ("/incidents/110-20240214-0008/request-review", "reason=x", ["rita", "remy", "sam"]),
            ("/holds", "kind=legal_hold&incident=110-20240214-0008&reason=x", ["sam"]),
            ("/holds/1/release", "reason=x", ["sam"]),
            ("/imports", "", ["sam", "root"]),
            ("/admin/accounts", "name=zed&role=reviewer&password=x", ["root"]),
            ("/admin/accounts/oscar/enable", "", ["root"]),
            ("/admin/accounts/oscar/password", "password=x", ["root"]),
            ("/admin/accounts/oscar/role", "role=officer&officer_id=023456", ["root"]),
            ("/admin/tokens", "station=d&days=1", ["root"]),
            ("/admin/tokens/0000000000000000/revoke", "", ["root"]),
        ]
        try await fx.application.test(.router) { client async throws in
            for (uri, body, roles) in forms {
                for user in [nil] + ServerFixture.accounts.map(\.0) where user != "dock" {
                    var headers = browser(fx, user)
                    headers[.referer] = "http://localhost/queue"
                    if let user { headers[HTTPField.Name("X-CSRF-Token")!] = csrf(fx, user) }
                    let token = user.map { "_csrf=\(csrf(fx, $0))&" } ?? ""
                    let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: token + body))
                    let who = user ?? "anonymous"
                    if user == nil {
                        #expect(response.status == .seeOther && response.headers[.location]?.hasPrefix("/login") == true, "POST \(uri) as \(who)")
                    } else if roles.contains(user!) {
                        #expect(response.status != .forbidden && response.status != .unauthorized, "POST \(uri) as \(who): \(response.status)")
                    } else {
                        #expect(response.status == .forbidden, "POST \(uri) as \(who): \(response.status)")
                        #expect(response.text.contains("id=\"message\""), "POST \(uri) as \(who): a page")
                    }
                }
            }
        }
    }
}
