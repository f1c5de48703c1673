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

/// Issue 11, item 10: JSON changes signed in by the session cookie need JSON and this origin.
@Suite struct CookieCSRFTests {

    @Test func cookieClaimsAndVerdictsFromForeignOriginsOrAsTextAreRefused() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let items = try await fx.catalog.queue(state: "open", limit: 3, offset: 0).items.map(\.id)
        try #require(items.count == 3)
        let (a, b, c) = (items[0], items[1], items[2])
        let verdict = #"{"verdict":"compliant","checklist":[],"note":"csrf"}"#
        try await fx.application.test(.router) { client async throws in
            func send(_ uri: String, _ type: String?, origin: String? = nil, referer: String? = nil, bearer: Bool = false, body: String = "{}") async throws -> TestResponse {
                var h = bearer ? fx.headers("rita") : HostileInput.cookie(fx, "rita")
                if let type { h[.contentType] = type }
                if let origin { h[.origin] = origin }
                if let referer { h[.referer] = referer }
                return try await client.execute(uri: uri, method: .post, headers: h, body: ByteBuffer(string: body))
            }
            // Refused, and nothing changes.
            #expect(try await send("/api/queue/\(a)/claim", "text/plain").status == .unsupportedMediaType)
            #expect(try await send("/api/queue/\(a)/claim", nil).status == .unsupportedMediaType)
            #expect(try await send("/api/queue/\(a)/claim", "application/json", origin: "https://evil.example").status == .forbidden)
            #expect(try await send("/api/queue/\(a)/claim", "text/plain", origin: "https://evil.example").status == .forbidden)
            #expect(try await send("/api/queue/\(a)/claim", "application/json", origin: "null").status == .forbidden)
            #expect(try await send("/api/queue/\(a)/claim", "application/json", referer: "http://localhost.evil.example/x").status == .forbidden)
            let refused = try await send("/api/queue/\(a)/claim", "application/json", origin: "http://evil.example")
            #expect((refused.json["error"] as? String)?.contains("Origin") == true)
            await #expect(try fx.catalog.reviewItem(a)?.state == "open")

            _ = try await fx.catalog.claim(b, by: "rita", lease: 600)
            #expect(try await send("/api/queue/\(b)/verdict", "text/plain", body: verdict).status == .unsupportedMediaType)
            #expect(try await send("/api/queue/\(b)/verdict", "application/json", origin: "https://evil.example", body: verdict).status == .forbidden)
            await #expect(try fx.catalog.reviewItem(b)?.state == "claimed")

            // Legitimate: this origin (or none stated) with JSON; and bearer tokens, whatever they send.
            // Behind a proxy that rewrites Host, the forwarded host counts; a foreign one still does not.
            var proxied = HostileInput.cookie(fx, "rita")
            proxied[.contentType] = "application/json"
            proxied[.origin] = "https://custody.example"
            proxied[HTTPField.Name("X-Forwarded-Host")!] = "evil.example"
            #expect(try await client.execute(uri: "/api/queue/\(a)/claim", method: .post, headers: proxied, body: ByteBuffer(string: "{}")).status == .forbidden)
            await #expect(try fx.catalog.reviewItem(a)?.state == "open")
            #expect(try await send("/api/queue/\(a)/claim", "application/json", origin: "http://localhost").status == .ok)
            #expect(try await send("/api/queue/\(b)/verdict", "application/json; charset=utf-8", referer: "http://localhost/queue", body: verdict).status == .ok)
            await #expect(try fx.catalog.reviewItem(b)?.state == "closed")
            #expect(try await send("/api/queue/\(c)/claim", "text/plain", origin: "https://evil.example", bearer: true).status == .ok)
            #expect(try await send("/api/queue/\(c)/verdict", "text/plain", bearer: true, body: verdict).status == .ok)
            await #expect(try fx.catalog.reviewItem(c)?.state == "closed")
        }
    }
}
