@testable import CustodyServer
import Foundation
import Testing

/// Issue 13, item 10: wrong passwords from one address lock that address out of the account,
/// not everyone; guessing spread over many addresses is still capped per name.
@Suite struct SignInGuardTests {
    static func guarded(_ limits: SignInGuard.Limits = .init()) -> SignInGuard {
        SignInGuard(limits: limits) { _ in }
    }

    @Test func fiveFailuresFromOneAddressDoNotLockTheAccountForAnotherAddress() async throws {
        let g = Self.guarded()
        let t = Date(timeIntervalSince1970: 1_700_000_000)
        for i in 0..<5 {
            #expect(try await g.check(name: "rita", address: "203.0.113.9", now: t.addingTimeInterval(Double(i))) == nil)
            try await g.failed(name: "rita", address: "203.0.113.9", now: t.addingTimeInterval(Double(i)))
        }
        // The attacker's address now waits for rita…
        let refused = try await g.check(name: "rita", address: "203.0.113.9", now: t.addingTimeInterval(10))
        #expect(refused.map { if case .name = $0 { true } else { false } } == true)
        #expect((refused?.wait ?? 0) > 14 * 60)
        // …but rita at her desk is not, and the attacker may still try other names.
        #expect(try await g.check(name: "rita", address: "10.0.0.7", now: t.addingTimeInterval(10)) == nil)
        #expect(try await g.check(name: "remy", address: "203.0.113.9", now: t.addingTimeInterval(10)) == nil)
        // After the window the address may try rita again.
        #expect(try await g.check(name: "rita", address: "203.0.113.9", now: t.addingTimeInterval(15 * 60 + 5)) == nil)
    }

    @Test func guessingSpreadOverManyAddressesIsCappedPerName() async throws {
        let g = Self.guarded(.init(maxPerNameAndAddress: 5, maxPerName: 20, maxPerAddress: 30))
        let t = Date(timeIntervalSince1970: 1_700_000_000)
        for i in 0..<20 {
            let address = "198.51.100.\(i)"
            #expect(try await g.check(name: "sam", address: address, now: t) == nil)
            try await g.failed(name: "sam", address: address, now: t)
        }
        #expect(try await g.check(name: "sam", address: "198.51.100.200", now: t.addingTimeInterval(1)) != nil)
        // A success clears the name's count.
        try await g.succeeded(name: "sam", address: "10.0.0.8", now: t.addingTimeInterval(2))
        #expect(try await g.check(name: "sam", address: "198.51.100.201", now: t.addingTimeInterval(3)) == nil)
    }
}
