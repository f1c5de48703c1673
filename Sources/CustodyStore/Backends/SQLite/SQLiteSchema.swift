internal import GRDB

extension SQLiteBackend {
    /// The schema's history. Never edit a shipped migration: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: evidence, receipts, devices, audit") { db in
            try db.execute(sql: """
                CREATE TABLE evidence (
                    sha256 TEXT PRIMARY KEY NOT NULL,
                    size INTEGER NOT NULL,
                    ext TEXT NOT NULL,
                    location TEXT NOT NULL CHECK (location IN ('vault', 'quarantine')),
                    stored_path TEXT NOT NULL,
                    quarantine_reason TEXT,
                    format_name TEXT,
                    duration REAL,
                    start_time REAL,
                    end_time REAL,
                    first_received_at REAL,
                    time_source TEXT,
                    device_id TEXT,
                    officer_id TEXT,
                    attribution TEXT,
                    integrity TEXT NOT NULL,
                    probe_json TEXT NOT NULL,
                    stored_at REAL NOT NULL
                );
                CREATE INDEX evidence_officer_start ON evidence(officer_id, start_time);
                CREATE INDEX evidence_device_start ON evidence(device_id, start_time);

                CREATE TABLE receipts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    sha256 TEXT NOT NULL REFERENCES evidence(sha256),
                    received_at REAL NOT NULL,
                    recorded_at REAL NOT NULL,
                    method TEXT NOT NULL,
                    original_name TEXT NOT NULL,
                    source_path TEXT NOT NULL,
                    handed_in_by TEXT NOT NULL,
                    officer_override TEXT,
                    device_override TEXT,
                    duplicate INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX receipts_sha ON receipts(sha256);

                CREATE TABLE officers (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT
                );

                CREATE TABLE devices (
                    id TEXT PRIMARY KEY NOT NULL
                );

                CREATE TABLE device_checkouts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    device_id TEXT NOT NULL,
                    officer_id TEXT NOT NULL,
                    checked_out_at REAL NOT NULL,
                    returned_at REAL,
                    UNIQUE (device_id, checked_out_at)
                );
                CREATE INDEX checkouts_device ON device_checkouts(device_id, checked_out_at);

                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at REAL NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );

                CREATE TABLE move_journal (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    source_path BLOB NOT NULL,
                    staged_path TEXT NOT NULL,
                    created_at REAL NOT NULL
                );

                CREATE TABLE pending_ingest (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    sha256 TEXT NOT NULL,
                    staged_path TEXT NOT NULL,
                    final_path TEXT NOT NULL,
                    evidence_json TEXT NOT NULL,
                    receipt_json TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2: dispatch rows, links, coverage, findings") { db in
            try db.execute(sql: """
                CREATE TABLE dispatch_rows (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    incident_id TEXT NOT NULL,
                    officer_id TEXT NOT NULL,
                    received_at REAL,
                    dispatched_at REAL,
                    arrived_at REAL,
                    cleared_at REAL,
                    category TEXT,
                    priority TEXT,
                    station TEXT,
                    location TEXT,
                    source TEXT NOT NULL,
                    line INTEGER NOT NULL,
                    imported_at REAL NOT NULL,
                    UNIQUE (incident_id, officer_id)
                );
                CREATE INDEX dispatch_officer ON dispatch_rows(officer_id);

                CREATE TABLE links (
                    clip_id INTEGER NOT NULL,
                    row_id INTEGER NOT NULL,
                    PRIMARY KEY (clip_id, row_id)
                ) WITHOUT ROWID;
                CREATE INDEX links_row ON links(row_id);

                CREATE TABLE coverage (
                    row_id INTEGER PRIMARY KEY,
                    coverage REAL NOT NULL,
                    findings INTEGER NOT NULL DEFAULT 0
                );

                CREATE TABLE findings (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    officer_id TEXT NOT NULL,
                    incident_id TEXT,
                    kind TEXT NOT NULL,
                    start REAL NOT NULL,
                    end REAL NOT NULL,
                    window_start REAL,
                    window_end REAL,
                    coverage REAL,
                    clip_sha256 TEXT
                );
                CREATE INDEX findings_officer ON findings(officer_id, start);
                CREATE INDEX findings_incident ON findings(incident_id);
                CREATE INDEX findings_start ON findings(start);

                -- Linking reads every stored clip's interval by officer: straight from this index.
                CREATE INDEX evidence_link ON evidence(officer_id, start_time, end_time, first_received_at)
                    WHERE location = 'vault';
                """)
        }
        migrator.registerMigration("v3: accounts, sessions, review queue") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL CHECK (role IN ('officer', 'reviewer', 'supervisor', 'auditor', 'admin', 'station')),
                    officer_id TEXT,
                    password_hash TEXT NOT NULL,
                    created_at REAL NOT NULL
                );

                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    kind TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL
                );

                CREATE TABLE review_items (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    subject TEXT NOT NULL UNIQUE,
                    reason TEXT NOT NULL,
                    priority INTEGER NOT NULL,
                    incident_id TEXT,
                    officer_id TEXT,
                    clip_sha256 TEXT,
                    occurred_at REAL,
                    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'claimed', 'closed')),
                    claimed_by TEXT,
                    lease_until REAL,
                    verdict TEXT,
                    checklist TEXT,
                    note TEXT,
                    reviewed_by TEXT,
                    reviewed_at REAL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX review_queue ON review_items(state, priority, occurred_at, id);
                CREATE INDEX review_officer ON review_items(officer_id, state);
                CREATE INDEX review_clip ON review_items(clip_sha256);

                -- Items per state, kept by triggers so the queue's total is one lookup.
                CREATE TABLE queue_counts (state TEXT PRIMARY KEY, n INTEGER NOT NULL);
                INSERT INTO queue_counts VALUES ('open', 0), ('claimed', 0), ('closed', 0), ('version', 0);
                CREATE TRIGGER queue_count_insert AFTER INSERT ON review_items BEGIN
                    UPDATE queue_counts SET n = n + 1 WHERE state = NEW.state OR state = 'version';
                END;
                CREATE TRIGGER queue_count_delete AFTER DELETE ON review_items BEGIN
                    UPDATE queue_counts SET n = n - 1 WHERE state = OLD.state;
                    UPDATE queue_counts SET n = n + 1 WHERE state = 'version';
                END;
                -- Any change to an item changes the version (cached pages key on it).
                CREATE TRIGGER queue_version_update AFTER UPDATE ON review_items BEGIN
                    UPDATE queue_counts SET n = n + 1 WHERE state = 'version';
                END;
                CREATE TRIGGER queue_count_update AFTER UPDATE OF state ON review_items WHEN OLD.state != NEW.state BEGIN
                    UPDATE queue_counts SET n = n - 1 WHERE state = OLD.state;
                    UPDATE queue_counts SET n = n + 1 WHERE state = NEW.state;
                END;

                CREATE TABLE reviews (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    item_id INTEGER NOT NULL REFERENCES review_items(id),
                    reviewer TEXT NOT NULL,
                    verdict TEXT NOT NULL,
                    checklist TEXT NOT NULL,
                    note TEXT,
                    at REAL NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4: resumable uploads") { db in
            try db.execute(sql: """
                -- One tus upload: its bytes are DATA/uploads/<id>.part up to `offset`, which is
                -- only advanced after those bytes are fsynced.
                CREATE TABLE uploads (
                    id TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    uploader TEXT NOT NULL,
                    officer_id TEXT,
                    device_id TEXT,
                    filename TEXT NOT NULL,
                    metadata TEXT NOT NULL,
                    length INTEGER NOT NULL,
                    offset INTEGER NOT NULL DEFAULT 0,
                    state TEXT NOT NULL DEFAULT 'receiving'
                        CHECK (state IN ('receiving', 'complete', 'ingested', 'terminated', 'expired')),
                    sha256 TEXT,
                    status TEXT,
                    reason TEXT,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX uploads_state ON uploads(state, updated_at);
                -- Finding the receipt of an upload whose ingest was cut short by a crash.
                CREATE INDEX receipts_upload ON receipts(source_path) WHERE method = 'upload';
                """)
        }
        migrator.registerMigration("v5: retention, fixity, reports") { db in
            try db.execute(sql: """
                -- Set when retention deleted the file; the row stays, so the call it covered is still
                -- judged as recorded. The tombstone says who deleted it, when and why.
                ALTER TABLE evidence ADD COLUMN purged_at REAL;

                CREATE TABLE holds (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL CHECK (kind IN ('legal_hold', 'case_evidence')),
                    clip_sha256 TEXT,
                    incident_id TEXT,
                    reason TEXT NOT NULL,
                    placed_by TEXT NOT NULL,
                    placed_at REAL NOT NULL,
                    released_by TEXT,
                    released_at REAL,
                    release_reason TEXT,
                    CHECK ((clip_sha256 IS NULL) != (incident_id IS NULL))
                );
                CREATE INDEX holds_clip ON holds(clip_sha256) WHERE released_at IS NULL;
                CREATE INDEX holds_incident ON holds(incident_id) WHERE released_at IS NULL;

                CREATE TABLE tombstones (
                    sha256 TEXT PRIMARY KEY NOT NULL,
                    size INTEGER NOT NULL,
                    stored_path TEXT NOT NULL,
                    officer_id TEXT,
                    recorded_at REAL,
                    retention_class TEXT NOT NULL,
                    expired_at REAL NOT NULL,
                    purged_at REAL NOT NULL,
                    purged_by TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    file_removed_at REAL
                );

                -- The last re-hash of each stored file: when, and what was wrong (NULL: intact).
                CREATE TABLE fixity_checks (
                    sha256 TEXT PRIMARY KEY NOT NULL,
                    checked_at REAL NOT NULL,
                    problem TEXT
                );

                -- Reports select calls by arrival and reviews by when they were recorded.
                CREATE INDEX dispatch_arrived ON dispatch_rows(arrived_at);
                CREATE INDEX reviews_at ON reviews(at);
                """)
        }
        migrator.registerMigration("v6: relinks wanted") { db in
            // Officers a hand-in asked to relink while another relink ran (issue 12): that
            // relink, or the next one, relinks them and removes the row.
            try db.execute(sql: "CREATE TABLE relink_wanted (officer_id TEXT PRIMARY KEY NOT NULL, wanted_at REAL NOT NULL)")
        }
        migrator.registerMigration("v7: journals belong to a node") { db in
            // Several nodes share one catalog (issue 12); each has its own staging folder, so
            // each finishes or undoes only its own unfinished hand-ins. '' is an entry written
            // before nodes existed: whichever node reconciles first takes it.
            try db.execute(sql: """
                ALTER TABLE pending_ingest ADD COLUMN node TEXT NOT NULL DEFAULT '';
                ALTER TABLE move_journal ADD COLUMN node TEXT NOT NULL DEFAULT '';
                """)
        }
        migrator.registerMigration("v8: queue counts once per statement") { _ in
            // PostgreSQL's queue-count triggers became statement triggers; SQLite's row
            // triggers update in place and stay. Kept so that version N means the same on both.
        }
        migrator.registerMigration("v9: open calls") { db in
            // Calls without a clearance, for the handling rule's not_closed and no_arrival
            // (issue 15): the queue refresh reads only these, not every dispatch row.
            try db.execute(sql: "CREATE INDEX dispatch_open ON dispatch_rows(officer_id) WHERE cleared_at IS NULL")
        }
        migrator.registerMigration("v10: disabled accounts, audit by subject") { db in
            // An account is disabled, never deleted: the audit log names it, and it can be enabled
            // again. The audit trail pages (a clip's chain of custody, an item's history) read
            // the log by subject.
            try db.execute(sql: """
                ALTER TABLE users ADD COLUMN disabled_at REAL;
                CREATE INDEX audit_subject ON audit_log(subject);
                """)
        }
        migrator.registerMigration("v11: content analysis") { db in
            // What each stored clip showed and sounded like (issue 14): a durable queue of clips to
            // analyse (any node takes one under a lease), each clip's per-second profile, and its
            // obscured, frozen and muted stretches (seconds from its first frame). Every stored
            // clip waits for its analysis. Keyed by SHA-256 alone (WITHOUT ROWID: one B-tree, not a
            // table and its key's index), so each hand-in pays for as little as can be.
            try db.execute(sql: """
                CREATE TABLE content_analysis (
                    sha256 TEXT PRIMARY KEY,
                    state TEXT NOT NULL DEFAULT 'pending',
                    attempts INTEGER NOT NULL DEFAULT 0,
                    lease_owner TEXT,
                    lease_until REAL,
                    queued_at REAL NOT NULL,
                    analyzed_at REAL,
                    duration REAL,
                    keyframe_interval REAL,
                    profile TEXT,
                    error TEXT
                ) WITHOUT ROWID;
                CREATE INDEX content_analysis_pending ON content_analysis(queued_at) WHERE state = 'pending';
                CREATE TABLE content_stretches (
                    sha256 TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    start REAL NOT NULL,
                    end REAL NOT NULL,
                    PRIMARY KEY (sha256, kind, start)
                ) WITHOUT ROWID;
                ALTER TABLE coverage ADD COLUMN usable REAL;
                ALTER TABLE findings ADD COLUMN usable_coverage REAL;
                INSERT INTO content_analysis (sha256, state, queued_at) SELECT sha256, 'pending', stored_at FROM evidence WHERE location = 'vault';
                """)
        }
        migrator.registerMigration("v12: attendances") { db in
            // A unit dispatched twice to one call is two attendances (issue 16): a row is keyed by
            // incident, officer and attendance — the export's attendance column when a mapping
            // names one ("id:" + value), else '' for the first and "n:2", … for the next (see
            // DispatchRow.attendanceKey); every row so far is a first. SQLite cannot change a
            // table's UNIQUE constraint, so the table is rebuilt with its ids (links and coverage
            // name rows by id).
            try db.execute(sql: """
                CREATE TABLE dispatch_rows_v12 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    incident_id TEXT NOT NULL,
                    officer_id TEXT NOT NULL,
                    received_at REAL,
                    dispatched_at REAL,
                    arrived_at REAL,
                    cleared_at REAL,
                    category TEXT,
                    priority TEXT,
                    station TEXT,
                    location TEXT,
                    source TEXT NOT NULL,
                    line INTEGER NOT NULL,
                    imported_at REAL NOT NULL,
                    attendance_key TEXT NOT NULL DEFAULT '',
                    UNIQUE (incident_id, officer_id, attendance_key)
                );
                INSERT INTO dispatch_rows_v12 (id, incident_id, officer_id, received_at, dispatched_at, arrived_at, cleared_at,
                    category, priority, station, location, source, line, imported_at, attendance_key)
                SELECT id, incident_id, officer_id, received_at, dispatched_at, arrived_at, cleared_at,
                    category, priority, station, location, source, line, imported_at, ''
                FROM dispatch_rows;
                DELETE FROM sqlite_sequence WHERE name = 'dispatch_rows_v12';
                INSERT INTO sqlite_sequence (name, seq) SELECT 'dispatch_rows_v12', MAX(
                    COALESCE((SELECT MAX(id) FROM dispatch_rows), 0),
                    COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'dispatch_rows'), 0));
                DROP TABLE dispatch_rows;
                ALTER TABLE dispatch_rows_v12 RENAME TO dispatch_rows;
                CREATE INDEX dispatch_officer ON dispatch_rows(officer_id);
                CREATE INDEX dispatch_arrived ON dispatch_rows(arrived_at);
                CREATE INDEX dispatch_open ON dispatch_rows(officer_id) WHERE cleared_at IS NULL;
                """)
        }
        migrator.registerMigration("v13: recorders") { db in
            // Vendors' recorder systems hand recordings in (issue 16): the Axis body-worn
            // "content destination" accounts, its users (UUID → the user-supplied ID, the badge)
            // and cameras, each recording (a container: who, which camera, when activated, its
            // metadata, Transferring or Complete) and its objects (clips, GNSS trail, bookmarks),
            // a stored clip by its SHA-256.
            try db.execute(sql: """
                CREATE TABLE axis_accounts (
                    user_name TEXT PRIMARY KEY,
                    key_hash TEXT NOT NULL,
                    site TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE axis_users (
                    uuid TEXT PRIMARY KEY,
                    user_id TEXT,
                    name TEXT,
                    active INTEGER NOT NULL DEFAULT 1,
                    updated_at REAL NOT NULL
                );
                CREATE TABLE axis_devices (
                    serial TEXT PRIMARY KEY,
                    name TEXT,
                    updated_at REAL NOT NULL
                );
                CREATE TABLE axis_recordings (
                    container TEXT PRIMARY KEY,
                    user_uuid TEXT NOT NULL,
                    serial TEXT NOT NULL,
                    officer_id TEXT NOT NULL,
                    trigger_on_time REAL NOT NULL,
                    start_time REAL,
                    metadata TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'transferring',
                    created_at REAL NOT NULL,
                    completed_at REAL
                );
                CREATE TABLE axis_objects (
                    container TEXT NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    metadata TEXT NOT NULL,
                    body TEXT,
                    size INTEGER NOT NULL DEFAULT 0,
                    sha256 TEXT,
                    prebuffer REAL,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (container, name)
                );
                CREATE INDEX axis_objects_sha256 ON axis_objects(sha256);
                """)
        }
        migrator.registerMigration("v14: camera clocks") { db in
            // What a camera's clock read beside the true time (issue 16): a check-out log's
            // device_time_at_return against returned_at. offset = camera − true, seconds; links
            // and findings correct the camera's times by it and say so (clock_offset); a
            // camera off by more than the limit is a finding of its own (device_id).
            try db.execute(sql: """
                CREATE TABLE device_clock (
                    device_id TEXT NOT NULL,
                    observed_at REAL NOT NULL,
                    "offset" REAL NOT NULL,
                    officer_id TEXT,
                    source TEXT NOT NULL,
                    PRIMARY KEY (device_id, observed_at)
                );
                CREATE INDEX device_clock_officer ON device_clock(officer_id);
                ALTER TABLE findings ADD COLUMN clock_offset REAL;
                ALTER TABLE findings ADD COLUMN device_id TEXT;
                """)
        }
        return migrator
    }
}
