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
