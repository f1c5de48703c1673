import CustodyCore
public import Foundation
internal import Crypto

/// Who may do what (DESIGN invariant 6).
public enum Role: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    case officer, reviewer, supervisor, auditor, admin
    /// A docking station's upload-only token.
    case station
}

/// An account, without its password hash.
public struct User: Sendable, Equatable, Hashable {
    public var id: Int64
    public var name: String
    public var role: Role
    /// For officers: their badge number; their own footage is what they may see.
    public var officerID: String?
}

/// An account as an administrator sees it: the user, when it was made, and whether it is
/// disabled (a disabled account cannot sign in and its tokens open nothing).
public struct Account: Sendable, Equatable {
    public var user: User
    public var createdAt: Date
    /// Nil while the account is active.
    public var disabledAt: Date?
    public var isDisabled: Bool { disabledAt != nil }

    public init(user: User, createdAt: Date, disabledAt: Date? = nil) {
        self.user = user
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }
}

/// A docking station's upload token, as the token list shows it: never the token itself.
public struct StationToken: Sendable, Equatable {
    /// The first 16 hex characters of the stored token hash: an identifier safe to show, and
    /// what `revokeStationToken(id:by:)` takes.
    public var id: String
    /// The station account's name.
    public var station: String
    public var createdAt: Date
    public var expiresAt: Date?

    public init(id: String, station: String, createdAt: Date, expiresAt: Date?) {
        self.id = id
        self.station = station
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

extension Catalog {
    /// Why an account change was refused. `code` is stable, for a user interface to translate
    /// and an API to map to a status: `exists`, `not_found`, `last_admin` (the last active
    /// administrator cannot be disabled or demoted), `self` (nobody disables their own
    /// account), `officer_id_required`, `station` (station accounts have no password or role
    /// to change; no account becomes one), `disabled` (a disabled station gets no token),
    /// `invalid`. `description` is the English message.
    public struct AccountError: Error, Sendable, Equatable, CustomStringConvertible {
        public var code: String = "invalid"
        public var description: String

        public init(code: String = "invalid", description: String) {
            self.code = code
            self.description = description
        }
    }

    /// Creates an account; `passwordHash` is already a bcrypt hash. `actor` is who made it (the
    /// audit entry names them).
    public func addUser(name: String, role: Role, officerID: String?, passwordHash: String, by actor: String = "admin") async throws -> User {
        try await backend.write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE name = ?)", arguments: [name]) == true {
                throw AccountError(code: "exists", description: "A user named '\(name)' already exists.")
            }
            let id = try db.insertReturningID(
                sql: "INSERT INTO users (name, role, officer_id, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, role.rawValue, officerID, passwordHash, Date().timeIntervalSince1970])
            try AuditLog.append(db, actor: actor, action: "user-added", subject: name, detail: .object([("role", .string(role.rawValue))]))
            return User(id: id, name: name, role: role, officerID: officerID)
        }
    }

