internal import Foundation

/// Where a PostgreSQL catalog is: `postgres://USER@HOST:PORT/DB` (or `postgresql://`), with
/// `?host=/folder` for the unix socket in that folder and `?sslmode=disable|prefer|require`.
/// The password is never part of it: it comes from a file or the environment.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    /// The folder holding the server's socket (`.s.PGSQL.PORT`), when connecting through it.
    public var socketFolder: String?
    public var tls: TLSMode

    public init(user: String, host: String = "127.0.0.1", port: Int = 5432, database: String,
                socketFolder: String? = nil, tls: TLSMode = .disable) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.socketFolder = socketFolder
        self.tls = tls
    }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var url: String
        public var reason: String
        public var description: String {
            "the catalog URL \(url) is not a PostgreSQL URL (\(reason)); the form is postgres://USER@HOST:PORT/DATABASE"
        }
    }

    public init(parsing text: String) throws {
        func invalid(_ reason: String) -> Invalid {
            // Never repeat a password someone put in the URL.
            var shown = text
            if let c = URLComponents(string: text), c.password != nil {
                var safe = c
                safe.password = "…"
                shown = safe.string ?? "postgres://…"
            }
            return Invalid(url: shown, reason: reason)
        }
        guard let c = URLComponents(string: text), let scheme = c.scheme?.lowercased() else {
            throw invalid("it cannot be read as a URL")
        }
        guard scheme == "postgres" || scheme == "postgresql" else { throw invalid("the scheme is \(scheme)") }
        guard c.password == nil else {
            throw invalid("it holds a password: give it in password_file or the environment, never in the URL")
        }
        guard let user = c.user, !user.isEmpty else { throw invalid("it names no user before @") }
        var socketFolder: String?
        var tls = TLSMode.disable
        for item in c.queryItems ?? [] {
            switch item.name {
            case "host":
                guard let v = item.value, v.hasPrefix("/") else { throw invalid("host= must be a socket folder starting with /") }
                socketFolder = v
            case "sslmode":
                guard let v = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw invalid("sslmode must be disable, prefer or require")
                }
                tls = v
            default:
                throw invalid("it has an unknown parameter \(item.name)")
            }
        }
        let host = c.host.flatMap { $0.isEmpty ? nil : $0 }
        guard host != nil || socketFolder != nil else { throw invalid("it names no host") }
        var database = c.path
        if database.hasPrefix("/") { database.removeFirst() }
        guard !database.contains("/") else { throw invalid("the database name contains /") }
        self.init(user: user, host: host ?? "localhost", port: c.port ?? 5432,
                  database: database.isEmpty ? user : database, socketFolder: socketFolder, tls: tls)
    }

    /// `user@host:port/db` (or `user@/socket/folder:port/db`), for messages: no password, ever.
    public var description: String {
        "\(user)@\(socketFolder ?? host):\(port)/\(database)"
    }

    /// The URL again, to another database on the same server.
    public func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    public var url: String {
        var c = URLComponents()
        c.scheme = "postgres"
        c.user = user
        c.host = host
        c.port = port
        c.path = "/" + database
        var items: [URLQueryItem] = []
        if let socketFolder { items.append(URLQueryItem(name: "host", value: socketFolder)) }
        if tls != .disable { items.append(URLQueryItem(name: "sslmode", value: tls.rawValue)) }
        if !items.isEmpty { c.queryItems = items }
        return c.string ?? "postgres://\(user)@\(host):\(port)/\(database)"
    }
}
