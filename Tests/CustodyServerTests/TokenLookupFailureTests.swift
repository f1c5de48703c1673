import CustodyCore
import CustodyServer
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 12: an error while looking up a token or session is not "not signed in". It is a 503
/// with Retry-After and a clear message (JSON on the API, a page in the reader's language).
@Suite struct TokenLookupFailureTests {
    @Test func aFailedTokenLookUpIsA503WithRetryAfterNotA401() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        // The look-up fails (here: its table is gone), as a catalog that cannot be read would.
        try await fx.catalog.executeForTesting("ALTER TABLE sessions RENAME TO sessions_away")
        try await fx.application.test(.router) { client async throws in
            for path in ["/api/queue", "/api/findings"] {
                let r = try await client.execute(uri: path, method: .get, headers: fx.headers("rita"))
                #expect(r.status == .serviceUnavailable, "\(path): \(r.status) \(r.text)")
                #expect(r.headers[.retryAfter] == "2")
                #expect(r.json["error"] as? String == "The catalog could not be read to check your sign-in (it may be busy with other work); you are still signed in: try again in a few seconds.")
            }
            // A page: not the login redirect, but a 503 page in the reader's language.
            var headers = HTTPFields()
            headers[.cookie] = "custody_session=\(fx.tokens["rita"]!); custody_lang=en"
            let page = try await client.execute(uri: "/queue", method: .get, headers: headers)
            #expect(page.status == .serviceUnavailable)
            #expect(page.headers[.location] == nil)
            #expect(page.headers[.retryAfter] == "2")
            #expect(page.text.contains("You are still signed in: reload this page in 2 seconds."))
            headers[.cookie] = "custody_session=\(fx.tokens["rita"]!); custody_lang=zh"
            let chinese = try await client.execute(uri: "/queue", method: .get, headers: headers)
            #expect(chinese.status == .serviceUnavailable)
            #expect(chinese.text.contains("您仍处于登录状态"))
            // Without a token nothing is looked up: an API request is still a plain 401.
            let anonymous = try await client.execute(uri: "/api/queue", method: .get)
            #expect(anonymous.status == .unauthorized)
        }
        // Once the catalog reads again, the same token works.
        try await fx.catalog.executeForTesting("ALTER TABLE sessions_away RENAME TO sessions")
        try await fx.application.test(.router) { client async throws in
            let r = try await client.execute(uri: "/api/queue", method: .get, headers: fx.headers("rita"))
            #expect(r.status == .ok)
        }
    }
}
