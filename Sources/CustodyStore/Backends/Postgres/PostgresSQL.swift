internal import Synchronization

/// The catalog's shared SQL (SQLite's spelling, `?` placeholders) turned into statements
/// PostgreSQL accepts. Only what cannot be spelled the same in both is rewritten, and only
/// outside string literals, quoted identifiers and comments:
/// - `?` and `?NNN` become `$1, $2, …` (a plain `?` takes one more than the largest number
///   so far, as in SQLite);
/// - `INSERT OR IGNORE INTO …` becomes `INSERT INTO … ON CONFLICT DO NOTHING`;
/// - `INDEXED BY name` (an SQLite planner hint) is dropped;
/// - several `;`-separated statements are split, because PostgreSQL's extended protocol (the
///   only one postgres-nio speaks) takes one statement at a time.
/// Everything else the catalog writes in the subset both databases share.
struct PostgresSQL: Sendable, Equatable {
    struct Statement: Sendable, Equatable {
        var sql: String
        /// How many of the arguments this statement takes (its highest `$n`).
        var parameterCount: Int
        /// Parameters (0-based) written as `? IS [NOT] NULL`: PostgreSQL cannot infer a type
        /// for them, so they are bound with a declared type rather than "unspecified".
        var typedParameters: Set<Int>
    }

    var statements: [Statement]

    /// The rewrite of `sql`, cached by its text (the catalog runs the same statements again and again).
    static func rewrite(_ sql: String) -> PostgresSQL {
        if let hit = cache.withLock({ $0[sql] }) { return hit }
        let result = PostgresSQL(rewriting: sql)
        cache.withLock { cache in
            // Texts built with a varying `IN (?, ?, …)` are many: keep the cache bounded.
            if cache.count >= 4096 { cache.removeAll(keepingCapacity: true) }
            cache[sql] = result
        }
        return result
    }

    private static let cache = Mutex<[String: PostgresSQL]>([:])

    init(rewriting sql: String) {
        var lexer = Lexer(Array(sql.utf8))
        statements = lexer.statements()
    }
}

extension PostgresSQL {
    /// A rewritten single-row `INSERT … VALUES ($1, …, $k) [ON CONFLICT …]` cut around its
    /// VALUES tuple, so that it can be sent for many rows at once: `VALUES (…), (…), …`, the
    /// placeholders numbered on row after row. Only statements whose every placeholder lies in
    /// that one tuple qualify (an `ON CONFLICT … WHERE x = $n` would take one value per
    /// statement, not per row).
    struct ValuesTemplate: Sendable, Equatable {
        /// Up to and including `VALUES `.
        var head: String
        /// The tuple, split at its placeholders: `pieces[0] $p[0] pieces[1] $p[1] … pieces[k]`.
        var pieces: [String]
        /// The 1-based placeholder numbers, in the order they appear in the tuple.
        var placeholders: [Int]
        /// After the tuple (an `ON CONFLICT` clause, possibly empty).
        var tail: String
        var width: Int
        var typedParameters: Set<Int>

        /// The statement for `values.count / width` rows whose values are written into its text
        /// as literals (`PostgresSQL.literal`): no parameters at all. Binding tens of thousands
        /// of parameters costs the driver more than the server takes to parse their literals.
        func statement(inlining values: ArraySlice<SQLValue>) -> String {
            var sql = head
            let rows = values.count / width
            var k0 = values.startIndex
            for r in 0..<rows {
                if r > 0 { sql += ", " }
                for (k, piece) in pieces.enumerated() {
                    sql += piece
                    if k < placeholders.count {
                        let p = placeholders[k] - 1
                        PostgresSQL.appendLiteral(values[k0 + p], typed: typedParameters.contains(p), to: &sql)
                    }
                }
                k0 += width
            }
            sql += tail
            return sql
        }

