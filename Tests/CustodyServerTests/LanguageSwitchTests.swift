import CustodyServer
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 13, item 8: the language switch keeps the page's query (`?state=`, `?period=`), and an
/// English count of one says "item".
@Suite struct LanguageSwitchTests {
    @Test func theSwitchReturnsToThePageWithItsQuery() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            let page = try await client.execute(uri: "/queue?state=closed&page=1", method: .get, headers: HostileInput.cookie(fx, "rita", lang: "zh"))
            #expect(page.status == .ok)
            let link = try #require(page.text.range(of: "href=\"/lang/en?next=").map { String(page.text[$0.lowerBound...].dropFirst(6).prefix { $0 != "\"" }) })
            #expect(link == "/lang/en?next=/queue%3Fstate%3Dclosed%26page%3D1", "\(link)")
            let switched = try await client.execute(uri: link, method: .get, headers: HostileInput.cookie(fx, "rita", lang: "zh"))
            #expect(switched.status == .seeOther || switched.status == .found)
            #expect(switched.headers[.location] == "/queue?state=closed&page=1")
            #expect(switched.headers[values: .setCookie].contains { $0.hasPrefix("custody_lang=en") })
        }
    }

    @Test func oneItemIsSingularInEnglish() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let id = try await #require(try fx.catalog.queue(state: "open", limit: 1, offset: 0).items.first?.id)
        _ = try await fx.catalog.claim(id, by: "rita", lease: 600)
        try await fx.application.test(.router) { client async throws in
            let en = try await client.execute(uri: "/queue?state=claimed", method: .get, headers: HostileInput.cookie(fx, "rita", lang: "en"))
            #expect(en.text.contains(">1 item</span>"), "\(en.text.prefix(2000))")
            let zh = try await client.execute(uri: "/queue?state=claimed", method: .get, headers: HostileInput.cookie(fx, "rita", lang: "zh"))
            #expect(zh.text.contains(">1 条</span>"))
        }
    }
}
