import CustodyCore
import CustodyServer
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 7 in the web UI and API: the report page and stored files for supervisors and
/// auditors, legal holds through the API, and media of purged clips.
@Suite struct ReportsAndHoldsTests {
    func cookie(_ fx: ServerFixture, _ user: String, english: Bool = false) -> HTTPFields {
        var h = HTTPFields()
        h[.cookie] = "custody_session=\(fx.tokens[user]!)"
        if english { h[.acceptLanguage] = "en" }
        return h
    }

    /// What `custody audit --day 2024-02-14` leaves in DATA/reports.
    func writeStoredReport(_ fx: ServerFixture) async throws -> PeriodReport {
        let report = try await fx.catalog.periodReport(try #require(ReportPeriod("2024-02-14")), zone: fx.server.config.timeZone)
        try DurableFile.write(Data(report.jsonText.utf8), to: fx.folder.reports.appendingPathComponent("daily-2024-02-14.json"))
        try DurableFile.write(Data(report.csvText.utf8), to: fx.folder.reports.appendingPathComponent("daily-2024-02-14.csv"))
        try DurableFile.write(Data(report.htmlDocument(.zh).utf8), to: fx.folder.reports.appendingPathComponent("daily-2024-02-14.zh.html"))
        return report
    }

    @Test func theReportPageShowsTheLatestAuditedDayWithItsFiles() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let report = try await writeStoredReport(fx)
        #expect(report.total.current.callsJudged == 12)  // the samples' 13 judged calls, one on the 13th
        try await fx.application.test(.router) { client async throws in
            let zh = try await client.execute(uri: "/reports", method: .get, headers: cookie(fx, "sam"))
            #expect(zh.status == .ok)
            #expect(zh.text.contains("执法记录仪使用情况日报 2024年2月14日（星期三）"))
            #expect(zh.text.contains("共研判警情12起"))
            #expect(zh.text.contains("/reports/files/daily-2024-02-14.csv") && zh.text.contains("<svg"))
            let en = try await client.execute(uri: "/reports?period=2024-W07", method: .get, headers: cookie(fx, "ada", english: true))
            #expect(en.status == .ok)
            #expect(en.text.contains("Body-camera weekly report Week 7 of 2024"))
            #expect(en.text.contains("13 calls were judged"))
            #expect(en.text.contains("has not written this period"))
            #expect(try await client.execute(uri: "/reports?period=2024-02-31", method: .get, headers: cookie(fx, "sam")).status == .badRequest)

            let csv = try await client.execute(uri: "/reports/files/daily-2024-02-14.csv", method: .get, headers: fx.headers("ada"))
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.text == report.csvText)
            let html = try await client.execute(uri: "/reports/files/daily-2024-02-14.zh.html", method: .get, headers: fx.headers("sam"))
            #expect(html.headers[.contentType] == "text/html; charset=utf-8" && html.text.contains("<!DOCTYPE html>"))
            for name in ["daily-2024-02-14.en.html", "custody.sqlite", "..%2Fcustody.sqlite", "daily-2024-02-14.json.bak", "audit-2024-02-14.json"] {
                let response = try await client.execute(uri: "/reports/files/\(name)", method: .get, headers: fx.headers("sam"))
                #expect(response.status == .notFound, "\(name)")
            }
            #expect(try await client.execute(uri: "/reports/files/daily-2024-02-14.csv", method: .get, headers: fx.headers("rita")).status == .forbidden)

            let api = try await client.execute(uri: "/api/reports/2024-02-14", method: .get, headers: fx.headers("ada"))
            #expect(api.status == .ok)
            #expect((api.json["total"] as? [String: Any])?["calls_judged"] as? Int == 12)
            #expect((api.json["stations"] as? [[String: Any]])?.compactMap { $0["station"] as? String } == ["城关派出所", "城西派出所"])
            #expect(try await client.execute(uri: "/api/reports/yesterday", method: .get, headers: fx.headers("ada")).status == .badRequest)
        }
    }

    @Test func supervisorsPlaceAndReleaseHoldsAndAuditorsReadThem() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let clip = try await fx.clip(of: "012345")
        try await fx.application.test(.router) { client async throws in
            let placed = try await client.execute(uri: "/api/holds", method: .post, headers: fx.headers("sam"),
                                                  body: jsonBody(["kind": "case_evidence", "incident_id": "110-20240214-0008", "reason": "案件 2024-31"]))
            #expect(placed.status == .created)
            #expect(placed.json["incident_id"] as? String == "110-20240214-0008")
            #expect(placed.json["placed_by"] as? String == "sam")
            let id = try #require(placed.json["id"] as? Int)
            let onClip = try await client.execute(uri: "/api/holds", method: .post, headers: fx.headers("sam"),
                                                  body: jsonBody(["clip_sha256": clip.uppercased(), "reason": "complaint"]))
            #expect(onClip.status == .created && onClip.json["kind"] as? String == "legal_hold" && onClip.json["clip_sha256"] as? String == clip)

            for (body, status) in [
                (["incident_id": "110-20240214-0008"], HTTPResponse.Status.badRequest),  // no reason
                (["kind": "forever", "incident_id": "110-20240214-0008", "reason": "x"], .badRequest),
                (["incident_id": "X", "clip_sha256": clip, "reason": "x"], .badRequest),  // both
                (["incident_id": "NO-SUCH-CALL", "reason": "x"], .notFound),
                (["clip_sha256": String(repeating: "0", count: 64), "reason": "x"], .notFound),
            ] as [([String: String], HTTPResponse.Status)] {
                let response = try await client.execute(uri: "/api/holds", method: .post, headers: fx.headers("sam"), body: jsonBody(body))
                #expect(response.status == status, "\(body)")
                #expect(response.json["error"] is String)
            }

            let list = try await client.execute(uri: "/api/holds", method: .get, headers: fx.headers("ada"))
            #expect((list.json["holds"] as? [[String: Any]])?.count == 2)
            let released = try await client.execute(uri: "/api/holds/\(id)/release", method: .post, headers: fx.headers("sam"), body: jsonBody(["reason": "case closed"]))
            #expect(released.status == .ok && released.json["active"] as? Bool == false && released.json["released_by"] as? String == "sam")
            #expect(try await client.execute(uri: "/api/holds/\(id)/release", method: .post, headers: fx.headers("sam"), body: jsonBody(["reason": "again"])).status == .badRequest)
            #expect(try await client.execute(uri: "/api/holds/999/release", method: .post, headers: fx.headers("sam"), body: jsonBody(["reason": "x"])).status == .notFound)
            let active = try await client.execute(uri: "/api/holds", method: .get, headers: fx.headers("sam"))
            #expect((active.json["holds"] as? [[String: Any]])?.count == 1)
            let all = try await client.execute(uri: "/api/holds?all=1", method: .get, headers: fx.headers("sam"))
            #expect((all.json["holds"] as? [[String: Any]])?.count == 2)
        }
        let actions = try await fx.catalog.auditEntries().filter { $0.action.hasPrefix("hold-") }.map { "\($0.actor) \($0.action)" }
        #expect(actions == ["sam hold-placed", "sam hold-placed", "sam hold-released"])
    }

    @Test func aPurgedClipsMediaIsGoneButItsRecordRemains() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let clip = try await fx.clip(of: "023456")
        let far = Date(timeIntervalSince1970: 1_900_000_000)
        let tombstone = try await #require(try fx.catalog.recordPurge(sha256: clip, policy: RetentionPolicy(), reference: far, by: "audit", context: "test"))
        try DurableFile.remove(fx.folder.root.appendingPathComponent(tombstone.storedPath))
        try await fx.application.test(.router) { client async throws in
            let media = try await client.execute(uri: "/api/clips/\(clip)/media", method: .get, headers: fx.headers("rita"))
            #expect(media.status == .gone)
            #expect((media.json["error"] as? String)?.contains("deleted under retention") == true)
            #expect(try await client.execute(uri: "/api/clips/\(clip)/thumbnail", method: .get, headers: fx.headers("rita")).status == .gone)
            let record = try await client.execute(uri: "/api/clips/\(clip)", method: .get, headers: fx.headers("rita"))
            #expect(record.status == .ok && record.json["sha256"] as? String == clip)
        }
    }
}