        /// The statement for `rows` rows.
        func statement(rows: Int) -> Statement {
            var sql = head
            sql.reserveCapacity(head.count + tail.count + rows * (pieces.reduce(0) { $0 + $1.utf8.count } + width * 6))
            var typed: Set<Int> = []
            for r in 0..<rows {
                if r > 0 { sql += ", " }
                let offset = r * width
                for (k, piece) in pieces.enumerated() {
                    sql += piece
                    if k < placeholders.count { sql += "$\(placeholders[k] + offset)" }
                }
                for t in typedParameters { typed.insert(t + offset) }
            }
            sql += tail
            return Statement(sql: sql, parameterCount: rows * width, typedParameters: typed)
        }
    }

    /// `statement` cut for `ValuesTemplate`, or nil when it is not an insert of that shape.
    static func valuesTemplate(_ statement: Statement) -> ValuesTemplate? {
        if let hit = templates.withLock({ $0[statement.sql] }) { return hit }
        let result = ValuesTemplate(cutting: statement)
        templates.withLock { cache in
            if cache.count >= 256 { cache.removeAll(keepingCapacity: true) }
            cache[statement.sql] = result
        }
        return result
    }

    private static let templates = Mutex<[String: ValuesTemplate?]>([:])

    /// `statement`'s text with each `$n` replaced by the literal of `values[n - 1]`; nil when a
    /// `$` that is not a placeholder makes the text ambiguous (dollar quoting).
    static func inlining(_ statement: Statement, _ values: ArraySlice<SQLValue>) -> String? {
        let bytes = Array(statement.sql.utf8)
        var out = ""
        out.reserveCapacity(bytes.count + values.count * 12)
        var i = 0
        var copied = 0
        let base = values.startIndex
        func flush(_ end: Int) { out += String(decoding: bytes[copied..<end], as: UTF8.self) }
        while i < bytes.count {
            let c = bytes[i]
            if PostgresSQL.skipQuoted(bytes, at: &i) { continue }
            if c == UInt8(ascii: "-"), i + 1 < bytes.count, bytes[i + 1] == c { return nil }  // a comment: not worth it
            if c == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") { return nil }
            if c == UInt8(ascii: "$") {
                var j = i + 1
                var n = 0
                while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 { n = n * 10 + Int(bytes[j] - 0x30); j += 1 }
                guard j > i + 1, n >= 1, n <= values.count else { return nil }
                flush(i)
                appendLiteral(values[base + n - 1], typed: statement.typedParameters.contains(n - 1), to: &out)
                copied = j
                i = j
                continue
            }
            i += 1
        }
        flush(bytes.count)
        return out
    }

    /// `value` as an SQL literal of the type it would be bound as (see `PostgresTransaction`):
    /// integers int8, reals float8, blobs bytea, text and NULL untyped (so the column gives
    /// their type) unless `typed`, then text. Strings are quoted as libpq's `PQescapeLiteral`
    /// does: `E'…'` with quotes and backslashes doubled, which reads the same whatever
    /// `standard_conforming_strings` says.
    static func appendLiteral(_ value: SQLValue, typed: Bool, to sql: inout String) {
        switch value {
        case .null:
            sql += typed ? "NULL::text" : "NULL"
        case .integer(let i):
            sql += "'\(i)'::int8"
        case .real(let d):
            if d.isNaN { sql += "'NaN'::float8" }
            else if d.isInfinite { sql += d < 0 ? "'-Infinity'::float8" : "'Infinity'::float8" }
            else { sql += "'\(d)'::float8" }  // Swift's shortest text that reads back as the same double
        case .text(let s):
            appendQuoted(s, to: &sql)
            if typed { sql += "::text" }
        case .blob(let bytes):
            let digits = Array("0123456789abcdef".utf8)
            var hex: [UInt8] = Array("E'\\\\x".utf8)
            hex.reserveCapacity(hex.count + bytes.count * 2 + 8)
            for b in bytes { hex.append(digits[Int(b >> 4)]); hex.append(digits[Int(b & 15)]) }
            hex += Array("'::bytea".utf8)
            sql += String(decoding: hex, as: UTF8.self)
        }
    }

