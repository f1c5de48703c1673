import CustodyCore
import CustodyStore
import Foundation

/// Failed sign-ins, bounded (issue 11, item 5). Anyone can try to sign in, and the audit log is
/// hash-chained and cannot be pruned, so what one attempt may cost is capped:
/// - the name stored is at most `maxStoredName` characters (the entry says it was cut);
/// - a name is refused to one address after `maxPerNameAndAddress` failures from it in `window`
///   (so one address cannot lock an account out for everyone), to every address after
///   `maxPerName` failures from all of them (guessing spread over many addresses), and an
///   address after `maxPerAddress` whatever the names (429 with Retry-After), before the
///   password is even checked;
/// - a burst of failures from one address writes one entry for its first failure, then one
///   summary, "N further failures from ADDRESS between T1 and T2", when the address has been
///   quiet for `quiet`, on its next success, or every `summaryEvery` while the burst lasts.
actor SignInGuard {
    struct Limits: Sendable {
        var maxPerNameAndAddress = 5
        var maxPerName = 100
        var maxPerAddress = 30
        var window: TimeInterval = 15 * 60
        var quiet: TimeInterval = 60
        var summaryEvery: TimeInterval = 10 * 60
    }

    static let maxStoredName = 64

    /// Why an attempt is refused before its password is checked, and for how long.
    enum Refusal: Sendable {
        case name(wait: TimeInterval)
        case address(wait: TimeInterval)

        var wait: TimeInterval {
            switch self { case .name(let w), .address(let w): return w }
        }
        /// Whole seconds for Retry-After, at least 1.
        var retryAfter: Int { max(1, Int(wait.rounded(.up))) }
        var minutes: Int { Int(wait / 60) + 1 }
    }

    /// An audit entry to write.
    struct Entry: Sendable {
        var actor: String
        var action: String
        var detail: JSONValue
    }

    private struct Burst {
        var first: Date?
        var last: Date
        var failures = 0
        var refused = 0
        var names: Set<String> = []
        var since: Date
    }

    let limits: Limits
    private let sink: @Sendable (Entry) async throws -> Void
    private var byName: [String: [Date]] = [:]
    /// Keyed "name NUL address".
    private var byNameAndAddress: [String: [Date]] = [:]
    private var byAddress: [String: [Date]] = [:]
    private var bursts: [String: Burst] = [:]
    private var timerScheduled = false

    init(limits: Limits, sink: @escaping @Sendable (Entry) async throws -> Void) {
        self.limits = limits
        self.sink = sink
    }

    init(limits: Limits, catalog: Catalog) {
        self.init(limits: limits) { entry in
            try await catalog.audit(actor: entry.actor, action: entry.action, subject: "session", detail: entry.detail)
        }
    }

    /// The name as stored: control characters replaced, at most `maxStoredName` characters.
    static func storedName(_ name: String) -> (name: String, cut: Bool) {
        // Scalars first: one character may be made of thousands of combining marks.
        let limit = 4 * maxStoredName
        var clean = String(String.UnicodeScalarView(name.unicodeScalars.prefix(limit).map {
            $0.properties.generalCategory == .control ? "?" : $0
        }))
        var cut = name.unicodeScalars.count > limit
        if clean.count > maxStoredName {
            clean = String(clean.prefix(maxStoredName))
            cut = true
        }
        return (clean, cut)
    }

    /// nil when an attempt may go ahead; a refused attempt counts towards its address's burst.
    func check(name: String, address: String, now: Date = Date()) async throws -> Refusal? {
        try await sweep(now: now)
        let key = Self.storedName(name).name
        if let wait = wait(&byAddress, address, max: limits.maxPerAddress, now: now) {
            noteRefused(address, key, now: now)
            return .address(wait: wait)
        }
        if let wait = wait(&byNameAndAddress, Self.pair(key, address), max: limits.maxPerNameAndAddress, now: now)
            ?? wait(&byName, key, max: limits.maxPerName, now: now) {
            noteRefused(address, key, now: now)
            return .name(wait: wait)
        }
        return nil
    }

    /// Records a failure; writes an entry only for the first failure of a burst.
    func failed(name: String, address: String, now: Date = Date()) async throws {
        let (key, cut) = Self.storedName(name)
        note(&byName, key, max: limits.maxPerName, now: now)
        note(&byNameAndAddress, Self.pair(key, address), max: limits.maxPerNameAndAddress, now: now)
        note(&byAddress, address, max: limits.maxPerAddress, now: now)
        if var burst = bursts[address] {
            burst.failures += 1
            burst.last = now
            burst.first = burst.first ?? now
            if burst.names.count < 1000 { burst.names.insert(key) }
            bursts[address] = burst
            if now.timeIntervalSince(burst.since) >= limits.summaryEvery { try await summarise(address, now: now, keep: true) }
            scheduleSweep()
            return
        }
        bursts[address] = Burst(last: now, since: now)
        var detail: [(String, JSONValue)] = [("address", .string(address))]
        if cut {
            detail.append(("name_cut", .bool(true)))
            detail.append(("name_length", .int(Int64(name.count))))
        }
        try await sink(Entry(actor: key, action: "sign-in-failed", detail: .object(detail)))
        scheduleSweep()
    }

    /// A success clears the name's failures and closes its address's burst.
    func succeeded(name: String, address: String, now: Date = Date()) async throws {
        let key = Self.storedName(name).name
        byName[key] = nil
        byNameAndAddress[Self.pair(key, address)] = nil
        try await summarise(address, now: now, keep: false)
    }

    /// Writes the summaries of bursts that have gone quiet.
    func sweep(now: Date = Date()) async throws {
        for (address, burst) in bursts where now.timeIntervalSince(burst.last) >= limits.quiet {
            try await summarise(address, now: now, keep: false)
        }
        if byName.count > 10_000 { byName = byName.filter { now.timeIntervalSince($0.value.last ?? .distantPast) < limits.window } }
        if byNameAndAddress.count > 10_000 { byNameAndAddress = byNameAndAddress.filter { now.timeIntervalSince($0.value.last ?? .distantPast) < limits.window } }
        if byAddress.count > 10_000 { byAddress = byAddress.filter { now.timeIntervalSince($0.value.last ?? .distantPast) < limits.window } }
    }

    /// Entries not yet written (for tests and shutdown): summaries of every open burst.
    func flush(now: Date = Date()) async throws {
        for address in Array(bursts.keys) { try await summarise(address, now: now, keep: false) }
    }

    private func summarise(_ address: String, now: Date, keep: Bool) async throws {
        guard var burst = bursts[address] else { return }
        if burst.failures > 0 || burst.refused > 0 {
            let from = Timestamp.format(burst.first ?? burst.since), to = Timestamp.format(burst.last)
            let total = burst.failures + burst.refused
            try await sink(Entry(actor: "sign-in-guard", action: "sign-in-failures", detail: .object([
                ("summary", .string("\(total) further failed sign-in\(total == 1 ? "" : "s") from \(address) between \(from) and \(to)")),
                ("address", .string(address)), ("failures", .int(Int64(burst.failures))), ("refused", .int(Int64(burst.refused))),
                ("names", .int(Int64(burst.names.count))), ("from", .string(from)), ("to", .string(to)),
            ])))
        }
        if keep {
            burst.failures = 0
            burst.refused = 0
            burst.names = []
            burst.first = nil
            burst.since = now
            bursts[address] = burst
        } else {
            bursts[address] = nil
        }
    }

    private func noteRefused(_ address: String, _ key: String, now: Date) {
        // Refusals belong to the burst that caused them; without one (name throttled from a
        // new address) they start a burst with nothing logged yet, summarised later.
        var burst = bursts[address] ?? Burst(last: now, since: now)
        burst.refused += 1
        burst.last = now
        burst.first = burst.first ?? now
        if burst.names.count < 1000 { burst.names.insert(key) }
        bursts[address] = burst
        scheduleSweep()
    }

    static func pair(_ name: String, _ address: String) -> String { name + "\u{0}" + address }

    private func wait(_ table: inout [String: [Date]], _ key: String, max: Int, now: Date) -> TimeInterval? {
        guard let times = table[key] else { return nil }
        let recent = times.filter { now.timeIntervalSince($0) < limits.window }
        table[key] = recent.isEmpty ? nil : recent
        guard recent.count >= max, let oldest = recent.first else { return nil }
        return limits.window - now.timeIntervalSince(oldest)
    }

    private func note(_ table: inout [String: [Date]], _ key: String, max: Int, now: Date) {
        var times = table[key, default: []]
        times.append(now)
        if times.count > max { times.removeFirst(times.count - max) }
        table[key] = times
    }

    /// One timer at a time writes the summaries of bursts once they go quiet.
    private func scheduleSweep() {
        guard !timerScheduled else { return }
        timerScheduled = true
        let delay = limits.quiet
        Task { [self] in
            try? await Task.sleep(for: .seconds(delay))
            await timerFired()
        }
    }

    private func timerFired() async {
        timerScheduled = false
        try? await sweep()
        if !bursts.isEmpty { scheduleSweep() }
    }
}
