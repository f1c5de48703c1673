import CustodyCore
import CustodyIngest
import CustodyStore
import CustodyTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 17 from the pages: a supervisor exports an incident or a clip with a reason; other
/// roles are refused; supervisors and auditors see the packages and the signing key.
@Suite struct ExportPageTests {
    @Test func aSupervisorExportsFromThePagesAndOthersAreRefused() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let clip = try await fx.clip(of: "012345")
        try await fx.application.test(.router) { client in
            let page = try await client.execute(uri: "/incidents/110-20240214-0008", method: .get, headers: HostileInput.cookie(fx, "sam", lang: "en"))
            #expect(page.text.contains("id=\"export-incident\"") && page.text.contains("Export a package"))
            let token = try #require(HostileInput.csrf(in: page.text))
            let reviewerPage = try await client.execute(uri: "/incidents/110-20240214-0008", method: .get, headers: HostileInput.cookie(fx, "rita"))
            #expect(!reviewerPage.text.contains("export-incident"), "only supervisors see the action")
            func post(_ uri: String, _ user: String, _ body: String) async throws -> TestResponse {
                var h = HostileInput.cookie(fx, user, lang: "en")
                h[.contentType] = "application/x-www-form-urlencoded"
                let csrf = HostileInput.csrf(in: try await client.execute(uri: "/queue", method: .get, headers: HostileInput.cookie(fx, user)).text) ?? token
                return try await client.execute(uri: uri, method: .post, headers: h, body: ByteBuffer(string: "_csrf=\(csrf)&" + body))
            }
            // Refused: a reviewer, an auditor, an officer; and a supervisor without a reason.
            for user in ["rita", "ada", "olga"] {
                let r = try await post("/incidents/110-20240214-0008/export", user, "reason=x")
                #expect(r.status == .forbidden, "\(user): \(r.status)")
            }
            #expect(try await post("/incidents/110-20240214-0008/export", "sam", "reason=").status == .badRequest)
            // The supervisor's export: a package in DATA/exports that checks with sha256sum.
            let done = try await post("/incidents/110-20240214-0008/export", "sam", "reason=Complaint%20board%20case%2017")
            #expect(done.status == .seeOther, "\(done.status) \(done.text.prefix(300))")
            let target = try #require(done.headers[.location])
            #expect(target.hasPrefix("/exports?done=110-20240214-0008-"))
            let exports = fx.folder.root.appendingPathComponent("exports")
            let made = try #require(try FileManager.default.contentsOfDirectory(atPath: exports.path).first)
            let check = try Run.program(URL(fileURLWithPath: "/usr/bin/sha256sum"), ["-c", "--quiet", "SHA256SUMS"], currentDirectory: exports.appendingPathComponent(made))
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
            let entry = try #require(try await fx.catalog.auditEntries().last)
            #expect(entry.action == "exported" && entry.actor == "sam" && entry.detail.contains("Complaint board case 17"))
            // A clip on its own.
            #expect(try await post("/clips/\(clip)/export", "sam", "reason=Prosecutor").status == .seeOther)
            #expect(try await post("/clips/\(clip)/export", "rita", "reason=Prosecutor").status == .forbidden)
            // The list, for supervisors and auditors, with the signing key's fingerprint.
            let key = try SigningKey.loadOrCreate(fx.folder)
            for user in ["sam", "ada"] {
                let list = try await client.execute(uri: "/exports", method: .get, headers: HostileInput.cookie(fx, user, lang: "en"))
                #expect(list.status == .ok && list.text.contains(key.fingerprint) && list.text.contains("Complaint board case 17"), "\(user)")
            }
            let admin = try await client.execute(uri: "/admin/accounts", method: .get, headers: HostileInput.cookie(fx, "root", lang: "en"))
            #expect(admin.text.contains("id=\"signing-key\"") && admin.text.contains(key.fingerprint), "the admin page shows the key")
            for user in ["rita", "olga", "root"] {
                #expect(try await client.execute(uri: "/exports", method: .get, headers: HostileInput.cookie(fx, user)).status == .forbidden, "\(user)")
            }
        }
    }
}
