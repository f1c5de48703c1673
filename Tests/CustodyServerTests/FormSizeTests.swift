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

/// Issue 11, item 9 (form size): an oversized form is a 413 page in the reader's language.
@Suite struct FormSizeTests {

    @Test func anOversizedFormIsA413PageInTheReadersLanguageAndJSONA413Error() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let id = try await #require(try fx.catalog.queue(state: "open", limit: 1, offset: 0).items.first?.id)
        _ = try await fx.catalog.claim(id, by: "rita", lease: 600)
        try await fx.application.test(.router) { client async throws in
            let page = try await client.execute(uri: "/queue", method: .get, headers: HostileInput.cookie(fx, "rita"))
            let token = try #require(HostileInput.csrf(in: page.text))
            let note = String(repeating: "a", count: 70 * 1024)
            for (lang, words) in [("zh", "超过 64 KB"), ("en", "larger than 64 KB")] {
                var headers = HostileInput.cookie(fx, "rita", lang: lang)
                headers[.contentType] = "application/x-www-form-urlencoded"
                let r = try await client.execute(uri: "/queue/\(id)/verdict", method: .post, headers: headers,
                                                 body: ByteBuffer(string: "_csrf=\(token)&verdict=compliant&note=\(note)"))
                #expect(r.status == .contentTooLarge, "\(lang): \(r.status)")
                #expect(r.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(r.text.contains(words), "\(lang): \(r.text.prefix(300))")
                #expect(r.text.contains("lang=\"\(lang == "zh" ? "zh-CN" : "en")\""))
            }
            await #expect(try fx.catalog.reviewItem(id)?.state == "claimed")
            // The JSON API answers a JSON 413.
            let json = try await client.execute(uri: "/api/queue/\(id)/verdict", method: .post, headers: fx.headers("rita"),
                                                body: jsonBody(["verdict": "compliant", "note": note]))
            #expect(json.status == .contentTooLarge)
            #expect((json.json["error"] as? String)?.contains("larger than") == true)
            await #expect(try fx.catalog.reviewItem(id)?.state == "claimed")
        }
    }

    /// Issue 13, item 10: the form path keeps the API's 4,000-character note limit; a longer
    /// note is a 400 page in the reader's language and nothing is recorded.
    @Test func aNoteOverTheLimitIsRefusedOnTheFormPathToo() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let id = try await #require(try fx.catalog.queue(state: "open", limit: 1, offset: 0).items.first?.id)
        _ = try await fx.catalog.claim(id, by: "rita", lease: 600)
        try await fx.application.test(.router) { client async throws in
            let page = try await client.execute(uri: "/queue", method: .get, headers: HostileInput.cookie(fx, "rita"))
            let token = try #require(HostileInput.csrf(in: page.text))
            func post(_ note: String, _ lang: String) async throws -> TestResponse {
                var headers = HostileInput.cookie(fx, "rita", lang: lang)
                headers[.contentType] = "application/x-www-form-urlencoded"
                return try await client.execute(uri: "/queue/\(id)/verdict", method: .post, headers: headers,
                                                body: ByteBuffer(string: "_csrf=\(token)&verdict=compliant&note=\(note)"))
            }
            for (lang, words) in [("zh", "超过 4,000 字的上限"), ("en", "more than the 4,000 allowed")] {
                let r = try await post(String(repeating: "b", count: 20_000), lang)
                #expect(r.status == .badRequest, "\(lang): \(r.status)")
                #expect(r.text.contains(words) && r.text.contains("20,000"), "\(lang): \(r.text.prefix(400))")
            }
            await #expect(try fx.catalog.reviewItem(id)?.state == "claimed")
            // At the limit it is recorded.
            let ok = try await post(String(repeating: "c", count: 4000), "en")
            #expect(ok.status == .seeOther || ok.status == .found, "\(ok.status)")
            let item = try await #require(try fx.catalog.reviewItem(id))
            #expect(item.state == "closed" && item.note?.count == 4000)
        }
    }
}
