public import Foundation

// The catalog's one seam to a database. The catalog's queries are written once, against
// `SQLDatabase`, in the SQL that SQLite and PostgreSQL share; each backend turns them into its
// own driver's calls (GRDB in `Backends/SQLite`, postgres-nio in `Backends/Postgres`) and is the
// only code that imports that driver. Each transaction body is synchronous and runs on a thread
// the backend owns, never on an event loop or a request's task (see `CatalogBackend`).

/// One stored value, in SQLite's storage classes (PostgreSQL's columns map onto them).
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A Swift value that can be bound to a `?` in a query.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

/// A Swift value that a column can be read as; `decode` is nil when the stored value is not one.
public protocol SQLColumnDecodable {
    static func decode(_ value: SQLValue) -> Self?
}

extension SQLValue: SQLBindable {
    public var sqlValue: SQLValue { self }
}

extension String: SQLBindable, SQLColumnDecodable {
    public var sqlValue: SQLValue { .text(self) }
    public static func decode(_ value: SQLValue) -> String? {
        switch value {
        case .text(let s): s
        case .integer(let i): String(i)
        case .real(let d): String(d)
        case .blob(let b): String(decoding: b, as: UTF8.self)
        case .null: nil
        }
    }
}

extension Int64: SQLBindable, SQLColumnDecodable {
    public var sqlValue: SQLValue { .integer(self) }
    public static func decode(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let i): i
        case .real(let d): d.rounded(.towardZero) == d ? Int64(exactly: d) : Int64(d)
        case .text(let s): Int64(s) ?? Double(s).flatMap { Int64(exactly: $0.rounded(.towardZero)) }
        case .blob, .null: nil
        }
    }
}

extension Int: SQLBindable, SQLColumnDecodable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func decode(_ value: SQLValue) -> Int? { Int64.decode(value).map { Int($0) } }
}

extension Int32: SQLBindable, SQLColumnDecodable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func decode(_ value: SQLValue) -> Int32? { Int64.decode(value).flatMap { Int32(exactly: $0) } }
}

extension Double: SQLBindable, SQLColumnDecodable {
    public var sqlValue: SQLValue { .real(self) }
    public static func decode(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let d): d
        case .integer(let i): Double(i)
        case .text(let s): Double(s)
        case .blob, .null: nil
        }
    }
}

/// Stored as 0 or 1 (SQLite has no boolean; the PostgreSQL schema uses integers too).
extension Bool: SQLBindable, SQLColumnDecodable {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public static func decode(_ value: SQLValue) -> Bool? {
        switch value {
        case .integer(let i): i != 0
        case .real(let d): d != 0
        case .text(let s): s == "t" || s == "true" || (Int64(s).map { $0 != 0 } ?? false)
        case .blob, .null: nil
        }
    }
}

extension Data: SQLBindable, SQLColumnDecodable {
    public var sqlValue: SQLValue { .blob(Array(self)) }
    public static func decode(_ value: SQLValue) -> Data? {
        switch value {
        case .blob(let b): Data(b)
        case .text(let s): Data(s.utf8)
        default: nil
        }
    }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

extension Optional: SQLColumnDecodable where Wrapped: SQLColumnDecodable {
    /// NULL reads as nil; any other value must convert.
    public static func decode(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.decode(value).map { .some($0) }
    }
}

/// The values bound to a query's `?`s, in order.
public struct SQLArguments: Sendable, ExpressibleByArrayLiteral {
    public var values: [SQLValue]

    public init(arrayLiteral elements: (any SQLBindable)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    public init<S: Sequence>(_ sequence: S) where S.Element: SQLBindable {
        values = sequence.map(\.sqlValue)
    }

    public init(_ values: [(any SQLBindable)?]) {
        self.values = values.map { $0?.sqlValue ?? .null }
    }

    public init(values: [SQLValue]) {
        self.values = values
    }

    public var isEmpty: Bool { values.isEmpty }

    public mutating func append(_ value: (any SQLBindable)?) {
        values.append(value?.sqlValue ?? .null)
    }

    public mutating func append(contentsOf other: SQLArguments) {
        values += other.values
    }

    public static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments {
        SQLArguments(values: lhs.values + rhs.values)
    }

    public static func += (lhs: inout SQLArguments, rhs: SQLArguments) {
        lhs.values += rhs.values
    }
}

/// The names of a result's columns, shared by its rows.
public final class SQLColumns: Sendable {
    public let names: [String]
    let index: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name.lowercased()] == nil { index[name.lowercased()] = i }
        self.index = index
    }
}

/// One result row. Reading a column as a type it cannot be read as is a programming error
/// (as in GRDB): the query and the reading code disagree.
public struct SQLRow: Sendable {
    public let columns: SQLColumns
    public let values: [SQLValue]

    public init(columns: SQLColumns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public var count: Int { values.count }

    public func value(at index: Int) -> SQLValue { values[index] }

    public func value(named name: String) -> SQLValue? {
        columns.index[name.lowercased()].map { values[$0] }
    }

    public subscript<T: SQLColumnDecodable>(_ index: Int) -> T {
        Self.convert(values[index], column: "#\(index)")
    }

    public subscript<T: SQLColumnDecodable>(_ name: String) -> T {
        guard let i = columns.index[name.lowercased()] else {
            fatalError("catalog query has no column \(name) (columns: \(columns.names.joined(separator: ", ")))")
        }
        return Self.convert(values[i], column: name)
    }

    private static func convert<T: SQLColumnDecodable>(_ value: SQLValue, column: String) -> T {
        guard let converted = T.decode(value) else {
            fatalError("catalog column \(column) holds \(value), which does not read as \(T.self)")
        }
        return converted
    }
}

/// Which SQL a backend speaks, where the shared SQL is not enough.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres

