/// What `CatalogMigration` says differently to PostgreSQL: identity columns take the copied
/// ids only when told to override them, and their counters are sequences to move past them.
enum PostgresMigrationSQL {
    /// The catalog's tables in the schema the connection uses.
    static func tableNames(_ db: any SQLDatabase) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT table_name::text FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
            """)
    }

    /// A multi-row INSERT that keeps the given ids (`evidence.rowid` is GENERATED ALWAYS, so
    /// it needs OVERRIDING SYSTEM VALUE; the other identities accept it) and skips rows whose
    /// key, or any other unique column, is already there.
    static func insert(table: String, columns: String, values: String, overridingIdentity: Bool) -> String {
        "INSERT INTO \(table) (\(columns))\(overridingIdentity ? " OVERRIDING SYSTEM VALUE" : "") VALUES \(values) ON CONFLICT DO NOTHING"
    }

    /// The identity sequence of `table.column`, schema-qualified and quoted.
    private static func sequence(_ db: any SQLDatabase, table: String, column: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT pg_get_serial_sequence(?, ?)::text", arguments: [table, column])
    }

    /// The last value the identity's sequence handed out (0: none yet).
    static func counter(_ db: any SQLDatabase, table: String, column: String) throws -> Int64 {
        guard let name = try sequence(db, table: table, column: column) else { return 0 }
        return try Int64.fetchOne(db, sql: "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM \(name)") ?? 0
    }

    /// Moves the identity's sequence so that its next value is above `value`.
    static func setCounter(_ db: any SQLDatabase, table: String, column: String, atLeast value: Int64) throws {
        guard let name = try sequence(db, table: table, column: column) else { return }
        let current = try counter(db, table: table, column: column)
        guard value > current else { return }
        try db.execute(sql: "SELECT setval(?::regclass, ?, true)", arguments: [name, value])
    }
}
