internal import PostgresNIO
internal import NIOCore
internal import Logging
internal import Foundation
internal import Synchronization

/// One open transaction on one connection: the `SQLDatabase` a PostgreSQL catalog's bodies
/// see. Runs on a backend thread only; each statement is postgres-nio's future, waited for
/// there (never on an event loop).
///
/// Binding: integers go as int8, reals as float8, blobs as bytea, all binary; text goes as
/// type "unspecified" in text format, so the server types it from where it stands (a text
/// column, a bigint column, `LIMIT`), as SQLite would take it. NULL is "unspecified" too,
/// except before `IS [NOT] NULL`, where nothing says its type: there NULL and text are
/// declared text.
final class PostgresTransaction: SQLDatabase {
    let connection: PostgresConnection
    let logger: Logger
    let target: String
    private(set) var changesCount = 0
    private var cursors = 0

    /// Rows fetched per round trip by `forEachRow`.
    static let fetchSize = 5000

    init(connection: PostgresConnection, logger: Logger, target: String) {
        self.connection = connection
        self.logger = logger
        self.target = target
    }

    var dialect: SQLDialect { .postgres }

    func execute(sql: String, arguments: SQLArguments) throws {
        let result = try runAll(sql, arguments)
        changesCount = result.metadata.rows ?? 0
    }

    func fetchRows(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        Self.rows(of: try runAll(sql, arguments))
    }