    /// The smaller of two values (SQLite's scalar `MIN(a, b)`; PostgreSQL's `LEAST`).
    public var least: String { self == .sqlite ? "MIN" : "LEAST" }
    /// The larger of two values.
    public var greatest: String { self == .sqlite ? "MAX" : "GREATEST" }
    /// After an ascending `ORDER BY` term: NULLs first, as SQLite sorts them (PostgreSQL puts
    /// them last unless told). Empty for SQLite, so its plans and indexes stay as they were.
    public var nullsFirst: String { self == .sqlite ? "" : " NULLS FIRST" }
    /// After a descending term: NULLs last, as SQLite sorts them.
    public var nullsLast: String { self == .sqlite ? "" : " NULLS LAST" }
}

/// One open transaction (or, for reads, one consistent snapshot). Not `Sendable`: it is only
/// ever used inside the closure it was handed to.
public protocol SQLDatabase: AnyObject {
    var dialect: SQLDialect { get }
    func execute(sql: String, arguments: SQLArguments) throws
    func fetchRows(sql: String, arguments: SQLArguments) throws -> [SQLRow]
    /// Streams the rows (a cursor), for results too large to hold at once.
    func forEachRow(sql: String, arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws
    /// Runs an `INSERT` into a table with an `id` key and returns the new row's id.
    func insertReturningID(sql: String, arguments: SQLArguments) throws -> Int64
    /// Rows changed by the last `execute`.
    var changesCount: Int { get }
    /// Runs `sql`, one `INSERT … VALUES (?, …)` (an `ON CONFLICT` clause may follow, without
    /// placeholders), once for each element of `rows`, as that many `execute`s would. A backend
    /// may send many rows in one statement: PostgreSQL does (one round trip per few thousand
    /// rows, not per row); SQLite runs its prepared statement row by row, which is as fast there.
    func executeBatch(sql: String, rows: [SQLArguments]) throws
    /// Appends `rows` to `table`, each holding one value per column of `columns`: plain inserts,
    /// so a duplicate key fails the transaction. PostgreSQL streams them with `COPY … FROM
    /// STDIN` (about 2.4 times faster than multi-row INSERTs of the same rows); SQLite runs one
    /// prepared INSERT row by row.
    func insertRows(into table: String, columns: [String], rows: [SQLArguments]) throws
}

extension SQLDatabase {
    public func execute(sql: String) throws {
        try execute(sql: sql, arguments: [])
    }

    /// Row by row: the statement is prepared once and run again for each row.
    public func executeBatch(sql: String, rows: [SQLArguments]) throws {
        for row in rows { try execute(sql: sql, arguments: row) }
    }

    public func insertRows(into table: String, columns: [String], rows: [SQLArguments]) throws {
        let names = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        try executeBatch(
            sql: "INSERT INTO \"\(table)\" (\(names)) VALUES (\(databaseQuestionMarks(count: columns.count)))", rows: rows)
    }

    /// A statement run many times; the backends cache what they prepare by its text.
    public func cachedStatement(sql: String) throws -> SQLStatement {
        SQLStatement(database: self, sql: sql)
    }
}

/// A statement to run many times with different arguments.
public final class SQLStatement {
    let database: any SQLDatabase
    public let sql: String
    var arguments: SQLArguments = []

    init(database: any SQLDatabase, sql: String) {
        self.database = database
        self.sql = sql
    }

    public func execute(arguments: SQLArguments) throws {
        try database.execute(sql: sql, arguments: arguments)
    }

    public func setUncheckedArguments(_ arguments: SQLArguments) {
        self.arguments = arguments
    }

    public func execute() throws {
        try database.execute(sql: sql, arguments: arguments)
    }

    public func fetchRows(arguments: SQLArguments) throws -> [SQLRow] {
        try database.fetchRows(sql: sql, arguments: arguments)
    }
}

extension SQLRow {
    public static func fetchAll(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> [SQLRow] {
        try db.fetchRows(sql: sql, arguments: arguments)
    }

    public static func fetchOne(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try db.fetchRows(sql: sql, arguments: arguments).first
    }

    public static func fetchAll(_ statement: SQLStatement, arguments: SQLArguments = []) throws -> [SQLRow] {
        try statement.fetchRows(arguments: arguments)
    }

    public static func fetchOne(_ statement: SQLStatement, arguments: SQLArguments = []) throws -> SQLRow? {
        try statement.fetchRows(arguments: arguments).first
    }
}

extension SQLColumnDecodable {
    /// The first column of every row.
    public static func fetchAll(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> [Self] {
        try db.fetchRows(sql: sql, arguments: arguments).map { $0[0] }
    }

    /// The first column of the first row; nil when there is no row or it is NULL.
    public static func fetchOne(_ db: any SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> Self? {
        guard let row = try db.fetchRows(sql: sql, arguments: arguments).first else { return nil }
        return Self.decode(row.value(at: 0))
    }

    public static func fetchOne(_ statement: SQLStatement, arguments: SQLArguments = []) throws -> Self? {
        guard let row = try statement.fetchRows(arguments: arguments).first else { return nil }
        return Self.decode(row.value(at: 0))
    }
}

/// `?, ?, ?` for an `IN (…)` of `count` values.
func databaseQuestionMarks(count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
}
