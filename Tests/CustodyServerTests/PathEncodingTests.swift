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

/// Issue 11, item 6: path parameters are percent-decoded and every link is encoded.
@Suite struct PathEncodingTests {

    static let oddIncidents = ["警2024001", "A 17", "B/2024/9", "50%#?x"]

    /// Incidents with awkward ids, each with an officer who has no clip: each gets a queue item.
    static func addOddIncidents(_ fx: ServerFixture) async throws {
        var csv = "incident_id,officer_id,received_at,dispatched_at,arrived_at,cleared_at,category,priority,station,location\n"
        for (n, id) in oddIncidents.enumerated() {
            let quoted = "\"" + id.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            csv += "\(quoted),09999\(n),2024-02-14T03:00:00Z,2024-02-14T03:02:00Z,2024-02-14T03:10:00Z,2024-02-14T03:30:00Z,纠纷,三级,城关派出所,人民路\(n)号\n"
        }
        let file = fx.root.appendingPathComponent("odd.csv")
        try Data(csv.utf8).write(to: file)
        let result = await DispatchImport.run(path: file.path, catalog: fx.catalog, zone: TimeZone(identifier: "Asia/Shanghai")!)
        #expect(result.officers.count == oddIncidents.count, "\(result.report)")
        try await fx.catalog.relink(officers: nil, policy: CustodyConfiguration().policy, actor: "test")
        try await fx.catalog.refreshQueue(sampleShare: 0.5, seed: "test")
    }

    static func unescapeHTML(_ s: String) -> String {
        s.replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#x3D;", with: "=").replacingOccurrences(of: "&#x2F;", with: "/")
            .replacingOccurrences(of: "&#x60;", with: "`").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// `href`s of `<a>` elements whose text is `text`.
    static func links(in html: String, text: String) -> [String] {
        let escaped = text.replacingOccurrences(of: "&", with: "&amp;")
        var found: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "<a href=\"") {
            let after = rest[start.upperBound...]
            guard let end = after.firstIndex(of: "\"") else { break }
            let href = String(after[..<end])
            if let close = after.range(of: "</a>") {
                let inner = after[after.index(after: end)..<close.lowerBound]
                if let gt = inner.firstIndex(of: ">"), [text, escaped].contains(String(inner[inner.index(after: gt)...])) {
                    found.append(unescapeHTML(href))
                }
            }
            rest = after[end...]
        }
        return found
    }

    /// Every byte but ASCII letters and digits percent-encoded, as a client might.
    static func encode(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))!
    }

    @Test func incidentsWithSpacesChineseAndSlashesOpenFromTheQueueAndTheAPI() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await Self.addOddIncidents(fx)
        try await fx.application.test(.router) { client async throws in
            let queue = try await client.execute(uri: "/queue?state=all", method: .get, headers: HostileInput.cookie(fx, "rita"))
            #expect(queue.status == .ok)
            for id in Self.oddIncidents {
                // The API, with the id percent-encoded.
                let api = try await client.execute(uri: "/api/incidents/\(Self.encode(id))", method: .get, headers: fx.headers("rita"))
                #expect(api.status == .ok, "GET /api/incidents/\(Self.encode(id)): \(api.status)")
                #expect(api.json["incident_id"] as? String == id)

                // The queue page links to it, encoded, and the link opens the incident page.
                let links = Self.links(in: queue.text, text: id)
                #expect(!links.isEmpty, "no queue link for \(id)")
                for link in links {
                    #expect(link.hasPrefix("/incidents/"), "\(link)")
                    #expect(!link.dropFirst("/incidents/".count).contains("/"), "\(link) is not encoded")
                    #expect(link.allSatisfy { $0.isASCII && $0 != " " && $0 != "#" }, "\(link) is not encoded")
                    let page = try await client.execute(uri: link, method: .get, headers: HostileInput.cookie(fx, "rita"))
                    #expect(page.status == .ok, "GET \(link): \(page.status)")
                    #expect(page.text.contains(id.replacingOccurrences(of: "&", with: "&amp;")), "the page of \(id) does not name it")
                }
            }
            // A claim through the page form sends the reviewer back to the incident page.
            let id = Self.oddIncidents[0]
            let item = try await #require(try fx.catalog.queue(state: "open", limit: 500, offset: 0).items.first { $0.incidentID == id })
            var headers = HostileInput.cookie(fx, "rita")
            headers[.contentType] = "application/x-www-form-urlencoded"
            let token = try #require(HostileInput.csrf(in: queue.text))
            let claim = try await client.execute(uri: "/queue/\(item.id)/claim", method: .post, headers: headers, body: ByteBuffer(string: "_csrf=\(token)"))
            #expect(claim.status == .seeOther)
            let back = try #require(claim.headers[.location])
            #expect(back.allSatisfy { $0.isASCII }, "\(back)")
            let page = try await client.execute(uri: back, method: .get, headers: HostileInput.cookie(fx, "rita"))
            #expect(page.status == .ok, "GET \(back): \(page.status)")
            // Broken percent-encoding is a clear 400, not a 404 or a crash.
            let broken = try await client.execute(uri: "/api/incidents/%E8%AD", method: .get, headers: fx.headers("rita"))
            #expect(broken.status == .badRequest)
        }
    }
}
