public import CustodyCore
public import Foundation

/// What vendors' recorder systems hand in beside the footage (issue 16): the Axis body-worn
/// system's accounts, users, cameras, recordings and their objects, and what a stored clip's
/// recorder said about it (activation, pre-event buffer, GNSS trail, bookmarks).
public protocol RecorderStore: Sendable {
    func axisAccount(userName: String) async throws -> Catalog.AxisAccount?
    func axisUser(uuid: String) async throws -> Catalog.AxisUser?
    func axisDeviceExists(serial: String) async throws -> Bool
    func axisRecording(container: String) async throws -> Catalog.AxisRecording?
    func axisObjects(container: String) async throws -> [Catalog.AxisObject]
    func recorderInfo(sha256: String) async throws -> JSONValue?
}

extension Catalog: RecorderStore {
    public struct AxisAccount: Sendable, Equatable {
        public var userName: String
        /// SHA-256 (hex) of the key: the key is random, 256 bits, so a fast hash suffices.
        public var keyHash: String
        public var site: String
    }

    public struct AxisUser: Sendable, Equatable {
        public var uuid: String
        /// The user-supplied ID (StoreUserIDKey): the badge number.
        public var userID: String?
        public var name: String?
        public var active: Bool
        public init(uuid: String, userID: String?, name: String?, active: Bool) {
            self.uuid = uuid
            self.userID = userID
            self.name = name
            self.active = active
        }
    }

    /// One recording: its container, whose and which camera's it is, when it was activated.
    public struct AxisRecording: Sendable, Equatable {
        public var container: String
        public var userUUID: String
        public var serial: String
        public var officerID: String
        public var triggerOnTime: Double
        /// StartTime (includes the pre-event buffer), once the metadata says it.
        public var startTime: Double?
        /// The X-Container-Meta-* values, by key as Axis names them (TriggerOn, TimeZone, …).
        public var metadata: [String: String]
        /// `transferring` or `complete`.
        public var status: String
        public init(
            container: String, userUUID: String, serial: String, officerID: String, triggerOnTime: Double, startTime: Double? = nil,
            metadata: [String: String] = [:], status: String = "transferring"
        ) {
            self.container = container
            self.userUUID = userUUID
            self.serial = serial
            self.officerID = officerID
            self.triggerOnTime = triggerOnTime
            self.startTime = startTime
            self.metadata = metadata
            self.status = status
        }
    }

