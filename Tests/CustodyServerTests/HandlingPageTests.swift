import CustodyCore
import CustodyStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15: an incident's 110 handling findings in its API answer and on its page, in both
/// languages; and the supervisor's queue items for calls never closed.
@Suite struct HandlingPageTests {
    @Test func anIncidentShowsItsHandlingFindingsInTheAPIAndOnItsPage() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            let slow = try await client.execute(uri: "/api/incidents/110-20240214-0012", method: .get, headers: fx.headers("rita"))
            #expect(slow.status == .ok)
            let handling = try #require(slow.json["handling"] as? [[String: Any]])
            #expect(handling.map { "\($0["kind"]!) \($0["seconds"]!) \($0["limit_seconds"]!)" } == ["slow_dispatch 181 180"])
            // Open since 2024: not closed as of now.
            let open = try await client.execute(uri: "/api/incidents/110-20240213-0051", method: .get, headers: fx.headers("sam"))
            #expect((open.json["handling"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["not_closed"])
            for (lang, label) in [("zh", "派警超时"), ("en", "Slow dispatch")] {
                let page = try await client.execute(uri: "/incidents/110-20240214-0012", method: .get, headers: HostileInput.cookie(fx, "rita", lang: lang))
                #expect(page.status == .ok)
                #expect(page.text.contains(label), "\(lang)")
            }
            for (lang, label) in [("zh", "警情未闭环"), ("en", "Not closed")] {
                let queue = try await client.execute(uri: "/queue?state=open", method: .get, headers: HostileInput.cookie(fx, "sam", lang: lang))
                #expect(queue.status == .ok)
                #expect(queue.text.contains(label), "\(lang)")
                #expect(!queue.text.contains("reason_not_closed"))
            }
        }
    }
}
