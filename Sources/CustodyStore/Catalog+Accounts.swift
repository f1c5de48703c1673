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

extension Catalog {
    public struct AccountError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Creates an account; `passwordHash` is already a bcrypt hash.
    public func addUser(name: String, role: Role, officerID: String?, passwordHash: String) async throws -> User {
        try await backend.write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE name = ?)", arguments: [name]) == true {
                throw AccountError(description: "A user named '\(name)' already exists.")
            }
            let id = try db.insertReturningID(
                sql: "INSERT INTO users (name, role, officer_id, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, role.rawValue, officerID, passwordHash, Date().timeIntervalSince1970])
            try AuditLog.append(db, actor: "admin", action: "user-added", subject: name, detail: .object([("role", .string(role.rawValue))]))
            return User(id: id, name: name, role: role, officerID: officerID)
        }
    }

    /// The account and its password hash, for checking a login.
    public func credentials(name: String) async throws -> (User, String)? {
        try await backend.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).map { (Self.user($0), $0["password_hash"]) }
        }
    }

    static func user(_ r: SQLRow) -> User {
        User(id: r["id"], name: r["name"], role: Role(rawValue: r["role"]) ?? .officer, officerID: r["officer_id"])
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

    /// The account a token belongs to, if it is valid and unexpired.
    public func user(forToken token: String) async throws -> User? {
        try await backend.read { db in
            try SQLRow.fetchOne(
                db,
                sql: """
                    SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
                    WHERE s.token_hash = ? AND (s.expires_at IS NULL OR s.expires_at > ?)
                    """,
                arguments: [Self.tokenHash(token), Date().timeIntervalSince1970]
            ).map(Self.user)
        }
    }

    /// The docking station's account, made on first use. It has no usable password: a
    /// station signs in with nothing but its upload-only token.
    public func stationUser(name: String, unusablePasswordHash: String) async throws -> User {
        if let (user, _) = try await credentials(name: name) {
            guard user.role == .station else {
                throw AccountError(description: "'\(name)' is a \(user.role.rawValue) account, not a docking station.")
            }
            return user
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

    public func revokeToken(_ token: String) async throws {
        try await backend.write { db in try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [Self.tokenHash(token)]) }
    }

    static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
