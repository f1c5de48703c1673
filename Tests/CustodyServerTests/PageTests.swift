import CustodyServer
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The HTML pages: sign-in, language, roles, CSRF, and a verdict recorded through the form.
@Suite struct PageTests {
    func cookie(_ fx: ServerFixture, _ user: String, lang: String? = nil) -> HTTPFields {
        var h = HTTPFields()
        h[.cookie] = "custody_session=\(fx.tokens[user]!)" + (lang.map { "; custody_lang=\($0)" } ?? "")
        return h
    }

    func csrf(in html: String) -> String? {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func anonymousPagesRedirectToSignInAndTheFormSignsIn() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            let queue = try await client.execute(uri: "/queue", method: .get)
            #expect(queue.status == .seeOther)
            #expect(queue.headers[.location] == "/login?next=%2Fqueue")
            let form = try await client.execute(uri: "/login", method: .get)
            #expect(form.status == .ok && form.text.contains("name=\"password\""))
            var headers = HTTPFields()
            headers[.contentType] = "application/x-www-form-urlencoded"
            let bad = try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: "username=rita&password=nope&next=%2Fqueue"))
            #expect(bad.status == .unauthorized)
            let good = try await client.execute(
                uri: "/login", method: .post, headers: headers,
                body: ByteBuffer(string: "username=rita&password=\(ServerFixture.password.replacingOccurrences(of: " ", with: "+"))&next=%2Fincidents%2F110-20240214-0008"))
            #expect(good.status == .seeOther)
            #expect(good.headers[.location] == "/incidents/110-20240214-0008")
            #expect(good.headers[.setCookie]?.contains("HttpOnly") == true)
            // An absolute URL as "next" is not followed.
            let offsite = try await client.execute(
                uri: "/login", method: .post, headers: headers,
                body: ByteBuffer(string: "username=rita&password=\(ServerFixture.password.replacingOccurrences(of: " ", with: "+"))&next=https%3A%2F%2Fevil.example"))
            #expect(offsite.headers[.location] == "/queue")
        }
    }

    @Test func pagesSpeakChineseOrEnglish() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            let zh = try await client.execute(uri: "/queue", method: .get, headers: cookie(fx, "rita"))
            #expect(zh.status == .ok)
            #expect(zh.text.contains("审查队列") && zh.text.contains("无录像"))
            var english = cookie(fx, "rita")
            english[.acceptLanguage] = "en-US,en;q=0.9"
            let en = try await client.execute(uri: "/queue", method: .get, headers: english)
            #expect(en.text.contains("Review queue") && en.text.contains("No recording"))
            // The switch sets a cookie that wins over Accept-Language.
            let chosen = try await client.execute(uri: "/queue", method: .get, headers: cookie(fx, "rita", lang: "zh").merging(english))
            #expect(chosen.text.contains("审查队列"))
            let incident = try await client.execute(uri: "/incidents/110-20240214-0008", method: .get, headers: english)
            #expect(incident.status == .ok)
            #expect(incident.text.contains("<svg") && incident.text.contains("Late start"))
            var supervisor = cookie(fx, "sam")
            supervisor[.acceptLanguage] = "en-US,en;q=0.9"
            let reports = try await client.execute(uri: "/reports", method: .get, headers: supervisor)
            #expect(reports.status == .ok && reports.text.contains("Calls judged"))
        }
    }

    @Test func aWrongRoleGetsA403PageAndDemoLoginIsOffOutsideTheDemo() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            let officer = try await client.execute(uri: "/queue", method: .get, headers: cookie(fx, "olga"))
            #expect(officer.status == .forbidden)
            #expect(officer.text.contains("403"))
            #expect(try await client.execute(uri: "/reports", method: .get, headers: cookie(fx, "olga")).status == .forbidden)
            // Reports are for supervisors and auditors; a reviewer's menu does not offer them.
            let reviewer = try await client.execute(uri: "/queue", method: .get, headers: cookie(fx, "rita"))
            #expect(!reviewer.text.contains("href=\"/reports\""))
            #expect(try await client.execute(uri: "/reports", method: .get, headers: cookie(fx, "rita")).status == .forbidden)
            let ownClip = try await client.execute(uri: "/clips/\(try fx.clip(of: "012345"))", method: .get, headers: cookie(fx, "olga"))
            #expect(ownClip.status == .ok)
            #expect(try await client.execute(uri: "/clips/\(try fx.clip(of: "023456"))", method: .get, headers: cookie(fx, "olga")).status == .forbidden)
            #expect(try await client.execute(uri: "/demo-login?user=rita&next=/queue", method: .get).status == .notFound)
        }
    }

    @Test func formsNeedTheSessionsCSRFTokenAndRecordAVerdict() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let id = try await #require(try fx.catalog.queue(state: "open", limit: 1, offset: 0).items.first?.id)
        try await fx.application.test(.router) { client async throws in
            var headers = cookie(fx, "rita")
            headers[.contentType] = "application/x-www-form-urlencoded"
            // No token, and another session's token, are both refused.
            let none = try await client.execute(uri: "/queue/\(id)/claim", method: .post, headers: headers, body: ByteBuffer(string: ""))
            #expect(none.status == .forbidden)
            let remysPage = try await client.execute(uri: "/queue", method: .get, headers: cookie(fx, "remy"))
            let remysToken = try #require(csrf(in: remysPage.text))
            let foreign = try await client.execute(uri: "/queue/\(id)/claim", method: .post, headers: headers, body: ByteBuffer(string: "_csrf=\(remysToken)"))
            #expect(foreign.status == .forbidden)
            await #expect(try fx.catalog.reviewItem(id)?.state == "open")

            let page = try await client.execute(uri: "/queue", method: .get, headers: cookie(fx, "rita"))
            let token = try #require(csrf(in: page.text))
            let claim = try await client.execute(uri: "/queue/\(id)/claim", method: .post, headers: headers, body: ByteBuffer(string: "_csrf=\(token)"))
            #expect(claim.status == .seeOther)
            let verdict = try await client.execute(
                uri: "/queue/\(id)/verdict", method: .post, headers: headers,
                body: ByteBuffer(string: "_csrf=\(token)&verdict=violation&checklist=late_activation&checklist=not_identified&note=%E6%9C%AA%E4%BA%AE%E6%98%8E%E8%BA%AB%E4%BB%BD"))
            #expect(verdict.status == .seeOther)
            let item = try await #require(try fx.catalog.reviewItem(id))
            #expect(item.state == "closed")
            #expect(item.verdict == "violation")
            #expect(item.checklist == ["late_activation", "not_identified"])
            #expect(item.note == "未亮明身份")
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var copy = self
        for field in other where copy[field.name] == nil { copy.append(field) }
        return copy
    }
}
