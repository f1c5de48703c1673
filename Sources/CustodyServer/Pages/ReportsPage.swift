import CustodyCore
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The report page for supervisors and auditors: a day's or an ISO week's report computed from
/// the catalog as it stands, with the files the nightly audit wrote for that period, and the
/// stored files themselves. `GET /api/reports/{period}` gives the same report as JSON.
extension CustodyServer {
    /// `daily-2024-02-14.json`, `weekly-2024-W07.zh.html`…: the only names served from
    /// `DATA/reports`, read back as their period and extension.
    static func reportFile(_ name: String) -> (period: ReportPeriod, ext: String)? {
        for ext in ["json", "csv", "zh.html", "en.html"] where name.hasSuffix("." + ext) {
            let stem = String(name.dropLast(ext.count + 1))
            for kind in [ReportPeriod.Kind.daily, .weekly] where stem.hasPrefix(kind.rawValue + "-") {
                guard let period = ReportPeriod(String(stem.dropFirst(kind.rawValue.count + 1))), period.kind == kind,
                      period.fileStem == stem
                else { return nil }
                return (period, ext)
            }
        }
        return nil
    }

    func addReportRoutes(_ router: Router<CustodyRequestContext>) {
        router.get("/reports") { request, context in
            switch pageUser(request, context, Access.reports) { case .user: break; case .response(let r): return r }
            let p = page(request, context)
            let asked = request.uri.queryParameters["period"].map(String.init)
            guard let period = asked.map(ReportPeriod.init) ?? latestStoredPeriod() ?? .day(CalendarDay(containing: Date(), zone: config.timeZone).adding(days: -1)) else {
                return render("message", ["heading": "400", "text": "period: YYYY-MM-DD or YYYY-Www"], page: p, title: "400", status: .badRequest)
            }
            return try await reportsPage(p, period)
        }
        router.get("/reports/files/{name}") { _, context in
            _ = try context.require(Access.reports)
            guard let name = try context.path("name"), let file = Self.reportFile(name),
                  let data = FileManager.default.contents(atPath: folder.reports.appendingPathComponent(name).path)
            else { throw APIError(.notFound, "No stored report by that name.") }
            var headers = HTTPFields()
            switch file.ext {
            case "json": headers[.contentType] = "application/json; charset=utf-8"
            case "csv":
                headers[.contentType] = "text/csv; charset=utf-8"
                headers[.contentDisposition] = "attachment; filename=\"\(name)\""
            default: headers[.contentType] = "text/html; charset=utf-8"
            }
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/api/reports/{period}") { _, context in
            _ = try context.require(Access.reports)
            guard let text = try context.path("period"), let period = ReportPeriod(text) else {
                throw APIError(.badRequest, "A report period is a day (2024-02-14) or an ISO week (2024-W07).")
            }
            return JSONResponse.ok(try await db { c in try await c.periodReport(period, zone: config.timeZone, handling: config.policy.handling) }.jsonValue)
        }
    }

    /// Periods with stored reports, newest first.
    func storedPeriods() -> [ReportPeriod] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.reports.path)) ?? []
        return Set(names.compactMap { name in Self.reportFile(name).flatMap { $0.ext == "json" ? $0.period : nil } }).sorted { ($0.last, $0.kind == .weekly ? 1 : 0) > ($1.last, $1.kind == .weekly ? 1 : 0) }
    }

    func latestStoredPeriod() -> ReportPeriod? { storedPeriods().first { $0.kind == .daily } }

    func reportsPage(_ p: Page, _ period: ReportPeriod) async throws -> Response {
        let report = try await db { c in try await c.periodReport(period, zone: config.timeZone, handling: config.policy.handling) }
        let language = ReportLanguage(rawValue: p.language.rawValue) ?? .zh
        let stored = storedPeriods()
        var values: [String: Any] = [
            "period": period.description, "report": report.htmlFragment(language), "is_daily": period.kind == .daily,
            "prev_link": "/reports?period=\(period.previous)", "next_link": "/reports?period=\(period.next)",
            "day_link": "/reports?period=\(period.kind == .daily ? period.first : period.last)",
            "week_link": "/reports?period=\(ReportPeriod.week(containing: period.first))",
            "stored": stored.prefix(40).map(\.description),
        ]
        if stored.contains(period) { values["stem"] = period.fileStem }
        return render("reports", values, page: p, title: "\(p.language["reports"]) \(period)")
    }
}