    func forEachRow(sql: String, arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws {
        let statement = try single(sql)
        cursors += 1
        let cursor = "custody_cursor_\(cursors)"
        var declare = statement
        declare.sql = "DECLARE \(cursor) NO SCROLL CURSOR FOR \(statement.sql)"
        _ = try run(declare, arguments.values[...])
        do {
            while true {
                let batch = try plain("FETCH FORWARD \(Self.fetchSize) FROM \(cursor)")
                var columns: SQLColumns?
                for row in batch.rows {
                    try body(Self.row(row, columns: &columns))
                }
                if batch.rows.count < Self.fetchSize { break }
            }
        } catch {
            _ = try? plain("CLOSE \(cursor)")  // fails harmlessly when the transaction is aborted
            throw error
        }
        _ = try plain("CLOSE \(cursor)")
    }

    func insertReturningID(sql: String, arguments: SQLArguments) throws -> Int64 {
        var statement = try single(sql)
        statement.sql += " RETURNING id"
        let result = try run(statement, arguments.values[...])
        changesCount = result.metadata.rows ?? 0
        guard let first = result.rows.first, let id = Int64.decode(Self.value(first.first!)) else {
            throw PostgresFailure(code: .statement, target: target, message: "the INSERT returned no id (it inserted no row)", sql: statement.sql)
        }
        return id
    }

    /// Rows per multi-row INSERT in `executeBatch`: a few thousand rows is a few hundred
    /// kilobytes of statement, parsed in milliseconds, and one round trip instead of thousands.
    static let batchRows = 2000

    /// Many rows per statement: `VALUES (…), (…), …` (see `PostgresSQL.ValuesTemplate`), the
    /// values written as literals. Statements of another shape run row by row.
    func executeBatch(sql: String, rows: [SQLArguments]) throws {
        guard !rows.isEmpty else { return }
        let statement = try single(sql)
        let width = statement.parameterCount
        if let wrong = rows.first(where: { $0.values.count != width }) {
            throw PostgresFailure(code: .statement, target: target,
                                  message: "the SQL takes \(width) arguments, \(wrong.values.count) were given", sql: sql)
        }
        guard let template = PostgresSQL.valuesTemplate(statement) else {
            var changed = 0
            for row in rows {
                changed += try run(statement, row.values[...]).metadata.rows ?? 0
            }
            changesCount = changed
            return
        }
        var changed = 0
        var values: [SQLValue] = []
        for chunk in rows.chunked(Self.batchRows) {
            values.removeAll(keepingCapacity: true)
            for row in chunk { values += row.values }
            let text = template.statement(inlining: values[...])
            do {
                changed += try plain(text).metadata.rows ?? 0
            } catch var failure as PostgresFailure {
                // Name the one-row form: the statement sent holds the values (and is megabytes).
                failure.sql = statement.sql
                throw failure
            }
        }
        changesCount = changed
    }

    /// `COPY table (columns) FROM STDIN` in text format, the rows sent in parts of about a
    /// megabyte. postgres-nio's COPY is async: it runs in a task while this backend thread
    /// waits for it (as it waits for every statement's future), never on an event loop.
    func insertRows(into table: String, columns: [String], rows: [SQLArguments]) throws {
        guard !rows.isEmpty else { return }
        let sql = "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN"
        if let wrong = rows.first(where: { $0.values.count != columns.count }) {
            throw PostgresFailure(code: .statement, target: target,
                                  message: "\(columns.count) columns, \(wrong.values.count) values were given", sql: sql)
        }
        var parts: [ByteBuffer] = []
        var text: [UInt8] = []
        text.reserveCapacity(1 << 20)
        for row in rows {
            for (k, value) in row.values.enumerated() {
                if k > 0 { text.append(9) }
                Self.appendCopyText(value, to: &text)
            }
            text.append(10)
            if text.count >= 1 << 20 {
                parts.append(ByteBuffer(bytes: text))
                text.removeAll(keepingCapacity: true)
            }
        }
        if !text.isEmpty { parts.append(ByteBuffer(bytes: text)) }
        // postgres-nio quotes the table's and the columns' names itself (ours are fixed names).
        let (connection, logger) = (self.connection, self.logger)
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<Void, any Error>
            do {
                try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                    for part in parts { try await writer.write(part) }
                }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        if case .failure(let error) = outcome.withLock({ $0 }) {
            throw PostgresFailure.from(error, target: target, sql: sql)
        }
        changesCount = rows.count
    }

    /// One value in COPY's text format: `\N` for NULL; backslash, tab, newline and carriage
    /// return escaped in text; bytea as `\\x` and hex digits (COPY reads `\\` as one backslash).
    static func appendCopyText(_ value: SQLValue, to out: inout [UInt8]) {
        switch value {
        case .null:
            out += [92, 78]  // \N
        case .integer(let i):
            out += Array(String(i).utf8)
        case .real(let d):
            if d.isNaN { out += Array("NaN".utf8) }
            else if d.isInfinite { out += Array((d < 0 ? "-Infinity" : "Infinity").utf8) }
            else { out += Array("\(d)".utf8) }  // the shortest text that reads back as the same double
        case .text(let s):
            for c in s.utf8 {
                switch c {
                case 92: out += [92, 92]
                case 9: out += [92, 116]
                case 10: out += [92, 110]
                case 13: out += [92, 114]
                default: out.append(c)
                }
            }
        case .blob(let bytes):
            let digits = Array("0123456789abcdef".utf8)
            out += [92, 92, 120]  // \\x
            for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        }
    }

    // MARK: Running

    /// A statement of the driver's own (BEGIN, FETCH…): no placeholders, no rewrite.
    @discardableResult
    func plain(_ sql: String) throws -> PostgresQueryResult {
        try run(.init(sql: sql, parameterCount: 0, typedParameters: []), [])
    }

    private func single(_ sql: String) throws -> PostgresSQL.Statement {
        let statements = PostgresSQL.rewrite(sql).statements
        guard statements.count == 1 else {
            throw PostgresFailure(code: .statement, target: target,
                                  message: "expected one statement, found \(statements.count)", sql: sql)
        }
        return statements[0]
    }

    /// Runs every statement of `sql`, each taking its share of the arguments in order; the
    /// last one's result.
    private func runAll(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        let statements = PostgresSQL.rewrite(sql).statements
        let needed = statements.reduce(0) { $0 + $1.parameterCount }
        guard needed == arguments.values.count else {
            throw PostgresFailure(code: .statement, target: target,
                                  message: "the SQL takes \(needed) arguments, \(arguments.values.count) were given", sql: sql)
        }
        var rest = arguments.values[...]
        var last: PostgresQueryResult?
        for statement in statements {
            last = try run(statement, rest.prefix(statement.parameterCount))
            rest = rest.dropFirst(statement.parameterCount)
        }
        guard let last else {
            throw PostgresFailure(code: .statement, target: target, message: "the SQL holds no statement", sql: sql)
        }
        return last
    }

    /// From this many arguments on (an `IN (…)` of hundreds of ids), a statement is sent with
    /// its values written in as literals: postgres-nio's encoding of each bound value costs
    /// more than the server's parsing of its literal.
    static let inlineFrom = 64

    private func run(_ statement: PostgresSQL.Statement, _ values: ArraySlice<SQLValue>) throws -> PostgresQueryResult {
        if values.count >= Self.inlineFrom, let text = PostgresSQL.inlining(statement, values) {
            do {
                return try plain(text)
            } catch var failure as PostgresFailure {
                failure.sql = statement.sql  // never the values
                throw failure
            }
        }
        var binds = PostgresBindings(capacity: values.count)
        for (k, value) in values.enumerated() {
            Self.bind(value, declared: statement.typedParameters.contains(k), into: &binds)
        }
        do {
            return try connection.query(PostgresQuery(unsafeSQL: statement.sql, binds: binds), logger: logger).wait()
        } catch {
            throw PostgresFailure.from(error, target: target, sql: statement.sql)
        }
    }

    static func bind(_ value: SQLValue, declared: Bool, into binds: inout PostgresBindings) {
        switch value {
        case .null:
            if declared { binds.append(PostgresData(type: .text, value: nil)) } else { binds.appendNull() }
        case .integer(let i):
            binds.append(i)
        case .real(let d):
            binds.append(d)
        case .text(let s):
            if declared { binds.append(s) } else { binds.append(UnspecifiedText(string: s)) }
        case .blob(let b):
            binds.append(PostgresData(type: .bytea, value: ByteBuffer(bytes: b)))
        }
    }

    // MARK: Decoding

    static func rows(of result: PostgresQueryResult) -> [SQLRow] {
        var columns: SQLColumns?
        return result.rows.map { row($0, columns: &columns) }
    }

    static func row(_ row: PostgresRow, columns: inout SQLColumns?) -> SQLRow {
        var values: [SQLValue] = []
        values.reserveCapacity(row.count)
        for cell in row { values.append(value(cell)) }
        if columns == nil { columns = SQLColumns(row.map(\.columnName)) }
        return SQLRow(columns: columns!, values: values)
    }

    /// One cell as SQLite's storage classes: by its PostgreSQL type.
    static func value(_ cell: PostgresCell) -> SQLValue {
        guard var buffer = cell.bytes else { return .null }
        if cell.format == .text {
            return textValue(String(buffer: buffer), type: cell.dataType)
        }
        switch cell.dataType {
        case .int8:
            return buffer.readInteger(as: Int64.self).map { .integer($0) } ?? .null
        case .int4:
            return buffer.readInteger(as: Int32.self).map { .integer(Int64($0)) } ?? .null
        case .int2:
            return buffer.readInteger(as: Int16.self).map { .integer(Int64($0)) } ?? .null
        case .oid:
            return buffer.readInteger(as: UInt32.self).map { .integer(Int64($0)) } ?? .null
        case .float8:
            return buffer.readInteger(as: UInt64.self).map { .real(Double(bitPattern: $0)) } ?? .null
        case .float4:
            return buffer.readInteger(as: UInt32.self).map { .real(Double(Float(bitPattern: $0))) } ?? .null
        case .bool:
            return buffer.readInteger(as: UInt8.self).map { .integer($0 == 0 ? 0 : 1) } ?? .null
        case .numeric:
            return numeric(&buffer).map(numberValue) ?? .null
        case .bytea:
            return .blob(Array(buffer.readableBytesView))
        case .text, .varchar, .name, .bpchar, .char, .unknown, .json:
            return .text(String(buffer: buffer))
        default:
            // Types the catalog does not use: their text if they decode as one, else their bytes.
            if let s = try? cell.decode(String.self) { return .text(s) }
            return .blob(Array(buffer.readableBytesView))
        }
    }

    private static func textValue(_ s: String, type: PostgresDataType) -> SQLValue {
        switch type {
        case .int2, .int4, .int8, .oid: return Int64(s).map { .integer($0) } ?? .text(s)
        case .float4, .float8: return Double(s).map { .real($0) } ?? .text(s)
        case .numeric: return numberValue(s)
        case .bool: return .integer(s == "t" ? 1 : 0)
        case .bytea where s.hasPrefix("\\x"):
            var bytes: [UInt8] = []
            var hex = s.utf8.dropFirst(2).makeIterator()
            while let h = hex.next(), let l = hex.next() {
                guard let v = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16) else { return .text(s) }
                bytes.append(v)
            }
            return .blob(bytes)
        default: return .text(s)
        }
    }