    static func appendQuoted(_ s: String, to sql: inout String) {
        var needsEscape = false
        for c in s.utf8 where c == UInt8(ascii: "'") || c == UInt8(ascii: "\\") { needsEscape = true; break }
        guard needsEscape else { sql += "E'"; sql += s; sql += "'"; return }
        var out: [UInt8] = Array("E'".utf8)
        out.reserveCapacity(s.utf8.count + 8)
        for c in s.utf8 {
            out.append(c)
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\\") { out.append(c) }
        }
        out.append(UInt8(ascii: "'"))
        sql += String(decoding: out, as: UTF8.self)
    }
}

extension PostgresSQL.ValuesTemplate {
    init?(cutting statement: PostgresSQL.Statement) {
        let bytes = Array(statement.sql.utf8)
        guard statement.parameterCount > 0 else { return nil }
        // Scans the bytes outside quotes: where VALUES starts its tuple, where the tuple ends,
        // and every `$n` (none may lie outside the tuple).
        var i = 0
        var open: Int?
        var close: Int?
        var depth = 0
        var pieces: [String] = []
        var placeholders: [Int] = []
        var pieceStart = 0
        func isWordByte(_ c: UInt8) -> Bool {
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "_") || c >= 0x80
        }
        while i < bytes.count {
            let c = bytes[i]
            if PostgresSQL.skipQuoted(bytes, at: &i) { continue }
            if c == UInt8(ascii: "$"), i + 1 < bytes.count, bytes[i + 1] >= 0x30, bytes[i + 1] <= 0x39 {
                guard open != nil, close == nil else { return nil }  // outside the tuple
                var j = i + 1
                var n = 0
                while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 { n = n * 10 + Int(bytes[j] - 0x30); j += 1 }
                pieces.append(String(decoding: bytes[pieceStart..<i], as: UTF8.self))
                placeholders.append(n)
                pieceStart = j
                i = j
                continue
            }
            if open == nil {
                if (c | 0x20) == UInt8(ascii: "v"), i + 6 <= bytes.count,
                   String(decoding: bytes[i..<i + 6], as: UTF8.self).uppercased() == "VALUES",
                   i == 0 || !isWordByte(bytes[i - 1]), i + 6 == bytes.count || !isWordByte(bytes[i + 6]) {
                    var j = i + 6
                    while j < bytes.count, bytes[j] == 0x20 || (bytes[j] >= 0x09 && bytes[j] <= 0x0D) { j += 1 }
                    guard j < bytes.count, bytes[j] == UInt8(ascii: "(") else { return nil }
                    open = j
                    depth = 1
                    pieceStart = j
                    i = j + 1
                    continue
                }
            } else if close == nil {
                if c == UInt8(ascii: "(") { depth += 1 }
                if c == UInt8(ascii: ")") {
                    depth -= 1
                    if depth == 0 {
                        close = i
                        pieces.append(String(decoding: bytes[pieceStart...i], as: UTF8.self))
                    }
                }
            }
            i += 1
        }
        guard let open, let close else { return nil }
        // Each of $1…$k once, so that numbering on row by row gives every row its own values.
        guard placeholders.sorted() == Array(1...statement.parameterCount) else { return nil }
        head = String(decoding: bytes[..<open], as: UTF8.self)
        tail = String(decoding: bytes[(close + 1)...], as: UTF8.self)
        self.pieces = pieces
        self.placeholders = placeholders
        width = statement.parameterCount
        typedParameters = statement.typedParameters
    }
}

