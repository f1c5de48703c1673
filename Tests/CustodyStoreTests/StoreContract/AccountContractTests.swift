import CustodyCore
import CustodyStore
import Foundation
import Testing

extension StoreContract {
    /// Accounts and tokens: who may sign in, what a token opens, and revocation.
    @Suite struct AccountContractTests {
        @Test(arguments: Backend.allCases)
        func anAccountIsFoundByNameWithItsPasswordHash(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let olly = try await c.addUser(name: "olly", role: .officer, officerID: "012345", passwordHash: "$2b$12$abc")
                #expect(olly.name == "olly" && olly.role == .officer && olly.officerID == "012345")
                let (found, hash) = try await #require(try c.credentials(name: "olly"))
                #expect(found == olly && hash == "$2b$12$abc")
                #expect(try await c.credentials(name: "OLLY") == nil)
                #expect(try await c.credentials(name: "nobody") == nil)
                let entry = try await #require(try c.auditEntries().last)
                #expect(entry.action == "user-added" && entry.subject == "olly" && entry.detail.contains("\"officer\""))
            }
        }

        @Test(arguments: Backend.allCases)
        func aSecondAccountWithTheSameNameIsRefused(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let first = try await Given.user(c, "ann", .reviewer)
                let error = await #expect(throws: Catalog.AccountError.self) {
                    try await c.addUser(name: "ann", role: .admin, officerID: nil, passwordHash: "x")
                }
                #expect(error?.description == "A user named 'ann' already exists.")
                await #expect(try c.credentials(name: "ann")?.0 == first)
            }
        }

        @Test(arguments: Backend.allCases)
        func everyRoleIsStoredAndReadBack(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                var made: [User] = []
                for role in Role.allCases {
                    await made.append(try Given.user(c, "user-\(role.rawValue)", role, officer: role == .officer ? "7" : nil))
                }
                #expect(Set(made.map(\.id)).count == Role.allCases.count)
                for user in made {
                    await #expect(try c.credentials(name: user.name)?.0 == user)
                    let token = try await c.issueToken(for: user, kind: "session", lifetime: 3600)
                    await #expect(try c.user(forToken: token) == user)
                }
            }
        }

        @Test(arguments: Backend.allCases)
        func aTokenOpensItsOwnAccountUntilItExpires(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let ann = try await Given.user(c, "ann", .reviewer)
                let bob = try await Given.user(c, "bob", .supervisor)
                let annToken = try await c.issueToken(for: ann, kind: "session", lifetime: 3600)
                let bobToken = try await c.issueToken(for: bob, kind: "session", lifetime: nil)
                #expect(annToken.count == 64 && annToken != bobToken)
                await #expect(try c.user(forToken: annToken) == ann)
                await #expect(try c.user(forToken: bobToken) == bob)
                await #expect(try c.user(forToken: String(repeating: "0", count: 64)) == nil)
                await #expect(try c.user(forToken: "") == nil)
                let lapsed = try await c.issueToken(for: ann, kind: "session", lifetime: -1)
                await #expect(try c.user(forToken: lapsed) == nil)
                // Only the token's hash is kept: the token itself appears nowhere in the audit log.
                await #expect(try c.auditEntries().allSatisfy { !$0.detail.contains(annToken) && !$0.subject.contains(annToken) })
            }
        }

        @Test(arguments: Backend.allCases)
        func revokingOneTokenOrEveryTokenOfAnAccount(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let ann = try await Given.user(c, "ann", .reviewer)
                let bob = try await Given.user(c, "bob", .reviewer)
                let first = try await c.issueToken(for: ann, kind: "session", lifetime: 3600)
                let second = try await c.issueToken(for: ann, kind: "session", lifetime: 3600)
                let third = try await c.issueToken(for: ann, kind: "session", lifetime: nil)
                let bobs = try await c.issueToken(for: bob, kind: "session", lifetime: 3600)
                try await c.revokeToken(first)
                #expect(try await c.user(forToken: first) == nil)
                #expect(try await c.user(forToken: second) == ann)
                await #expect(try c.revokeTokens(userID: ann.id, name: ann.name, actor: "admin") == 2)
                #expect(try await c.user(forToken: second) == nil)
                #expect(try await c.user(forToken: third) == nil)
                await #expect(try c.user(forToken: bobs) == bob)
                await #expect(try c.revokeTokens(userID: ann.id, name: ann.name, actor: "admin") == 0)
                let revoked = try await c.auditEntries().filter { $0.action == "tokens-revoked" }
                #expect(revoked.map(\.detail) == ["{\"count\":2}", "{\"count\":0}"] && revoked.allSatisfy { $0.subject == "ann" })
                // The account itself remains and can sign in again.
                await #expect(try c.credentials(name: "ann") != nil)
                await #expect(try c.user(forToken: c.issueToken(for: ann, kind: "session", lifetime: 60)) == ann)
            }
        }

        @Test(arguments: Backend.allCases)
        func aDockingStationAccountIsMadeOnceAndItsTokenIsAudited(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let station = try await c.stationUser(name: "dock-3", unusablePasswordHash: "!")
                #expect(station.role == .station)
                await #expect(try c.stationUser(name: "dock-3", unusablePasswordHash: "!") == station)
                try await Given.user(c, "ann", .reviewer)
                await #expect(throws: Catalog.AccountError.self) { try await c.stationUser(name: "ann", unusablePasswordHash: "!") }
                let token = try await c.issueStationToken(for: station, lifetime: 30 * 86_400, actor: "admin")
                await #expect(try c.user(forToken: token) == station)
                let entry = try await #require(try c.auditEntries().last)
                #expect(entry.action == "token-issued" && entry.actor == "admin" && entry.subject == "dock-3")
                #expect(entry.detail == "{\"kind\":\"station\",\"expires_in_days\":30}" && !entry.detail.contains(token))
                await #expect(try Given.actions(c).filter { $0 == "user-added" }.count == 2)
            }
        }
    }
}
