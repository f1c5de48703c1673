internal import PostgresNIO
internal import NIOCore

/// A fault of the PostgreSQL catalog, said so that a person knows which server and what to do.
/// Never holds the password.
public struct PostgresFailure: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The server could not be reached (refused, unknown host, timed out).
        case connect
        /// The server refused the user or the password.
        case authenticate
        /// The server named has no such database.
        case noDatabase = "no-database"
        /// A statement failed (`sqlState` says why, e.g. 23505 for a duplicate key).
        case statement
        /// The connection broke during a transaction: its outcome is unknown until read again.
        case connectionLost = "connection-lost"
        /// The catalog's schema is newer than this build knows, or could not be migrated.
        case schema
        /// The backend was closed.
        case closed
    }

    public var code: Code
    /// `user@host:port/database`.
    public var target: String
    /// PostgreSQL's SQLSTATE, for statement errors.
    public var sqlState: String?
    public var message: String
    /// The statement, as sent (with `$n` placeholders, never the values).
    public var sql: String?

    public init(code: Code, target: String, sqlState: String? = nil, message: String, sql: String? = nil) {
        self.code = code
        self.target = target
        self.sqlState = sqlState
        self.message = message
        self.sql = sql
    }

    /// A unique or primary key already holds the value.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// Any integrity constraint (unique, foreign key, check, not null): SQLite's SQLITE_CONSTRAINT.
    public var isConstraintViolation: Bool { sqlState?.hasPrefix("23") == true }

    public var description: String {
        switch code {
        case .connect:
            return "cannot reach the PostgreSQL catalog \(target): \(message); check that the server runs and listens there"
        case .authenticate:
            return "the PostgreSQL catalog \(target) refused to sign in: \(message); check the user and the password file"
        case .noDatabase:
            return "the PostgreSQL server of \(target) has no such database: \(message); create it (CREATE DATABASE) or fix the URL"
        case .statement:
            let state = sqlState.map { " (SQLSTATE \($0))" } ?? ""
            return "the PostgreSQL catalog \(target) refused a statement: \(message)\(state)" + (sql.map { " in: \($0)" } ?? "")
        case .connectionLost:
            return "the connection to the PostgreSQL catalog \(target) broke: \(message)"
        case .schema:
            return "the PostgreSQL catalog \(target): \(message)"
        case .closed:
            return "the PostgreSQL catalog \(target) was closed: \(message)"
        }
    }

    /// The failure for an error postgres-nio (or NIO underneath it) threw.
    static func from(_ error: any Error, target: String, sql: String? = nil, connecting: Bool = false) -> PostgresFailure {
        if let failure = error as? PostgresFailure { return failure }
        if let psql = error as? PSQLError {
            if let info = psql.serverInfo {
                let state = info[.sqlState]
                var message = info[.message] ?? "the server gave no message"
                if let detail = info[.detail] { message += " (\(detail))" }
                switch state {
                case "28P01", "28000":
                    return PostgresFailure(code: .authenticate, target: target, sqlState: state, message: message)
                case "3D000":
                    return PostgresFailure(code: .noDatabase, target: target, sqlState: state, message: message)
                case _ where state?.hasPrefix("08") == true || state?.hasPrefix("57P") == true:
                    return PostgresFailure(code: connecting ? .connect : .connectionLost, target: target, sqlState: state, message: message)
                default:
                    return PostgresFailure(code: connecting ? .connect : .statement, target: target, sqlState: state, message: message, sql: sql)
                }
            }
            switch psql.code {
            case .authMechanismRequiresPassword:
                return PostgresFailure(code: .authenticate, target: target, message: "the server asks for a password and none was given")
            case .unsupportedAuthMechanism, .saslError:
                return PostgresFailure(code: .authenticate, target: target, message: "authentication failed (\(psql.code))")
            case .connectionError:
                let why = psql.underlying.map { "\($0)" } ?? "connection failed"
                return PostgresFailure(code: .connect, target: target, message: why)
            default:
                let why = psql.underlying.map { "\(psql.code): \($0)" } ?? "\(psql.code)"
                return PostgresFailure(code: connecting ? .connect : .connectionLost, target: target, message: why, sql: sql)
            }
        }
        if error is ChannelError || error is IOError {
            return PostgresFailure(code: connecting ? .connect : .connectionLost, target: target, message: "\(error)")
        }
        return PostgresFailure(code: connecting ? .connect : .connectionLost, target: target, message: "\(error)", sql: sql)
    }
}
