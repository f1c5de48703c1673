public import CustodyCore
public import Foundation

extension Catalog {
    /// Inserts or updates check-outs (keyed by device and check-out time) in one transaction.
    /// Returns how many were new and how many changed.
    public func upsertCheckouts(_ checkouts: [DeviceCheckout], actor: String, source: String) async throws -> (new: Int, updated: Int) {
        try await backend.write { db in
            var new = 0, updated = 0
            for c in checkouts {
                let existing = try SQLRow.fetchOne(
                    db, sql: "SELECT officer_id, returned_at FROM device_checkouts WHERE device_id = ? AND checked_out_at = ?",
                    arguments: [c.deviceID, c.checkedOutAt.timeIntervalSince1970])
                if let existing {
                    let officer: String = existing["officer_id"]
                    let returned: Double? = existing["returned_at"]
                    let clock = try Double.fetchOne(
                        db, sql: "SELECT \"offset\" FROM device_clock WHERE device_id = ? AND observed_at = ?",
                        arguments: [c.deviceID, c.returnedAt?.timeIntervalSince1970 ?? -1])
                    if officer != c.officerID || returned != c.returnedAt?.timeIntervalSince1970 || clock != c.clockOffset {
                        try db.execute(
                            sql: "UPDATE device_checkouts SET officer_id = ?, returned_at = ? WHERE device_id = ? AND checked_out_at = ?",
                            arguments: [c.officerID, c.returnedAt?.timeIntervalSince1970, c.deviceID, c.checkedOutAt.timeIntervalSince1970])
                        updated += 1
                    }
                } else {
                    try db.execute(
                        sql: "INSERT INTO device_checkouts (device_id, officer_id, checked_out_at, returned_at) VALUES (?, ?, ?, ?)",
                        arguments: [c.deviceID, c.officerID, c.checkedOutAt.timeIntervalSince1970, c.returnedAt?.timeIntervalSince1970])
                    new += 1
                }
                try db.execute(sql: "INSERT OR IGNORE INTO devices (id) VALUES (?)", arguments: [c.deviceID])
                try db.execute(sql: "INSERT OR IGNORE INTO officers (id) VALUES (?)", arguments: [c.officerID])
                // The camera's clock beside the true time at its return (issue 16).
                if let offset = c.clockOffset, let returned = c.returnedAt?.timeIntervalSince1970 {
                    try db.execute(sql: "DELETE FROM device_clock WHERE device_id = ? AND observed_at = ?", arguments: [c.deviceID, returned])
                    try db.execute(
                        sql: "INSERT INTO device_clock (device_id, observed_at, \"offset\", officer_id, source) VALUES (?, ?, ?, ?, 'checkout')",
                        arguments: [c.deviceID, returned, offset, c.officerID])
                }
            }
            if new + updated > 0 {
                try AuditLog.append(db, actor: actor, action: "checkouts-imported", subject: source, detail: .object([
                    ("new", .int(Int64(new))), ("updated", .int(Int64(updated))),
                ]))
            }
            return (new, updated)
        }
    }

    /// The officer who had `device` checked out at `instant`, if anyone (the latest check-out wins).
    public func officer(device: String, at instant: Date) async throws -> String? {
        try await backend.read { db in try Self.officer(db, device: device, at: instant) }
    }

    static func officer(_ db: any SQLDatabase, device: String, at instant: Date) throws -> String? {
        let t = instant.timeIntervalSince1970
        return try String.fetchOne(
            db,
            sql: """
                SELECT officer_id FROM device_checkouts
                WHERE device_id = ? AND checked_out_at <= ? AND (returned_at IS NULL OR returned_at >= ?)
                ORDER BY checked_out_at DESC LIMIT 1
                """,
            arguments: [device, t, t])
    }

    /// Re-attributes clips of `devices` that have no officer of their own (unattributed, or
    /// attributed by an earlier check-out log) after the log changed. Returns how many changed.
    public func reattributeByCheckout(devices: Set<String>, actor: String) async throws -> (changed: Int, officers: Set<String>) {
        guard !devices.isEmpty else { return (0, []) }
        return try await backend.write { db in
            var changed = 0
            var officers = Set<String>()
            let rows = try SQLRow.fetchAll(
                db, sql: "SELECT sha256, device_id, start_time, officer_id FROM evidence WHERE (attribution IS NULL OR attribution = 'checkout') AND device_id IS NOT NULL AND start_time IS NOT NULL")
            for row in rows {
                let device: String = row["device_id"]
                guard devices.contains(device) else { continue }
                let start = Date(timeIntervalSince1970: row["start_time"])
                let current: String? = row["officer_id"]
                let officer = try Self.officer(db, device: device, at: start)
                guard officer != current else { continue }
                let sha: String = row["sha256"]
                try db.execute(
                    sql: "UPDATE evidence SET officer_id = ?, attribution = ? WHERE sha256 = ?",
                    arguments: [officer, officer == nil ? nil : "checkout", sha])
                try AuditLog.append(db, actor: actor, action: "attributed", subject: sha, detail: .object([
                    ("officer_id", officer.map { .string($0) } ?? .null), ("by", .string("checkout")),
                ]))
                changed += 1
                if let current { officers.insert(current) }
                if let officer { officers.insert(officer) }
            }
            return (changed, officers)
        }
    }
}
