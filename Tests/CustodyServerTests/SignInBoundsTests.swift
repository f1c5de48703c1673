import CustodyCore
import CustodyIngest
import CustodyServer
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 11, item 5: failed sign-ins are bounded (name length, a per-address throttle, one audit entry per burst).
@Suite struct SignInBoundsTests {

    @Test func fiveHundredFailedSignInsWithHugeNamesAddOnlyAFewSmallAuditEntries() async throws {
        // Bodies of 64 KB, as `custody serve` takes by default: a 60 KB name fits.
        let fx = try await ServerFixture(tune: { $0.maxJSONBody = 64 * 1024 })
        defer { fx.cleanUp() }
        let before = try await HostileInput.auditFigures(fx)
        try await fx.application.test(.router) { client async throws in
            var headers = HTTPFields()
            headers[.contentType] = "application/x-www-form-urlencoded"
            headers[.cookie] = "custody_lang=en"
            var statuses: [Int: Int] = [:]
            for i in 0..<500 {
                // A new 60 KB name each time, as in the issue.
                let name = String(format: "%05d", i) + String(repeating: "x", count: 60 * 1024)
                // Half through the sign-in page, half through the JSON API.
                let page = i % 2 == 1
                let r = page
                    ? try await client.execute(uri: "/login", method: .post, headers: headers,
                                               body: ByteBuffer(string: "username=\(name)&password=wrong&next=%2Fqueue"))
                    : try await client.execute(uri: "/api/session", method: .post, body: jsonBody(["username": name, "password": "wrong"]))
                statuses[Int(r.status.code), default: 0] += 1
                if r.status == .tooManyRequests {
                    #expect(Int(r.headers[.retryAfter] ?? "") ?? 0 > 0)
                    #expect(r.text.contains(page ? "Too many failed sign-ins from this address" : "Too many failed sign-ins from unknown"))
                }
            }
            // The address is throttled after a few dozen failures, whatever the names.
            #expect((statuses[401] ?? 0) <= 30)
            #expect((statuses[429] ?? 0) >= 470)
            // Even the right password waits now (the next try is refused before it is checked).
            let json = try await client.execute(uri: "/api/session", method: .post, body: jsonBody(["username": "rita", "password": ServerFixture.password]))
            #expect(json.status == .tooManyRequests)
            #expect(json.headers[.retryAfter] != nil)
            #expect((json.json["error"] as? String)?.contains("from unknown") == true)
        }
        let after = try await HostileInput.auditFigures(fx)
        #expect(after.count - before.count <= 3, "\(after.count - before.count) audit entries for 500 failures")
        #expect(after.bytes - before.bytes < 4096, "\(after.bytes - before.bytes) audit bytes for 500 failures")
        let first = try await #require(try fx.catalog.auditEntries().first { $0.action == "sign-in-failed" })
        #expect(first.actor.count == 64)
        #expect(first.detail.contains("\"name_cut\":true"))
        await #expect(try fx.catalog.verifyAuditChain().isEmpty)
    }

    @Test func aBurstOfFailuresIsOneEntryThenOneSummaryOnTheNextSuccess() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let before = try await fx.catalog.auditEntries().count
        try await fx.application.test(.router) { client async throws in
            for i in 0..<10 {
                let r = try await client.execute(uri: "/api/session", method: .post, body: jsonBody(["username": "guess\(i)", "password": "x"]))
                #expect(r.status == .unauthorized)
            }
            let ok = try await client.execute(uri: "/api/session", method: .post, body: jsonBody(["username": "rita", "password": ServerFixture.password]))
            #expect(ok.status == .ok)
        }
        let added = await Array(try fx.catalog.auditEntries().dropFirst(before))
        #expect(added.map(\.action) == ["sign-in-failed", "sign-in-failures", "signed-in"], "\(added.map(\.action))")
        #expect(added.first?.actor == "guess0")
        let summary = try #require(added.first { $0.action == "sign-in-failures" })
        #expect(summary.detail.contains("9 further failed sign-ins from unknown between"))
        #expect(summary.detail.contains("\"failures\":9"))
    }
}
