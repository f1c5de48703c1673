import CustodyCore
import CustodyStore
import Foundation
import Testing

extension StoreContract {
    /// Accounts and tokens: who may sign in, what a token opens, and revocation.
    @Suite struct AccountContractTests {
        @Test(arguments: Backend.allCases)
        func anAccountIsFoundByNameWithItsPasswordHash(_ backend: Backend) throws {
            try backend.withCatalog { c in
                let olly = try c.addUser(name: "olly", role: .officer, officerID: "012345", passwordHash: "$2b$12$abc")
                #expect(olly.name == "olly" && olly.role == .officer && olly.officerID == "012345")
                let (found, hash) = try #require(try c.credentials(name: "olly"))
                #expect(found == olly && hash == "$2b$12$abc")
                #expect(try c.credentials(name: "OLLY") == nil && c.credentials(name: "nobody") == nil)
                let entry = try #require(try c.auditEntries().last)
                #expect(entry.action == "user-added" && entry.subject == "olly" && entry.detail.contains("\"officer\""))
            }
        }

        @Test(arguments: Backend.allCases)
        func aSecondAccountWithTheSameNameIsRefused(_ backend: Backend) throws {
            try backend.withCatalog { c in
                let first = try Given.user(c, "ann", .reviewer)
                let error = #expect(throws: Catalog.AccountError.self) {
                    try c.addUser(name: "ann", role: .admin, officerID: nil, passwordHash: "x")
                }
                #expect(error?.description == "A user named 'ann' already exists.")
                #expect(try c.credentials(name: "ann")?.0 == first)
            }
        }

        @Test(arguments: Backend.allCases)
        func everyRoleIsStoredAndReadBack(_ backend: Backend) throws {
            try backend.withCatalog { c in
                var made: [User] = []
                for role in Role.allCases {
                    made.append(try Given.user(c, "user-\(role.rawValue)", role, officer: role == .officer ? "7" : nil))
                }
                #expect(Set(made.map(\.id)).count == Role.allCases.count)
                for user in made {
                    #expect(try c.credentials(name: user.name)?.0 == user)
                    let token = try c.issueToken(for: user, kind: "session", lifetime: 3600)
                    #expect(try c.user(forToken: token) == user)
                }
            }
        }

        @Test(arguments: Backend.allCases)
        func aTokenOpensItsOwnAccountUntilItExpires(_ backend: Backend) throws {
            try backend.withCatalog { c in
                let ann = try Given.user(c, "ann", .reviewer)
                let bob = try Given.user(c, "bob", .supervisor)
                let annToken = try c.issueToken(for: ann, kind: "session", lifetime: 3600)
                let bobToken = try c.issueToken(for: bob, kind: "session", lifetime: nil)
                #expect(annToken.count == 64 && annToken != bobToken)
                #expect(try c.user(forToken: annToken) == ann)
                #expect(try c.user(forToken: bobToken) == bob)
                #expect(try c.user(forToken: String(repeating: "0", count: 64)) == nil)
                #expect(try c.user(forToken: "") == nil)
                let lapsed = try c.issueToken(for: ann, kind: "session", lifetime: -1)
                #expect(try c.user(forToken: lapsed) == nil)
                // Only the token's hash is kept: the token itself appears nowhere in the audit log.
                #expect(try c.auditEntries().allSatisfy { !$0.detail.contains(annToken) && !$0.subject.contains(annToken) })
            }
        }

        @Test(arguments: Backend.allCases)
        func revokingOneTokenOrEveryTokenOfAnAccount(_ backend: Backend) throws {
            try backend.withCatalog { c in
                let ann = try Given.user(c, "ann", .reviewer)
                let bob = try Given.user(c, "bob", .reviewer)
                let first = try c.issueToken(for: ann, kind: "session", lifetime: 3600)
                let second = try c.issueToken(for: ann, kind: "session", lifetime: 3600)
                let third = try c.issueToken(for: ann, kind: "session", lifetime: nil)
                let bobs = try c.issueToken(for: bob, kind: "session", lifetime: 3600)
                try c.revokeToken(first)
                #expect(try c.user(forToken: first) == nil && c.user(forToken: second) == ann)
                #expect(try c.revokeTokens(userID: ann.id, name: ann.name, actor: "admin") == 2)
                #expect(try c.user(forToken: second) == nil && c.user(forToken: third) == nil)
                #expect(try c.user(forToken: bobs) == bob)
                #expect(try c.revokeTokens(userID: ann.id, name: ann.name, actor: "admin") == 0)
                let revoked = try c.auditEntries().filter { $0.action == "tokens-revoked" }
                #expect(revoked.map(\.detail) == ["{\"count\":2}", "{\"count\":0}"] && revoked.allSatisfy { $0.subject == "ann" })
                // The account itself remains and can sign in again.
                #expect(try c.credentials(name: "ann") != nil)
                #expect(try c.user(forToken: c.issueToken(for: ann, kind: "session", lifetime: 60)) == ann)
            }
        }

        @Test(arguments: Backend.allCases)
        func aDockingStationAccountIsMadeOnceAndItsTokenIsAudited(_ backend: Backend) throws {
            try backend.withCatalog { c in
                let station = try c.stationUser(name: "dock-3", unusablePasswordHash: "!")
                #expect(station.role == .station)
                #expect(try c.stationUser(name: "dock-3", unusablePasswordHash: "!") == station)
                try Given.user(c, "ann", .reviewer)
                #expect(throws: Catalog.AccountError.self) { try c.stationUser(name: "ann", unusablePasswordHash: "!") }
                let token = try c.issueStationToken(for: station, lifetime: 30 * 86_400, actor: "admin")
                #expect(try c.user(forToken: token) == station)
                let entry = try #require(try c.auditEntries().last)
                #expect(entry.action == "token-issued" && entry.actor == "admin" && entry.subject == "dock-3")
                #expect(entry.detail == "{\"kind\":\"station\",\"expires_in_days\":30}" && !entry.detail.contains(token))
                #expect(try Given.actions(c).filter { $0 == "user-added" }.count == 2)
            }
        }
    }
}