    /// The account and its password hash, for checking a login. Nil for a disabled account,
    /// so that signing in to it is refused exactly as a wrong password is.
    public func credentials(name: String) async throws -> (User, String)? {
        try await backend.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM users WHERE name = ? AND disabled_at IS NULL", arguments: [name])
                .map { (Self.user($0), $0["password_hash"]) }
        }
    }

    /// Every account, station accounts included, by name.
    public func accounts() async throws -> [Account] {
        try await backend.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map(Self.account)
        }
    }

    public func account(name: String) async throws -> Account? {
        try await backend.read { db in try Self.fetchAccount(db, name: name) }
    }

    /// Disables or enables an account. Disabling ends every session and token of it in the
    /// same transaction; the last active administrator and one's own account cannot be
    /// disabled. Setting the state it already has changes and audits nothing.
    public func setDisabled(name: String, _ disabled: Bool, by actor: String, now: Date = Date()) async throws -> Account {
        try await backend.write { db in
            let account = try Self.requireAccount(db, name: name)
            guard account.isDisabled != disabled else { return account }
            var detail: [(String, JSONValue)] = []
            if disabled {
                if actor == name { throw AccountError(code: "self", description: "You cannot disable your own account.") }
                if account.user.role == .admin { try Self.refuseLosingLastAdmin(db, name: name, doing: "disable") }
                try db.execute(sql: "UPDATE users SET disabled_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, account.user.id])
                try db.execute(sql: "DELETE FROM sessions WHERE user_id = ?", arguments: [account.user.id])
                detail.append(("sessions", .int(Int64(db.changesCount))))
            } else {
                try db.execute(sql: "UPDATE users SET disabled_at = NULL WHERE id = ?", arguments: [account.user.id])
            }
            try AuditLog.append(db, actor: actor, action: disabled ? "user-disabled" : "user-enabled", subject: name, detail: .object(detail))
            return try Self.fetchAccount(db, name: name)!
        }
    }

    /// Sets a new password (`passwordHash` is already a bcrypt hash, and is never logged) and
    /// ends the account's sessions. Station accounts have no password.
    public func setPassword(name: String, passwordHash: String, by actor: String) async throws -> Account {
        try await backend.write { db in
            let account = try Self.requireAccount(db, name: name)
            guard account.user.role != .station else {
                throw AccountError(code: "station", description: "'\(name)' is a docking station: it signs in with its token, not a password.")
            }
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE id = ?", arguments: [passwordHash, account.user.id])
            try db.execute(sql: "DELETE FROM sessions WHERE user_id = ?", arguments: [account.user.id])
            try AuditLog.append(db, actor: actor, action: "password-reset", subject: name, detail: .object([("sessions", .int(Int64(db.changesCount)))]))
            return try Self.fetchAccount(db, name: name)!
        }
    }

    /// Changes an account's role and officer id. An officer needs an officer id; station
    /// accounts stay as they are and no account becomes one; the last active administrator
    /// keeps the role. A new role ends the account's sessions (its pages change). Changing
    /// nothing audits nothing.
    public func changeRole(name: String, role: Role, officerID: String?, by actor: String) async throws -> Account {
        let officerID = officerID?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        return try await backend.write { db in
            let account = try Self.requireAccount(db, name: name)
            let before = account.user
            guard before.role != .station else {
                throw AccountError(code: "station", description: "'\(name)' is a docking station account: its role cannot be changed.")
            }
            guard role != .station else {
                throw AccountError(code: "station", description: "An account cannot become a docking station: add a station instead.")
            }
            if role == .officer && officerID == nil {
                throw AccountError(code: "officer_id_required", description: "An officer account needs the officer's id (badge number).")
            }
            guard before.role != role || before.officerID != officerID else { return account }
            if before.role == .admin && role != .admin && !account.isDisabled {
                try Self.refuseLosingLastAdmin(db, name: name, doing: "demote")
            }
            try db.execute(sql: "UPDATE users SET role = ?, officer_id = ? WHERE id = ?", arguments: [role.rawValue, officerID, before.id])
            var sessions: Int64 = 0
            if before.role != role {
                try db.execute(sql: "DELETE FROM sessions WHERE user_id = ?", arguments: [before.id])
                sessions = Int64(db.changesCount)
            }
            func side(_ role: Role, _ officer: String?) -> JSONValue {
                .object([("role", .string(role.rawValue)), ("officer_id", officer.map { .string($0) } ?? .null)])
            }
            try AuditLog.append(db, actor: actor, action: "user-changed", subject: name, detail: .object([
                ("from", side(before.role, before.officerID)), ("to", side(role, officerID)), ("sessions", .int(sessions)),
            ]))
            return try Self.fetchAccount(db, name: name)!
        }
    }

    static func user(_ r: SQLRow) -> User {
        User(id: r["id"], name: r["name"], role: Role(rawValue: r["role"]) ?? .officer, officerID: r["officer_id"])
    }

    static func account(_ r: SQLRow) -> Account {
        Account(
            user: user(r), createdAt: Date(timeIntervalSince1970: r["created_at"]),
            disabledAt: (r["disabled_at"] as Double?).map { Date(timeIntervalSince1970: $0) })
    }

    static func fetchAccount(_ db: any SQLDatabase, name: String) throws -> Account? {
        try SQLRow.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).map(account)
    }

    static func requireAccount(_ db: any SQLDatabase, name: String) throws -> Account {
        guard let account = try fetchAccount(db, name: name) else {
            throw AccountError(code: "not_found", description: "There is no account named '\(name)'.")
        }
        return account
    }

    /// Refuses to disable or demote `name` when no other active administrator would be left
    /// (nobody could then manage accounts but from the command line).
    static func refuseLosingLastAdmin(_ db: any SQLDatabase, name: String, doing verb: String) throws {
        let others = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL AND name != ?", arguments: [name]) ?? 0
        if others == 0 {
            throw AccountError(code: "last_admin", description: "'\(name)' is the last active administrator: you cannot \(verb) it.")
        }
    }

    /// Issues a random token for `user`; only its SHA-256 is stored.
    public func issueToken(for user: User, kind: String, lifetime: TimeInterval?) async throws -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        let now = Date().timeIntervalSince1970
        try await backend.write { db in
            try db.execute(
                sql: "INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [Self.tokenHash(token), user.id, kind, now, lifetime.map { now + $0 }])
        }
        return token
    }

    /// The account a token belongs to, if it is valid and unexpired and the account is not disabled.
    public func user(forToken token: String) async throws -> User? {
        try await backend.read { db in
            try SQLRow.fetchOne(
                db,
                sql: """
                    SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
                    WHERE s.token_hash = ? AND (s.expires_at IS NULL OR s.expires_at > ?) AND u.disabled_at IS NULL
                    """,
                arguments: [Self.tokenHash(token), Date().timeIntervalSince1970]
            ).map(Self.user)
        }
    }

    /// The docking station's account, made on first use. It has no usable password: a
    /// station signs in with nothing but its upload-only token.
    /// A disabled station is refused (`disabled`): a token for it would open nothing.
    public func stationUser(name: String, unusablePasswordHash: String) async throws -> User {
        if let account = try await account(name: name) {
            guard account.user.role == .station else {
                throw AccountError(code: "exists", description: "'\(name)' is a \(account.user.role.rawValue) account, not a docking station.")
            }
            guard !account.isDisabled else {
                throw AccountError(code: "disabled", description: "The docking station '\(name)' is disabled: enable it first.")
            }
            return account.user
        }
        return try await addUser(name: name, role: .station, officerID: nil, passwordHash: unusablePasswordHash)
    }

    /// Issues a token for a station, audited (the token itself is never stored or logged).
    public func issueStationToken(for user: User, lifetime: TimeInterval?, actor: String) async throws -> String {
        let token = try await issueToken(for: user, kind: "station", lifetime: lifetime)
        try await audit(actor: actor, action: "token-issued", subject: user.name, detail: .object([
            ("kind", .string("station")), ("expires_in_days", lifetime.map { .int(Int64($0 / 86400)) } ?? .null),
        ]))
        return token
    }

    /// Revokes every token of an account; returns how many there were.
    public func revokeTokens(userID: Int64, name: String, actor: String) async throws -> Int {
        try await backend.write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE user_id = ?", arguments: [userID])
            let n = db.changesCount
            try AuditLog.append(db, actor: actor, action: "tokens-revoked", subject: name, detail: .object([("count", .int(Int64(n)))]))
            return n
        }
    }

    /// The unexpired tokens of docking stations, newest first.
    public func stationTokens(now: Date = Date()) async throws -> [StationToken] {
        try await backend.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT s.token_hash, u.name, s.created_at, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
                    WHERE s.kind = 'station' AND (s.expires_at IS NULL OR s.expires_at > ?)
                    ORDER BY s.created_at DESC, s.token_hash
                    """,
                arguments: [now.timeIntervalSince1970]
            ).map(Self.stationToken)
        }
    }

    /// Revokes the station token `id` names (`StationToken.id`), audited; `not_found` when no
    /// station token has that id.
    public func revokeStationToken(id: String, by actor: String) async throws -> StationToken {
        try await backend.write { db in
            guard id.utf8.count == 16,
                  let row = try SQLRow.fetchOne(
                      db,
                      sql: """
                          SELECT s.token_hash, u.name, s.created_at, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
                          WHERE s.kind = 'station' AND substr(s.token_hash, 1, 16) = ? ORDER BY s.created_at DESC LIMIT 1
                          """,
                      arguments: [id.lowercased()])
            else { throw AccountError(code: "not_found", description: "There is no station token \(id).") }
            let token = Self.stationToken(row)
            try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [row[0] as String])
            try AuditLog.append(db, actor: actor, action: "token-revoked", subject: token.station, detail: .object([
                ("kind", .string("station")), ("id", .string(token.id)),
            ]))
            return token
        }
    }

    static func stationToken(_ r: SQLRow) -> StationToken {
        StationToken(
            id: String((r[0] as String).prefix(16)), station: r[1], createdAt: Date(timeIntervalSince1970: r[2]),
            expiresAt: (r[3] as Double?).map { Date(timeIntervalSince1970: $0) })
    }

    public func revokeToken(_ token: String) async throws {
        try await backend.write { db in try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [Self.tokenHash(token)]) }
    }

    static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
