import CustodyCore
import CustodyServer
import CustodyStore
import CustodyTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ReviewFlowTests {
    @Test func signInListClaimRefuseVerdictReopenAndAudit() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            // Sign in with a password: a token, the role, and an HttpOnly SameSite=Strict cookie.
            let login = try await client.execute(uri: "/api/session", method: .post, body: jsonBody(["username": "rita", "password": ServerFixture.password]))
            #expect(login.status == .ok)
            let token = try #require(login.json["token"] as? String)
            #expect(login.json["role"] as? String == "reviewer")
            let cookie = try #require(login.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            var rita = HTTPFields()
            rita[.authorization] = "Bearer \(token)"

            // The queue: calls with findings first, most urgent first.
            let list = try await client.execute(uri: "/api/queue?state=open&limit=50&offset=0", method: .get, headers: rita)
            #expect(list.status == .ok)
            let items = try #require(list.json["items"] as? [[String: Any]])
            #expect((list.json["total"] as? Int ?? 0) >= 6)
            #expect(items.first?["reason"] as? String == "no_recording")
            let priorities = items.compactMap { $0["priority"] as? Int }
            #expect(priorities == priorities.sorted())
            let id = try #require(items.first?["id"] as? Int)

            // Claim; a second reviewer is refused; the holder records a verdict.
            let claim = try await client.execute(uri: "/api/queue/\(id)/claim", method: .post, headers: rita)
            #expect(claim.status == .ok)
            #expect(claim.json["claimed_by"] as? String == "rita")
            #expect(claim.json["state"] as? String == "claimed")
            let stolen = try await client.execute(uri: "/api/queue/\(id)/claim", method: .post, headers: fx.headers("remy"))
            #expect(stolen.status == .conflict)
            #expect((stolen.json["error"] as? String)?.contains("rita") == true)
            let meddling = try await client.execute(uri: "/api/queue/\(id)/verdict", method: .post, headers: fx.headers("remy"),
                                                    body: jsonBody(["verdict": "compliant"]))
            #expect(meddling.status == .conflict)
            let verdict = try await client.execute(
                uri: "/api/queue/\(id)/verdict", method: .post, headers: rita,
                body: jsonBody(["verdict": "violation", "checklist": ["no_recording", "not_entered_in_system"], "note": "未开启执法记录仪"]))
            #expect(verdict.status == .ok)
            #expect(verdict.json["state"] as? String == "closed")
            #expect(verdict.json["verdict"] as? String == "violation")
            #expect(verdict.json["checklist"] as? [String] == ["no_recording", "not_entered_in_system"])

            // A closed item cannot be claimed; a supervisor reopens it.
            #expect(try await client.execute(uri: "/api/queue/\(id)/claim", method: .post, headers: rita).status == .conflict)
            #expect(try await client.execute(uri: "/api/queue/\(id)/reopen", method: .post, headers: rita).status == .forbidden)
            let reopened = try await client.execute(uri: "/api/queue/\(id)/reopen", method: .post, headers: fx.headers("sam"))
            #expect(reopened.status == .ok)
            #expect(reopened.json["state"] as? String == "open")
            let reassigned = try await client.execute(uri: "/api/queue/\(id)/reassign", method: .post, headers: fx.headers("sam"), body: jsonBody(["to": "remy"]))
            #expect(reassigned.json["claimed_by"] as? String == "remy")

            // Every act is in the audit log, which the auditor can read.
            let audit = try await client.execute(uri: "/api/audit", method: .get, headers: fx.headers("ada"))
            let actions = (audit.json["entries"] as? [[String: Any]] ?? []).filter { ($0["subject"] as? String) == "queue:\(id)" }
                .map { "\($0["actor"]!) \($0["action"]!)" }
            #expect(actions == ["rita claimed", "rita verdict", "sam reopened", "sam reassigned"])
        }
        await #expect(try fx.catalog.verifyAuditChain().isEmpty)
    }

    @Test func anExpiredLeaseReopensTheItem() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let id = try await #require(try fx.catalog.queue(state: "open", limit: 1, offset: 0).items.first?.id)
        _ = try await fx.catalog.claim(id, by: "rita", lease: 60, now: Date(timeIntervalSinceNow: -3600))
        let item = try await #require(try fx.catalog.reviewItem(id))
        #expect(item.state == "open")
        #expect(item.claimedBy == nil)
        await #expect(try fx.catalog.claim(id, by: "remy", lease: 60).claimedBy == "remy")
    }

    @Test func badPasswordsAreRefusedAndThrottled() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            for _ in 0..<5 {
                let r = try await client.execute(uri: "/api/session", method: .post, body: jsonBody(["username": "rita", "password": "wrong"]))
                #expect(r.status == .unauthorized)
                #expect(r.json["error"] as? String == "Wrong user name or password.")
            }
            let blocked = try await client.execute(uri: "/api/session", method: .post, body: jsonBody(["username": "rita", "password": ServerFixture.password]))
            #expect(blocked.status == .tooManyRequests)
            let unknown = try await client.execute(uri: "/api/session", method: .post, body: jsonBody(["username": "nobody", "password": "x"]))
            #expect(unknown.status == .unauthorized)
        }
    }

    @Test func theSessionCookieAuthenticates() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            var headers = HTTPFields()
            headers[.cookie] = "custody_session=\(fx.tokens["rita"]!)"
            #expect(try await client.execute(uri: "/api/queue", method: .get, headers: headers).status == .ok)
            headers[.cookie] = "custody_session=forged"
            #expect(try await client.execute(uri: "/api/queue", method: .get, headers: headers).status == .unauthorized)
            // Signing out ends the token at once, though recent tokens are cached.
            let rita = fx.headers("rita")
            #expect(try await client.execute(uri: "/api/queue", method: .get, headers: rita).status == .ok)
            #expect(try await client.execute(uri: "/api/session", method: .delete, headers: rita).status == .ok)
            #expect(try await client.execute(uri: "/api/queue", method: .get, headers: rita).status == .unauthorized)
        }
    }
}

@Suite struct QueueCacheTests {
    @Test func aCachedPageFollowsEveryChangeIncludingOtherProcesses() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            func first() async throws -> [String: Any] {
                let r = try await client.execute(uri: "/api/queue?state=open&limit=50&offset=0", method: .get, headers: fx.headers("rita"))
                return try #require((r.json["items"] as? [[String: Any]])?.first)
            }
            let before = try await first()
            let id = try #require(before["id"] as? Int)
            #expect(try await first()["id"] as? Int == id)  // served from the cache
            // Through the API …
            _ = try await client.execute(uri: "/api/queue/\(id)/claim", method: .post, headers: fx.headers("rita"))
            #expect(try await first()["id"] as? Int != id)
            // … and straight in the catalog, as `custody audit` or another server would.
            _ = try await fx.catalog.release(Int64(id), by: "rita", asSupervisor: false)
            #expect(try await first()["id"] as? Int == id)
            // A lapsed lease reopens the item in the list too.
            // (A lease long enough that a loaded machine reads the list before it lapses.)
            _ = try await fx.catalog.claim(Int64(id), by: "remy", lease: 2)
            #expect(try await first()["id"] as? Int != id)
            try await Task.sleep(nanoseconds: 2_300_000_000)
            #expect(try await first()["id"] as? Int == id)
        }
    }
}
