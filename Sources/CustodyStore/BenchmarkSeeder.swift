import CustodyCore
import Foundation

/// Fills a catalog with a synthetic city-year for benchmarks: officers, their calls and the
/// clips recorded on them, written straight into the tables (no files, no probing).
public enum BenchmarkSeeder {
    public struct Plan: Sendable {
        public var officers = 2_000
        public var rows = 2_000_000
        public var clips = 5_000_000
        public var year = 2024
        public var seed: UInt64 = 1
        public init() {}
    }

    public static func seed(_ catalog: Catalog, plan: Plan, progress: (String) -> Void) async throws {
        var rng = Seeded(plan.seed)
        let yearStart = Double(Timestamp_daysFromCivil(plan.year, 1, 1) * 86_400)
        let rowsPerOfficer = plan.rows / plan.officers
        let clipsPerOfficer = plan.clips / plan.officers
        var incident = 0
        var clipNumber = 0
        let batch = 100
        for first in stride(from: 0, to: plan.officers, by: batch) {
            let state = (rng, incident, clipNumber)
            (rng, incident, clipNumber) = try await catalog.backend.write { db in
                var (rng, incident, clipNumber) = state
                // Many rows per statement where the backend can (PostgreSQL: one round trip per
                // few thousand rows); the same rows in the same order either way.
                var rows: [SQLArguments] = [], clips: [SQLArguments] = []
                let insertRow = """
                    INSERT INTO dispatch_rows (incident_id, officer_id, dispatched_at, arrived_at, cleared_at, category, station, source, line, imported_at)
                    VALUES (?, ?, ?, ?, ?, 'synthetic', 'S1', 'seed', 0, 0)
                    """
                let insertClip = """
                    INSERT INTO evidence (sha256, size, ext, location, stored_path, duration, start_time, end_time, first_received_at,
                        officer_id, attribution, integrity, probe_json, stored_at)
                    VALUES (?, 1000, 'mp4', 'vault', 'vault/x', ?, ?, ?, ?, ?, 'file', 'ok', '{}', 0)
                    """
                for o in first..<min(first + batch, plan.officers) {
                    let officer = String(format: "B%05d", o)
                    // Calls spread over the year, in order; clips mostly around them.
                    var t = yearStart + rng.uniform(0, 3600)
                    let gap = 365 * 86_400 / Double(rowsPerOfficer)
                    var clipsLeft = clipsPerOfficer
                    for r in 0..<rowsPerOfficer {
                        t += gap * rng.uniform(0.5, 1.5)
                        let dispatched = t
                        let arrived = dispatched + rng.uniform(120, 1200)
                        let cleared = arrived + rng.uniform(300, 3600)
                        incident += 1
                        rows.append([String(format: "%d-%08d", plan.year, incident), officer, dispatched, arrived, cleared])
                        // About 2.5 clips a call: late starts, splits, gaps, some calls with none.
                        let clipsHere = r == rowsPerOfficer - 1 ? clipsLeft : min(clipsLeft, Int(rng.uniform(0, 5)))
                        var start = arrived + rng.uniform(-60, 90)
                        for _ in 0..<clipsHere {
                            let end = start + rng.uniform(60, 1500)
                            clipNumber += 1
                            let received = end + (rng.uniform(0, 1) < 0.02 ? rng.uniform(90_000, 400_000) : rng.uniform(600, 20_000))
                            clips.append([Self.fakeHash(clipNumber), end - start, start, end, received, officer])
                            start = end + (rng.uniform(0, 1) < 0.7 ? rng.uniform(0, 2) : rng.uniform(3, 120))
                        }
                        clipsLeft -= clipsHere
                    }
                }
                try db.executeBatch(sql: insertRow, rows: rows)
                try db.executeBatch(sql: insertClip, rows: clips)
                return (rng, incident, clipNumber)
            }
            progress("seeded \(min(first + batch, plan.officers))/\(plan.officers) officers, \(incident) calls, \(clipNumber) clips")
        }
        try await catalog.refreshStatistics()
    }

    static func fakeHash(_ n: Int) -> String {
        var x = UInt64(n) &* 0x9E37_79B9_7F4A_7C15
        var out = ""
        for _ in 0..<4 {
            x ^= x >> 31; x &*= 0xBF58_476D_1CE4_E5B9; x ^= x >> 29
            out += String(format: "%016llx", x)
        }
        return out
    }

    static func Timestamp_daysFromCivil(_ y: Int, _ m: Int, _ d: Int) -> Int64 {
        let date = Calendar(identifier: .gregorian).date(from: DateComponents(timeZone: TimeZone(identifier: "UTC"), year: y, month: m, day: d))!
        return Int64(date.timeIntervalSince1970 / 86_400)
    }

    struct Seeded: Sendable {
        var state: UInt64
        init(_ seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
            lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
        }
    }
}

extension BenchmarkSeeder {
    /// `count` open review items with realistic reasons and times, for the queue benchmark.
    public static func seedQueue(_ catalog: Catalog, count: Int, seed: UInt64 = 1) async throws {
        let reasons = ["no_recording", "early_stop", "late_start", "interruption", "late_upload", "unlinked", "sample"]
        try await catalog.backend.write { db in
            var rng = Seeded(seed)
            let insert = try db.cachedStatement(sql: """
                INSERT INTO review_items (subject, reason, priority, incident_id, officer_id, occurred_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 0)
                """)
            for i in 0..<count {
                let reason = reasons[Int(rng.uniform(0, Double(reasons.count)))]
                let priority = Review.priorities[reason] ?? 8
                insert.setUncheckedArguments([
                    "bench:\(i)", reason, priority, String(format: "2024-%08d", i), String(format: "B%05d", i % 2000),
                    1_704_067_200 + rng.uniform(0, 365 * 86_400),
                ])
                try insert.execute()
            }
        }
    }
}
