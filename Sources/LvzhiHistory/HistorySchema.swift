import GRDB

extension HistoryStore {
    /// The migrations this version knows, oldest first. Never edit a shipped migration: add
    /// the next one ("v2" …) and a test that opens a database of the previous version.
    static let migrationNames: Set<String> = ["v1", "v2", "v3"]

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: schemaV1)
            // Published runs and everything recorded with them are immutable.
            try db.execute(sql: """
                CREATE TRIGGER run_published_no_update BEFORE UPDATE ON run WHEN OLD.status = 'published'
                BEGIN SELECT RAISE(ABORT, 'lvzhi: published runs are immutable'); END;
                CREATE TRIGGER run_published_no_delete BEFORE DELETE ON run WHEN OLD.status = 'published'
                BEGIN SELECT RAISE(ABORT, 'lvzhi: published runs are immutable'); END;
                """)
            for table in ["member_result", "run_input", "correction"] {
                for (event, row) in [("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")] {
                    try db.execute(sql: """
                        CREATE TRIGGER \(table)_published_no_\(event.lowercased()) BEFORE \(event) ON \(table)
                        WHEN (SELECT status FROM run WHERE id = \(row).run_id) = 'published'
                        BEGIN SELECT RAISE(ABORT, 'lvzhi: published runs are immutable'); END;
                        """)
                }
            }
        }
        // v2: the size of each member's ranking scope, so that "bottom N (or N%) two years
        // running" can be decided from stored runs. Runs recorded under v1 keep NULL (unknown).
        m.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE member_result ADD COLUMN ranked_in_scope INTEGER")
        }
        // v3: runs recorded before their output folder is swapped into place. A run is
        // committed here first (hidden from every reader), then the folder is swapped, then the
        // row below is removed (and the run published if asked). A run killed in between leaves
        // this row; the next run on the same output folder completes it when the folder's
        // manifest carries its token (the swap happened), and removes the run otherwise.
        m.registerMigration("v3") { db in
            try db.execute(sql: """
                CREATE TABLE pending_commit (
                  run_id INTEGER PRIMARY KEY REFERENCES run(id),
                  out_path TEXT NOT NULL,     -- the output folder, absolute
                  token TEXT NOT NULL,        -- the commit token written into the folder's manifest
                  publish INTEGER NOT NULL,   -- 1: publish when completed
                  supersede INTEGER NOT NULL,
                  published_at TEXT
                );
                """)
        }
        return m
    }

    /// The first schema. Times are ISO 8601 text with zone; days `YYYY-MM-DD`; scores integer
    /// ten-thousandths of a point; JSON columns hold exact decimal text, never REAL.
    static let schemaV1 = """
        CREATE TABLE run (
          id INTEGER PRIMARY KEY,
          run_time TEXT NOT NULL,
          period_start TEXT NOT NULL,
          period_end TEXT NOT NULL,
          period_label TEXT NOT NULL,
          rules_path TEXT NOT NULL,
          rules_name TEXT NOT NULL,
          rules_version TEXT NOT NULL,
          rules_sha256 TEXT NOT NULL,
          extends_path TEXT,
          extends_sha256 TEXT,
          tool_version TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
          published_at TEXT,
          supersedes INTEGER REFERENCES run(id),
          member_count INTEGER NOT NULL,
          records_read INTEGER NOT NULL,
          records_scored INTEGER NOT NULL,
          rejected INTEGER NOT NULL,
          grades TEXT NOT NULL,       -- JSON [{name, color, hex, count}], best first
          categories TEXT NOT NULL,   -- JSON [{id, name}] in rule-file order
          fingerprint TEXT            -- SHA-256 of the run manifest
        );
        CREATE INDEX run_period ON run (period_start, period_end, rules_name);
        CREATE UNIQUE INDEX run_supersedes ON run (supersedes) WHERE supersedes IS NOT NULL;
        CREATE INDEX run_fingerprint ON run (fingerprint);

        CREATE TABLE run_input (
          run_id INTEGER NOT NULL REFERENCES run(id),
          seq INTEGER NOT NULL,
          role TEXT NOT NULL,         -- members, activities, mapping
          path TEXT NOT NULL,
          sha256 TEXT NOT NULL,
          PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE member_result (
          run_id INTEGER NOT NULL REFERENCES run(id),
          member_id TEXT NOT NULL,
          name TEXT NOT NULL,
          sector TEXT NOT NULL,
          committee TEXT NOT NULL,
          role TEXT NOT NULL,
          score INTEGER NOT NULL,     -- ten-thousandths of a point
          rank INTEGER,               -- NULL: not ranked
          rank_scope TEXT NOT NULL,
          grade_index INTEGER NOT NULL,
          grade TEXT NOT NULL,
          color TEXT NOT NULL,
          partial_period INTEGER NOT NULL,
          vetoes TEXT NOT NULL,       -- JSON [name]
          missed_requirements TEXT NOT NULL, -- JSON [name]
          categories TEXT NOT NULL,   -- JSON {category id: "points"}
          rule_counts TEXT NOT NULL,  -- JSON {rule id: records matched}
          records INTEGER NOT NULL,
          PRIMARY KEY (run_id, member_id)
        ) WITHOUT ROWID;
        CREATE INDEX member_result_member ON member_result (member_id, run_id);

        CREATE TABLE correction (
          run_id INTEGER NOT NULL REFERENCES run(id),
          seq INTEGER NOT NULL,
          action TEXT NOT NULL,
          record_id TEXT NOT NULL,
          member_id TEXT NOT NULL,
          detail TEXT NOT NULL,
          reason TEXT NOT NULL,
          approved_by TEXT NOT NULL,
          source_file TEXT,
          source_line INTEGER,
          source_column INTEGER,
          PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;
        """
}
