import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Every route × every role and anonymous (issue 5, acceptance 2): anonymous gets 401, a
/// wrong role 403, an officer sees only their own clips, an auditor cannot write.
@Suite struct AccessMatrixTests {
    enum Expect { case allowed, unauthorized, forbidden }

    struct Route {
        var method: HTTPRequest.Method
        var uri: String
        var body: String?
        var headers: [String: String] = [:]
        /// Who may: everyone else signed in gets 403.
        var roles: Set<String>
    }

    @Test func everyRouteRefusesTheWrongRole() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let mine = try await fx.clip(of: "012345")  // olga's
        let theirs = try await fx.clip(of: "023456")  // oscar's
        let readers: Set<String> = ["rita", "remy", "sam", "ada"]
        let routes: [Route] = [
            Route(method: .get, uri: "/api/queue", roles: readers),
            Route(method: .get, uri: "/api/queue/1", roles: readers),
            Route(method: .post, uri: "/api/queue/ITEM/claim", roles: ["rita", "remy", "sam"]),
            Route(method: .post, uri: "/api/queue/ITEM/release", roles: ["rita", "remy", "sam"]),
            Route(method: .post, uri: "/api/queue/ITEM/verdict", body: #"{"verdict":"compliant"}"#, roles: ["rita", "remy", "sam"]),
            Route(method: .post, uri: "/api/queue/CLOSED/reopen", roles: ["sam"]),
            Route(method: .post, uri: "/api/queue/ITEM/reassign", body: #"{"to":"remy"}"#, roles: ["sam"]),
            Route(method: .get, uri: "/api/incidents/110-20240214-0008", roles: readers),
            Route(method: .get, uri: "/api/findings", roles: readers),
            Route(method: .get, uri: "/api/audit", roles: ["ada", "root"]),
            Route(method: .get, uri: "/api/clips/\(mine)", roles: readers.union(["olga"])),
            Route(method: .get, uri: "/api/clips/\(mine)/media", roles: readers.union(["olga"])),
            Route(method: .get, uri: "/api/clips/\(mine)/thumbnail", roles: readers.union(["olga"])),
            Route(method: .get, uri: "/api/clips/\(theirs)", roles: readers.union(["oscar"])),
            Route(method: .get, uri: "/api/reports/2024-02-14", roles: ["sam", "ada"]),
            Route(method: .get, uri: "/api/holds", roles: ["sam", "ada"]),
            Route(method: .post, uri: "/api/holds", body: #"{"kind":"legal_hold","clip_sha256":"\#(mine)","reason":"complaint"}"#, roles: ["sam"]),
            Route(method: .post, uri: "/api/holds/1/release", body: #"{"reason":"done"}"#, roles: ["sam"]),
            Route(method: .delete, uri: "/api/session", roles: Set(ServerFixture.accounts.map(\.0))),
            Route(method: .get, uri: "/api/uploads", roles: ["olga", "oscar", "dock"]),
            Route(method: .post, uri: "/api/uploads", headers: ["Tus-Resumable": "1.0.0", "Upload-Length": "10"], roles: ["olga", "oscar", "dock"]),
            // Issue 13: lease renewal, an item's history, a request for review, accounts, station tokens.
            Route(method: .post, uri: "/api/queue/ITEM/renew", roles: ["rita", "remy", "sam"]),
            Route(method: .get, uri: "/api/queue/ITEM/history", roles: readers),
            Route(method: .post, uri: "/api/incidents/110-20240214-0008/review-request", body: #"{"reason":"complaint"}"#, roles: ["rita", "remy", "sam"]),
            Route(method: .get, uri: "/api/audit?subject=\(mine)&limit=5", roles: ["ada", "root"]),
            Route(method: .get, uri: "/api/accounts", roles: ["root"]),
            Route(method: .post, uri: "/api/accounts", body: #"{"name":"newbie","role":"reviewer","password":"long enough password"}"#, roles: ["root"]),
            Route(method: .post, uri: "/api/accounts/oscar", body: #"{"disabled":false}"#, roles: ["root"]),
            Route(method: .get, uri: "/api/station-tokens", roles: ["root"]),
            // Issue 17: the public signing key, for those who read or check footage.
            Route(method: .get, uri: "/api/signing-key", roles: readers.union(["root"])),
        ]
        let everyone: [String?] = [nil] + ServerFixture.accounts.map(\.0)
        try await fx.application.test(.router) { client async throws in
            for route in routes {
                for user in everyone {
                    // Fresh items per try, so each request meets the state its rule is about.
                    if try await fx.catalog.queue(state: "open", limit: 1, offset: 0).items.isEmpty {
                        // Claims left by refused verdicts lapse, as they would after their lease.
                        try await fx.catalog.expireLeases(now: Date().addingTimeInterval(3600))
                    }
                    if try await fx.catalog.queue(state: "open", limit: 1, offset: 0).items.isEmpty,
                       let closed = try await fx.catalog.queue(state: "closed", limit: 1, offset: 0).items.first {
                        _ = try await fx.catalog.reopen(closed.id, by: "sam")
                    }
                    let open = try await #require(try fx.catalog.queue(state: "open", limit: 1, offset: 0).items.first?.id)
                    var uri = route.uri.replacingOccurrences(of: "ITEM", with: String(open))
                    if uri.contains("CLOSED") {
                        _ = try await fx.catalog.claim(open, by: "remy", lease: 600)
                        _ = try await fx.catalog.recordVerdict(open, by: "remy", verdict: "compliant", checklist: [], note: nil)
                        uri = uri.replacingOccurrences(of: "CLOSED", with: String(open))
                    }
                    if route.uri.hasPrefix("/api/holds/1/"), try await fx.catalog.holds(activeOnly: true).allSatisfy({ $0.id != 1 }) {
                        // Hold 1 stands again for each try (released holds stay released).
                        try await fx.catalog.executeForTesting("UPDATE holds SET released_at = NULL, released_by = NULL, release_reason = NULL WHERE id = 1")
                    }
                    if let user, route.uri.contains("/queue/") && (route.uri.contains("/release") || route.uri.contains("/verdict") || route.uri.contains("/renew")) {
                        _ = try? await fx.catalog.claim(open, by: user, lease: 600)  // the holder's own item
                    }
                    var headers = fx.headers(user)
                    for (name, value) in route.headers { headers[HTTPField.Name(name)!] = value }
                    if route.method == .delete, let user {
                        // Signing out revokes the token: use a throw-away one.
                        let account = try await #require(try fx.catalog.credentials(name: user)?.0)
                        headers[.authorization] = "Bearer \(try await fx.catalog.issueToken(for: account, kind: "test", lifetime: 60))"
                    }
                    let response = try await client.execute(uri: uri, method: route.method, headers: headers, body: route.body.map { ByteBuffer(string: $0) })
                    let expected: Expect = user == nil ? .unauthorized : (route.roles.contains(user!) ? .allowed : .forbidden)
                    let who = user ?? "anonymous"
                    switch expected {
                    case .unauthorized:
                        #expect(response.status == .unauthorized, "\(route.method) \(route.uri) as \(who): \(response.status)")
                    case .forbidden:
                        #expect(response.status == .forbidden, "\(route.method) \(route.uri) as \(who): \(response.status)")
                        #expect(response.json["error"] is String)
                    case .allowed:
                        #expect((200..<300).contains(response.status.code), "\(route.method) \(route.uri) as \(who): \(response.status) \(response.text.prefix(200))")
                    }
                }
            }
            // The pages follow the same rules; anonymous visitors are sent to the login page.
            let pages: [(String, Set<String>)] = [
                ("/queue", readers), ("/incidents/110-20240214-0008", readers), ("/reports", ["sam", "ada"]),
                ("/clips/\(mine)", readers.union(["olga"])), ("/clips/\(theirs)", readers.union(["oscar"])),
                ("/my", ["olga", "oscar"]),
                // Issue 13's pages.
                ("/queue?state=mine&reason=no_recording&sort=newest", readers), ("/incidents", readers), ("/incidents?kind=no_recording", readers),
                ("/audit", ["ada", "root"]), ("/audit?subject=\(mine)", ["ada", "root"]), ("/clips/\(mine)/custody", ["rita", "remy", "sam", "ada", "root"]),
                ("/holds", ["sam", "ada"]), ("/imports", ["sam", "root"]), ("/admin/accounts", ["root"]), ("/admin/tokens", ["root"]),
            ]
            for (uri, roles) in pages {
                for user in everyone {
                    var headers = HTTPFields()
                    if let user { headers[.cookie] = "custody_session=\(fx.tokens[user]!)" }
                    let response = try await client.execute(uri: uri, method: .get, headers: headers)
                    let who = user ?? "anonymous"
                    if user == nil {
                        #expect(response.status == .seeOther && response.headers[.location]?.hasPrefix("/login") == true, "GET \(uri) as \(who)")
                    } else if roles.contains(user!) {
                        #expect(response.status == .ok, "GET \(uri) as \(who): \(response.status)")
                    } else {
                        #expect(response.status == .forbidden, "GET \(uri) as \(who): \(response.status)")
                    }
                }
            }
            // Health and metrics are open to anyone on the host.
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("custody_queue_items{state=\"open\"}"))
            #expect(metrics.text.contains("custody_http_requests_total"))
        }
    }

    @Test func anOfficersListOfFindingsIsRefusedButTheirOwnClipIsNot() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            #expect(try await client.execute(uri: "/api/findings", method: .get, headers: fx.headers("olga")).status == .forbidden)
            let own = try await client.execute(uri: "/api/clips/\(try fx.clip(of: "012345"))", method: .get, headers: fx.headers("olga"))
            #expect(own.status == .ok)
            #expect(own.json["officer_id"] as? String == "012345")
            let other = try await client.execute(uri: "/api/clips/\(try fx.clip(of: "023456"))/media", method: .get, headers: fx.headers("olga"))
            #expect(other.status == .forbidden)
        }
    }
}
