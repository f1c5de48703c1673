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

/// Helpers shared by the issue-11 server suites.
enum HostileInput {
    static func cookie(_ fx: ServerFixture, _ user: String, lang: String? = nil) -> HTTPFields {
        var h = HTTPFields()
        h[.cookie] = "custody_session=\(fx.tokens[user]!)" + (lang.map { "; custody_lang=\($0)" } ?? "")
        return h
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func field(_ name: String) -> HTTPField.Name { HTTPField.Name(name)! }

    static func auditFigures(_ fx: ServerFixture) async throws -> (count: Int, bytes: Int) {
        let entries = try await fx.catalog.auditEntries()
        return (entries.count, entries.reduce(0) { $0 + $1.actor.utf8.count + $1.subject.utf8.count + $1.detail.utf8.count })
    }

    static func tus(_ fx: ServerFixture, _ user: String, _ extra: [String: String] = [:]) -> HTTPFields {
        var h = fx.headers(user)
        h[field("Tus-Resumable")] = "1.0.0"
        for (k, v) in extra { h[field(k)] = v }
        return h
    }
}