    /// A numeric's decimal text (`SUM(bigint)` is numeric): integral ones read as integers.
    private static func numberValue(_ s: String) -> SQLValue {
        if let i = Int64(s) { return .integer(i) }
        if let d = Double(s) { return .real(d) }
        return .text(s)  // NaN and the like
    }

    /// The decimal text of a binary numeric: base-10000 digits with a weight and a sign.
    static func numeric(_ buffer: inout ByteBuffer) -> String? {
        guard let count = buffer.readInteger(as: Int16.self), let weight = buffer.readInteger(as: Int16.self),
              let sign = buffer.readInteger(as: UInt16.self), let scale = buffer.readInteger(as: Int16.self) else { return nil }
        if sign == 0xC000 { return "NaN" }
        var digits: [Int16] = []
        for _ in 0..<max(0, Int(count)) {
            guard let d = buffer.readInteger(as: Int16.self) else { return nil }
            digits.append(d)
        }
        func group(_ k: Int) -> Int16 { k >= 0 && k < digits.count ? digits[k] : 0 }
        var text = sign == 0x4000 ? "-" : ""
        // The integer part: groups 0...weight.
        if weight < 0 {
            text += "0"
        } else {
            for k in 0...Int(weight) {
                let g = String(group(k))
                text += k == 0 ? g : String(repeating: "0", count: 4 - g.count) + g
            }
        }
        // The fraction: the groups after, to `scale` digits; integral when there are none.
        if scale > 0 {
            var fraction = ""
            var k = Int(weight) + 1
            while fraction.count < Int(scale) {
                let g = String(group(k))
                fraction += String(repeating: "0", count: 4 - g.count) + g
                k += 1
            }
            fraction = String(fraction.prefix(Int(scale)))
            if fraction.contains(where: { $0 != "0" }) { text += "." + fraction }
        }
        return text
    }
}

/// Text bound as type "unspecified" (OID 0), in text format: the server gives it the type the
/// statement wants there, as SQLite's type affinity would.
struct UnspecifiedText: PostgresDynamicTypeEncodable {
    var string: String
    var psqlType: PostgresDataType { .null }  // OID 0: unspecified
    var psqlFormat: PostgresFormat { .text }
    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(string)
    }
}