/// A single pass over the SQL's bytes. Every character that matters here is ASCII, so
/// cutting the UTF-8 bytes at those characters keeps every multi-byte character whole.
private struct Lexer {
    let bytes: [UInt8]
    var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    // Each statement's pieces, rebuilt as they are scanned.
    var out: [UInt8] = []
    var maxParameter = 0
    var typed: Set<Int> = []
    var orIgnore = false
    var sawToken = false

    mutating func statements() -> [PostgresSQL.Statement] {
        var result: [PostgresSQL.Statement] = []
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                copyQuoted(c)
            case UInt8(ascii: "-") where peek(1) == UInt8(ascii: "-"):
                let start = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
                out += bytes[start..<i]
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                copyBlockComment()
            case UInt8(ascii: "$") where dollarTag() != nil:
                copyDollarQuoted(dollarTag()!)
            case UInt8(ascii: "?"):
                placeholder()
            case UInt8(ascii: ";"):
                i += 1
                if let s = finishStatement() { result.append(s) }
            default:
                if isIdentifierStart(c) {
                    word()
                } else {
                    if !isSpace(c) { sawToken = true }
                    out.append(c)
                    i += 1
                }
            }
        }
        if let s = finishStatement() { result.append(s) }
        return result
    }

    private func peek(_ k: Int) -> UInt8? { i + k < bytes.count ? bytes[i + k] : nil }

    private mutating func finishStatement() -> PostgresSQL.Statement? {
        defer { out = []; maxParameter = 0; typed = []; orIgnore = false; sawToken = false }
        guard sawToken else { return nil }  // only blanks and comments
        var sql = String(decoding: out, as: UTF8.self)
        while let last = sql.unicodeScalars.last, last.properties.isWhitespace { sql.unicodeScalars.removeLast() }
        while let first = sql.unicodeScalars.first, first.properties.isWhitespace { sql.unicodeScalars.removeFirst() }
        if orIgnore { sql += " ON CONFLICT DO NOTHING" }
        return .init(sql: sql, parameterCount: maxParameter, typedParameters: typed)
    }

    /// `'…'` or `"…"`, a doubled quote standing for one.
    private mutating func copyQuoted(_ quote: UInt8) {
        sawToken = true
        let start = i
        i += 1
        while i < bytes.count {
            if bytes[i] == quote {
                if peek(1) == quote { i += 2; continue }
                i += 1
                break
            }
            i += 1
        }
        out += bytes[start..<i]
    }

    private mutating func copyBlockComment() {
        let start = i
        i += 2
        var depth = 1  // PostgreSQL nests them
        while i < bytes.count, depth > 0 {
            if bytes[i] == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") { depth -= 1; i += 2 }
            else if bytes[i] == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") { depth += 1; i += 2 }
            else { i += 1 }
        }
        out += bytes[start..<min(i, bytes.count)]
    }

    /// `$$` or `$tag$` at `i` (PostgreSQL's dollar quoting, as in function bodies), not `$1`.
    private func dollarTag() -> [UInt8]? {
        if i > 0, isIdentifierPart(bytes[i - 1]) { return nil }  // part of a name
        var j = i + 1
        while j < bytes.count, bytes[j] != UInt8(ascii: "$") {
            guard isIdentifierPart(bytes[j]), !(j == i + 1 && isDigit(bytes[j])) else { return nil }
            j += 1
        }
        guard j < bytes.count else { return nil }
        return Array(bytes[i...j])
    }

    private mutating func copyDollarQuoted(_ tag: [UInt8]) {
        sawToken = true
        let start = i
        i += tag.count
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "$"), i + tag.count <= bytes.count, Array(bytes[i..<i + tag.count]) == tag {
                i += tag.count
                break
            }
            i += 1
        }
        out += bytes[start..<i]
    }

    private mutating func placeholder() {
        sawToken = true
        i += 1
        var number = 0
        var digits = 0
        while i < bytes.count, isDigit(bytes[i]) {
            number = number * 10 + Int(bytes[i] - UInt8(ascii: "0"))
            digits += 1
            i += 1
        }
        let n = digits > 0 ? number : maxParameter + 1
        maxParameter = max(maxParameter, n)
        out += Array("$\(n)".utf8)
        if followedByIsNull() { typed.insert(n - 1) }
    }

    /// Whether `IS NULL` or `IS NOT NULL` comes next.
    private func followedByIsNull() -> Bool {
        var j = i
        func skipSpace() { while j < bytes.count, isSpace(bytes[j]) { j += 1 } }
        func keyword(_ k: String) -> Bool {
            let kb = Array(k.utf8)
            guard j + kb.count <= bytes.count else { return false }
            for (o, b) in kb.enumerated() where upper(bytes[j + o]) != b { return false }
            if j + kb.count < bytes.count, isIdentifierPart(bytes[j + kb.count]) { return false }
            j += kb.count
            return true
        }
        skipSpace()
        guard keyword("IS") else { return false }
        skipSpace()
        if keyword("NOT") { skipSpace() }
        return keyword("NULL")
    }

    /// An identifier or keyword; handles `INSERT OR IGNORE` and `INDEXED BY name`.
    private mutating func word() {
        let start = i
        while i < bytes.count, isIdentifierPart(bytes[i]) { i += 1 }
        let w = bytes[start..<i].map(upper)
        let first = !sawToken
        sawToken = true
        if first, w == Array("INSERT".utf8) {
            var j = i
            if let or = nextWord(from: &j), or == Array("OR".utf8), let ignore = nextWord(from: &j), ignore == Array("IGNORE".utf8) {
                out += bytes[start..<i]  // "INSERT"; the statement then ends with ON CONFLICT DO NOTHING
                i = j
                orIgnore = true
                return
            }
        }
        if w == Array("INDEXED".utf8) {
            var j = i
            if let by = nextWord(from: &j), by == Array("BY".utf8) {
                while j < bytes.count, isSpace(bytes[j]) { j += 1 }
                if j < bytes.count, bytes[j] == UInt8(ascii: "\"") {
                    j += 1
                    while j < bytes.count, bytes[j] != UInt8(ascii: "\"") { j += 1 }
                    j += 1
                } else {
                    while j < bytes.count, isIdentifierPart(bytes[j]) { j += 1 }
                }
                i = min(j, bytes.count)
                return  // the blank before INDEXED stays and separates what follows
            }
        }
        out += bytes[start..<i]
    }

    /// The next bare word after blanks, upper-cased, advancing `j` past it.
    private func nextWord(from j: inout Int) -> [UInt8]? {
        while j < bytes.count, isSpace(bytes[j]) { j += 1 }
        guard j < bytes.count, isIdentifierStart(bytes[j]) else { return nil }
        let start = j
        while j < bytes.count, isIdentifierPart(bytes[j]) { j += 1 }
        return bytes[start..<j].map(upper)
    }
}

private func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
private func isIdentifierStart(_ c: UInt8) -> Bool {
    (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_") || c >= 0x80
}
private func isIdentifierPart(_ c: UInt8) -> Bool { isIdentifierStart(c) || isDigit(c) || c == UInt8(ascii: "$") }
private func upper(_ c: UInt8) -> UInt8 { c >= 0x61 && c <= 0x7A ? c - 0x20 : c }

extension PostgresSQL {
    /// Steps `i` past a quoted string or name (`'…'`, `"…"`, a doubled quote inside it) that
    /// starts at `i`; false, and `i` unchanged, when none starts there. `$n` inside one is text.
    static func skipQuoted(_ bytes: [UInt8], at i: inout Int) -> Bool {
        let c = bytes[i]
        guard c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") else { return false }
        i += 1
        while i < bytes.count {
            if bytes[i] == c {
                if i + 1 < bytes.count, bytes[i + 1] == c { i += 2; continue }
                break
            }
            i += 1
        }
        i += 1
        return true
    }
}