    public struct AxisObject: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case clip, gnss, bookmark, key, other
        }
        public var container: String
        public var name: String
        public var kind: Kind
        public var metadata: [String: String]
        /// The text of a GNSS trail or a bookmark (clips are files, not kept here).
        public var body: String?
        public var size: Int64
        /// A clip's SHA-256 once stored.
        public var sha256: String?
        public var prebuffer: Double?
        public init(container: String, name: String, kind: Kind, metadata: [String: String] = [:], body: String? = nil, size: Int64 = 0) {
            self.container = container
            self.name = name
            self.kind = kind
            self.metadata = metadata
            self.body = body
            self.size = size
        }
    }

    static func encode(_ metadata: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ text: String?) -> [String: String] {
        guard let text, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String] else { return [:] }
        return object
    }

    // MARK: - Accounts

    /// Creates (or replaces) the account a connection file names; audited without the key.
    public func setAxisAccount(userName: String, keyHash: String, site: String, actor: String) async throws {
        try await backend.write { db in
            try db.execute(sql: "DELETE FROM axis_accounts WHERE user_name = ?", arguments: [userName])
            try db.execute(
                sql: "INSERT INTO axis_accounts (user_name, key_hash, site, created_at) VALUES (?, ?, ?, ?)",
                arguments: [userName, keyHash, site, Date().timeIntervalSince1970])
            try AuditLog.append(db, actor: actor, action: "axis-account-created", subject: userName, detail: .object([("site", .string(site))]))
        }
    }

    public func axisAccount(userName: String) async throws -> AxisAccount? {
        try await backend.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT user_name, key_hash, site FROM axis_accounts WHERE user_name = ?", arguments: [userName])
                .map { AxisAccount(userName: $0[0], keyHash: $0[1], site: $0[2]) }
        }
    }

    // MARK: - Users and cameras

    /// A `Users/<uuid>` object: its user-supplied ID maps it to an officer.
    public func upsertAxisUser(_ user: AxisUser, actor: String) async throws {
        try await backend.write { db in
            let before = try SQLRow.fetchOne(db, sql: "SELECT user_id FROM axis_users WHERE uuid = ?", arguments: [user.uuid])
            try db.execute(sql: """
                INSERT INTO axis_users (uuid, user_id, name, active, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (uuid) DO UPDATE SET user_id = excluded.user_id, name = excluded.name, active = excluded.active, updated_at = excluded.updated_at
                """, arguments: [user.uuid, user.userID, user.name, user.active ? 1 : 0, Date().timeIntervalSince1970])
            let previous: String? = before?[0]
            if before == nil || previous != user.userID {
                try AuditLog.append(db, actor: actor, action: "axis-user-mapped", subject: user.uuid, detail: .object([
                    ("user_id", user.userID.map { .string($0) } ?? .null), ("name", user.name.map { .string($0) } ?? .null),
                ]))
            }
        }
    }

    public func axisUser(uuid: String) async throws -> AxisUser? {
        try await backend.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT uuid, user_id, name, active FROM axis_users WHERE uuid = ?", arguments: [uuid])
                .map { AxisUser(uuid: $0[0], userID: $0[1], name: $0[2], active: ($0[3] as Int64) != 0) }
        }
    }

    public func upsertAxisDevice(serial: String, name: String?) async throws {
        try await backend.write { db in
            try db.execute(sql: """
                INSERT INTO axis_devices (serial, name, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (serial) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
                """, arguments: [serial, name, Date().timeIntervalSince1970])
            try db.execute(sql: "INSERT OR IGNORE INTO devices (id) VALUES (?)", arguments: [serial])
        }
    }

    public func axisDeviceExists(serial: String) async throws -> Bool {
        try await backend.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM axis_devices WHERE serial = ?)", arguments: [serial]) ?? false
        }
    }

    // MARK: - Recordings

    /// Opens a recording; false when it was open already (a repeated PUT).
    @discardableResult
    public func openAxisRecording(_ r: AxisRecording, actor: String) async throws -> Bool {
        try await backend.write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM axis_recordings WHERE container = ?)", arguments: [r.container]) == true {
                return false
            }
            try db.execute(sql: """
                INSERT INTO axis_recordings (container, user_uuid, serial, officer_id, trigger_on_time, start_time, metadata, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'transferring', ?)
                """, arguments: [r.container, r.userUUID, r.serial, r.officerID, r.triggerOnTime, r.startTime, Self.encode(r.metadata),
                                 Date().timeIntervalSince1970])
            try AuditLog.append(db, actor: actor, action: "axis-recording-opened", subject: r.container, detail: .object([
                ("officer_id", .string(r.officerID)), ("device_id", .string(r.serial)),
            ]))
            return true
        }
    }

    /// Merges metadata into the recording's (a POST); StartTime, when given, is kept apart too.
    public func updateAxisRecording(container: String, metadata: [String: String]) async throws -> AxisRecording? {
        try await backend.write { db in
            guard let row = try SQLRow.fetchOne(db, sql: "SELECT metadata FROM axis_recordings WHERE container = ?", arguments: [container]) else {
                return nil
            }
            var merged = Self.decode(row[0])
            for (k, v) in metadata { merged[k] = v }
            let start = merged["StartTime"].flatMap(Double.init)
            try db.execute(
                sql: "UPDATE axis_recordings SET metadata = ?, start_time = COALESCE(?, start_time) WHERE container = ?",
                arguments: [Self.encode(merged), start, container])
            return try Self.recording(db, container)
        }
    }

    public func axisRecording(container: String) async throws -> AxisRecording? {
        try await backend.read { db in try Self.recording(db, container) }
    }

    static func recording(_ db: any SQLDatabase, _ container: String) throws -> AxisRecording? {
        try SQLRow.fetchOne(db, sql: """
            SELECT container, user_uuid, serial, officer_id, trigger_on_time, start_time, metadata, status FROM axis_recordings WHERE container = ?
            """, arguments: [container]).map {
            AxisRecording(container: $0[0], userUUID: $0[1], serial: $0[2], officerID: $0[3], triggerOnTime: $0[4], startTime: $0[5],
                          metadata: decode($0[6]), status: $0[7])
        }
    }

    /// Stores or replaces one object's record (a PUT; a POST replaces its metadata).
    public func putAxisObject(_ o: AxisObject) async throws {
        try await backend.write { db in
            try db.execute(sql: """
                INSERT INTO axis_objects (container, name, kind, metadata, body, size, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (container, name) DO UPDATE SET kind = excluded.kind, metadata = excluded.metadata, body = excluded.body,
                    size = excluded.size, updated_at = excluded.updated_at
                """, arguments: [o.container, o.name, o.kind.rawValue, Self.encode(o.metadata), o.body, o.size, Date().timeIntervalSince1970])
        }
    }

    /// Replaces an object's metadata (a POST on it); false when there is no such object.
    public func setAxisObjectMetadata(container: String, name: String, metadata: [String: String]) async throws -> Bool {
        try await backend.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM axis_objects WHERE container = ? AND name = ?)", arguments: [container, name]) == true
            else { return false }
            try db.execute(
                sql: "UPDATE axis_objects SET metadata = ?, updated_at = ? WHERE container = ? AND name = ?",
                arguments: [Self.encode(metadata), Date().timeIntervalSince1970, container, name])
            return true
        }
    }

    public func axisObjects(container: String) async throws -> [AxisObject] {
        try await backend.read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT container, name, kind, metadata, body, size, sha256, prebuffer FROM axis_objects WHERE container = ? ORDER BY name
                """, arguments: [container]).map { r in
                var o = AxisObject(container: r[0], name: r[1], kind: AxisObject.Kind(rawValue: r[2]) ?? .other, metadata: Self.decode(r[3]), body: r[4], size: r[5])
                o.sha256 = r[6]
                o.prebuffer = r[7]
                return o
            }
        }
    }

    /// A clip of the recording is in the vault as `sha256`; `prebuffer` for its first clip.
    public func markAxisClipStored(container: String, name: String, sha256: String, prebuffer: Double?) async throws {
        try await backend.write { db in
            try db.execute(
                sql: "UPDATE axis_objects SET sha256 = ?, prebuffer = ?, updated_at = ? WHERE container = ? AND name = ?",
                arguments: [sha256, prebuffer, Date().timeIntervalSince1970, container, name])
        }
    }

    /// Status: Complete, with what became of its clips.
    public func completeAxisRecording(container: String, stored: Int, failed: Int, actor: String) async throws {
        try await backend.write { db in
            try db.execute(
                sql: "UPDATE axis_recordings SET status = 'complete', completed_at = ? WHERE container = ?",
                arguments: [Date().timeIntervalSince1970, container])
            try AuditLog.append(db, actor: actor, action: "axis-recording-complete", subject: container, detail: .object([
                ("clips_stored", .int(Int64(stored))), ("clips_failed", .int(Int64(failed))),
            ]))
        }
    }

    /// What the recorder said about a stored clip, for its page and the API: the recording's
    /// activation and deactivation (reasons and times), pre-event buffer, zone, camera model
    /// and firmware, its GNSS trail (points with times) and bookmarks. Nil: no recorder data.
    public func recorderInfo(sha256: String) async throws -> JSONValue? {
        try await backend.read { db in try Self.recorderInfo(db, sha256: sha256) }
    }

    static func recorderInfo(_ db: any SQLDatabase, sha256: String) throws -> JSONValue? {
        do {
            guard let clip = try SQLRow.fetchOne(db, sql: """
                SELECT o.container, o.metadata, o.prebuffer, e.start_time FROM axis_objects o JOIN evidence e ON e.sha256 = o.sha256
                WHERE o.sha256 = ? AND o.kind = 'clip' LIMIT 1
                """, arguments: [sha256]),
                let recording = try Self.recording(db, clip[0])
            else { return nil }
            let m = recording.metadata
            func time(_ key: String) -> JSONValue {
                (m[key + "ISO"] ?? m[key].flatMap(Double.init).map { Timestamp.format(Date(timeIntervalSince1970: $0)) }).map { .string($0) } ?? .null
            }
            func text(_ key: String) -> JSONValue { m[key].map { .string($0) } ?? .null }
            let siblings = try SQLRow.fetchAll(
                db, sql: "SELECT kind, name, metadata, body FROM axis_objects WHERE container = ? AND kind IN ('gnss', 'bookmark') ORDER BY name",
                arguments: [recording.container])
            var trail: [JSONValue] = []
            var bookmarks: [JSONValue] = []
            for s in siblings {
                let kind: String = s[0]
                if kind == "gnss" {
                    trail += Self.gnssPoints(s[3] as String?)
                } else {
                    let meta = Self.decode(s[2])
                    let start = meta["StartTime"] ?? meta["Starttime"]
                    bookmarks.append(.object([
                        ("name", .string(s[1])), ("start", start.map { .string($0) } ?? .null), ("end", (meta["EndTime"] ?? meta["Endtime"]).map { .string($0) } ?? .null),
                        ("category", (meta["CategoryName"] ?? meta["Categoryname"]).map { .string($0) } ?? .null),
                        ("tags", (meta["Tags"]).map { .string($0) } ?? .null), ("text", (s[3] as String?).map { .string($0) } ?? .null),
                    ]))
                }
            }
            return .object([
                ("vendor", .string("axis")), ("recording", .string(recording.container)),
                ("trigger_on", text("TriggerOn")), ("trigger_on_time", time("TriggerOnTime")),
                ("trigger_off", text("TriggerOff")), ("trigger_off_time", time("TriggerOffTime")),
                ("start_time", time("StartTime")), ("stop_time", time("StopTime")),
                ("prebuffer_seconds", (clip[2] as Double?).map { .double(($0 * 10).rounded() / 10) } ?? .null),
                ("time_zone", text("TimeZone")), ("model", text("BWCModel")), ("firmware", text("FirmwareVersion")),
                ("device_id", .string(recording.serial)), ("officer_id", .string(recording.officerID)),
                ("clip_start_time", clip[3] as Double? == nil ? .null : .string(Timestamp.format(Date(timeIntervalSince1970: clip[3])))),
                ("gnss", .array(trail)), ("bookmarks", .array(bookmarks)),
            ])
        }
    }

    /// The points of an Axis GNSS trail: `POINT(lon lat)` with a time.
    static func gnssPoints(_ body: String?) -> [JSONValue] {
        guard let body, let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let entries = object["CoordinateEntries"] as? [[String: Any]] else { return [] }
        return entries.compactMap { e in
            guard let wkt = e["LocationWKT"] as? String else { return nil }
            let numbers = wkt.replacingOccurrences(of: "POINT", with: "", options: .caseInsensitive)
                .trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: " ").compactMap { Double($0) }
            guard numbers.count == 2, (-180...180).contains(numbers[0]), (-90...90).contains(numbers[1]) else { return nil }
            return .object([
                ("lon", .double(numbers[0])), ("lat", .double(numbers[1])),
                ("time", (e["Timestamp"] as? String).map { .string($0) } ?? .null),
                ("seconds_from_start", (e["SecondsFromStart"] as? Double).map { .double($0) } ?? .null),
            ])
        }
    }

    /// Activation times and pre-event buffers of the officers' recorder clips (for `no_prebuffer`).
    static func loadActivations(_ db: any SQLDatabase, officers: [String], into clips: inout [ClipSpan]) throws {
        guard !clips.isEmpty, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM axis_objects WHERE prebuffer IS NOT NULL)") == true else { return }
        var indexOf: [Int64: Int] = [:]
        for (i, clip) in clips.enumerated() { indexOf[clip.id] = i }
        for chunk in officers.chunked(500) {
            try db.forEachRow(
                sql: """
                    SELECT e.rowid, e.sha256, r.trigger_on_time, o.prebuffer FROM axis_objects o
                    JOIN axis_recordings r ON r.container = o.container JOIN evidence e ON e.sha256 = o.sha256
                    WHERE o.kind = 'clip' AND o.prebuffer IS NOT NULL AND e.officer_id IN (\(databaseQuestionMarks(count: chunk.count)))
                    """,
                arguments: SQLArguments(chunk)
            ) { r in
                guard let i = indexOf[r[0]] else { return }
                clips[i].sha256 = r[1]
                clips[i].activation = (at: r[2], prebuffer: r[3])
            }
        }
    }
}
