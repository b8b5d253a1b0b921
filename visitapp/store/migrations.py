"""Named, ordered, transactional schema migrations, recorded in `schema_migrations`.

Each migration is frozen SQL: once released it never changes, so a tablet that skipped
several app versions upgrades exactly as one that took each. A migration runs inside one
`BEGIN IMMEDIATE` transaction with its record, so a crash mid-upgrade leaves the old
schema intact. Never drop or rewrite `ops` here: unsynced operations must survive every
upgrade (tests/store/test_migrations.py upgrades a database holding pending ops).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from visitapp.errors import StoreError


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "0001_oplog_and_visits",
        """
        CREATE TABLE device (
            id TEXT PRIMARY KEY,
            next_seq INTEGER NOT NULL,
            hlc INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE form_versions (
            hash TEXT PRIMARY KEY,
            form_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            area_kind TEXT NOT NULL,
            title TEXT NOT NULL,
            content TEXT NOT NULL
        );
        CREATE TABLE ops (
            op_id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            hlc INTEGER NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            field TEXT NOT NULL,
            value TEXT NOT NULL,
            prev_op_id TEXT,
            author TEXT,
            confirmed INTEGER NOT NULL DEFAULT 0,
            pushed INTEGER NOT NULL DEFAULT 0,
            UNIQUE (device_id, seq)
        );
        CREATE INDEX ix_ops_visit_id ON ops (visit_id, hlc);
        CREATE INDEX ix_ops_pending ON ops (pushed) WHERE pushed = 0;
        CREATE TABLE field_clock (
            visit_id TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            field TEXT NOT NULL,
            op_id TEXT NOT NULL,
            hlc INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            PRIMARY KEY (visit_id, entity, entity_id, field)
        ) WITHOUT ROWID;
        CREATE TABLE visits (
            id TEXT PRIMARY KEY,
            system TEXT, trust TEXT, site TEXT, date TEXT, visit_type TEXT,
            follows_visit_id TEXT, status TEXT, team TEXT, people_met TEXT,
            data_reviewed TEXT, created_at TEXT
        );
        CREATE TABLE areas (
            visit_id TEXT NOT NULL,
            key TEXT NOT NULL,
            kind TEXT, label TEXT, form_hash TEXT, position INTEGER, deleted INTEGER,
            PRIMARY KEY (visit_id, key)
        );
        CREATE TABLE answers (
            visit_id TEXT NOT NULL,
            area_key TEXT NOT NULL,
            item_id TEXT NOT NULL,
            value TEXT, answered_by TEXT, answered_at TEXT, note TEXT, note_confirmed INTEGER,
            PRIMARY KEY (visit_id, area_key, item_id)
        );
        CREATE TABLE findings (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL,
            kind TEXT, text TEXT, text_confirmed INTEGER, pathway TEXT, area_key TEXT,
            item_ids TEXT, horizon TEXT, owner TEXT, position INTEGER, deleted INTEGER,
            created_by TEXT, created_at TEXT
        );
        CREATE INDEX ix_findings_visit_id ON findings (visit_id);
        """,
    ),
    Migration(
        "0002_attachments",
        """
        CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            content_type TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE attachments (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL,
            sha256 TEXT, report_sha256 TEXT, area_key TEXT, item_id TEXT, caption TEXT,
            caption_confirmed INTEGER, content_type TEXT, width INTEGER, height INTEGER,
            deleted INTEGER, created_by TEXT, created_at TEXT
        );
        CREATE INDEX ix_attachments_visit_id ON attachments (visit_id);
        """,
    ),
    Migration(
        "0003_sync",
        # Sync state, the conflict tables (visitapp/store/sync_state.py) and an index to
        # read one field's ops. Forked fields merged before this version are marked stale
        # and their conflicts worked out on first look.
        """
        CREATE TABLE sync_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            server_url TEXT,
            cursor INTEGER NOT NULL DEFAULT 0,
            enrolled_at TEXT,
            last_sync_at TEXT,
            last_attempt_at TEXT,
            last_error TEXT,
            clock_skew_ms INTEGER
        );
        INSERT INTO sync_state (id, cursor) VALUES (1, 0);
        CREATE TABLE sync_rejections (
            op_id TEXT PRIMARY KEY,
            reason TEXT NOT NULL,
            rejected_at TEXT NOT NULL
        );
        CREATE TABLE sync_blobs (
            sha256 TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            detail TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE conflicts (
            visit_id TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            field TEXT NOT NULL,
            op_id TEXT NOT NULL,
            winner_op_id TEXT NOT NULL,
            PRIMARY KEY (visit_id, entity, entity_id, field, op_id)
        ) WITHOUT ROWID;
        CREATE TABLE forked_fields (
            visit_id TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            field TEXT NOT NULL,
            stale INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (visit_id, entity, entity_id, field)
        ) WITHOUT ROWID;
        CREATE INDEX ix_ops_field ON ops (visit_id, entity, entity_id, field);
        INSERT INTO forked_fields (visit_id, entity, entity_id, field, stale)
            SELECT visit_id, entity, entity_id, field, 1 FROM ops
            GROUP BY visit_id, entity, entity_id, field HAVING COUNT(*) > 1
        """,
    ),
    Migration(
        "0004_visit_scoped_keys",
        # Findings and photos were keyed by their own id alone, so an op naming another
        # visit's finding (only a bad op could: ids are UUIDs) would have changed it. Like
        # areas and answers, they are now keyed within their visit.
        """
        CREATE TABLE findings_new (
            visit_id TEXT NOT NULL,
            id TEXT NOT NULL,
            kind TEXT, text TEXT, text_confirmed INTEGER, pathway TEXT, area_key TEXT,
            item_ids TEXT, horizon TEXT, owner TEXT, position INTEGER, deleted INTEGER,
            created_by TEXT, created_at TEXT,
            PRIMARY KEY (visit_id, id)
        );
        INSERT INTO findings_new (visit_id, id, kind, text, text_confirmed, pathway, area_key,
                                  item_ids, horizon, owner, position, deleted, created_by,
                                  created_at)
            SELECT visit_id, id, kind, text, text_confirmed, pathway, area_key, item_ids,
                   horizon, owner, position, deleted, created_by, created_at FROM findings;
        DROP TABLE findings;
        ALTER TABLE findings_new RENAME TO findings;
        CREATE TABLE attachments_new (
            visit_id TEXT NOT NULL,
            id TEXT NOT NULL,
            sha256 TEXT, report_sha256 TEXT, area_key TEXT, item_id TEXT, caption TEXT,
            caption_confirmed INTEGER, content_type TEXT, width INTEGER, height INTEGER,
            deleted INTEGER, created_by TEXT, created_at TEXT,
            PRIMARY KEY (visit_id, id)
        );
        INSERT INTO attachments_new (visit_id, id, sha256, report_sha256, area_key, item_id,
                                     caption, caption_confirmed, content_type, width, height,
                                     deleted, created_by, created_at)
            SELECT visit_id, id, sha256, report_sha256, area_key, item_id, caption,
                   caption_confirmed, content_type, width, height, deleted, created_by,
                   created_at FROM attachments;
        DROP TABLE attachments;
        ALTER TABLE attachments_new RENAME TO attachments
        """,
    ),
    Migration(
        "0005_sync_quarantine",
        # Ops received that this tablet will not apply, kept with why (store/outbox.py),
        # and the device ids this tablet gave up after it was found restored or copied.
        """
        CREATE TABLE sync_quarantine (
            digest TEXT PRIMARY KEY,
            op_id TEXT,
            source TEXT NOT NULL,
            reason TEXT NOT NULL,
            op TEXT NOT NULL,
            quarantined_at TEXT NOT NULL
        );
        CREATE TABLE device_history (
            device_id TEXT PRIMARY KEY,
            replaced_by TEXT NOT NULL,
            reason TEXT NOT NULL,
            replaced_at TEXT NOT NULL
        )
        """,
    ),
    Migration(
        # An area marked as walked and done (issue 12). NULL reads as not done.
        "0007_area_done",
        """
        ALTER TABLE areas ADD COLUMN done INTEGER
        """,
    ),
    Migration(
        # Signed ops (issue 10): each op's Ed25519 signature (NULL: a legacy op, made
        # before this version), the tablet's own private key (made on first open, see
        # store.db), the public keys of the devices whose ops it holds, the office's key
        # pinned at enrolment and the device id this tablet registered its key under.
        "0008_signed_ops",
        """
        ALTER TABLE ops ADD COLUMN sig TEXT;
        ALTER TABLE device ADD COLUMN private_key BLOB;
        ALTER TABLE sync_state ADD COLUMN office_public_key TEXT;
        ALTER TABLE sync_state ADD COLUMN registered_device_id TEXT;
        CREATE TABLE device_keys (
            device_id TEXT PRIMARY KEY,
            public_key TEXT NOT NULL
        )
        """,
    ),
    Migration(
        # Flat costs as history grows (issue 15). 0008 belongs to the sync signing change;
        # the two are independent, so either may be applied first.
        # - pending_ops: unsent ops per visit, kept exact by triggers on `ops` (so every
        #   path that writes, settles or deletes ops counts, with no Python to forget);
        #   the unsynced count reads a handful of rows instead of every pending op.
        # (Triggers say ON CONFLICT DO NOTHING, not INSERT OR IGNORE: an OR clause in a
        # trigger gives way to the conflict policy of the statement that fired it.)
        # - area_summary / visit_summary: progress and RAG per area and per visit, for
        #   the visits screen; triggers on what they are computed from mark an area
        #   stale, and Database.write() recomputes stale areas before it commits
        #   (visitapp/store/summaries.py), so they change in the op's own transaction.
        "0009_pending_counts_and_summaries",
        """
        CREATE TABLE pending_ops (
            visit_id TEXT PRIMARY KEY,
            count INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO pending_ops (visit_id, count)
            SELECT visit_id, COUNT(*) FROM ops WHERE pushed = 0 GROUP BY visit_id;
        CREATE TRIGGER pending_ops_on_insert AFTER INSERT ON ops WHEN NEW.pushed = 0
        BEGIN
            INSERT INTO pending_ops (visit_id, count) VALUES (NEW.visit_id, 1)
                ON CONFLICT (visit_id) DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER pending_ops_on_settle AFTER UPDATE OF pushed ON ops
            WHEN (OLD.pushed = 0) != (NEW.pushed = 0)
        BEGIN
            INSERT INTO pending_ops (visit_id, count) VALUES (NEW.visit_id, 0)
                ON CONFLICT (visit_id) DO NOTHING;
            UPDATE pending_ops SET count = count + CASE WHEN NEW.pushed = 0 THEN 1 ELSE -1 END
                WHERE visit_id = NEW.visit_id;
        END;
        CREATE TRIGGER pending_ops_on_delete AFTER DELETE ON ops WHEN OLD.pushed = 0
        BEGIN
            UPDATE pending_ops SET count = count - 1 WHERE visit_id = OLD.visit_id;
        END;
        CREATE TRIGGER pending_ops_on_move AFTER UPDATE OF visit_id ON ops
            WHEN NEW.pushed = 0 AND NEW.visit_id != OLD.visit_id
        BEGIN
            UPDATE pending_ops SET count = count - 1 WHERE visit_id = OLD.visit_id;
            INSERT INTO pending_ops (visit_id, count) VALUES (NEW.visit_id, 1)
                ON CONFLICT (visit_id) DO UPDATE SET count = count + 1;
        END;
        CREATE TABLE area_summary (
            visit_id TEXT NOT NULL,
            area_key TEXT NOT NULL,
            answered INTEGER NOT NULL,
            visible INTEGER NOT NULL,
            required_missing INTEGER NOT NULL,
            green INTEGER NOT NULL,
            amber INTEGER NOT NULL,
            red INTEGER NOT NULL,
            rag TEXT,
            visible_items TEXT NOT NULL,
            PRIMARY KEY (visit_id, area_key)
        ) WITHOUT ROWID;
        CREATE TABLE visit_summary (
            visit_id TEXT PRIMARY KEY,
            areas INTEGER NOT NULL,
            answered INTEGER NOT NULL,
            visible INTEGER NOT NULL,
            required_missing INTEGER NOT NULL,
            green INTEGER NOT NULL,
            amber INTEGER NOT NULL,
            red INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE summary_stale (
            visit_id TEXT NOT NULL,
            area_key TEXT NOT NULL,
            PRIMARY KEY (visit_id, area_key)
        ) WITHOUT ROWID;
        INSERT INTO summary_stale (visit_id, area_key) SELECT visit_id, key FROM areas;
        CREATE TRIGGER summary_on_area_insert AFTER INSERT ON areas BEGIN
            INSERT INTO summary_stale VALUES (NEW.visit_id, NEW.key)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER summary_on_area_update AFTER UPDATE ON areas BEGIN
            INSERT INTO summary_stale VALUES (NEW.visit_id, NEW.key)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER summary_on_area_delete AFTER DELETE ON areas BEGIN
            INSERT INTO summary_stale VALUES (OLD.visit_id, OLD.key)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER summary_on_answer_insert AFTER INSERT ON answers BEGIN
            INSERT INTO summary_stale VALUES (NEW.visit_id, NEW.area_key)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER summary_on_answer_update AFTER UPDATE ON answers BEGIN
            INSERT INTO summary_stale VALUES (NEW.visit_id, NEW.area_key)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER summary_on_answer_delete AFTER DELETE ON answers BEGIN
            INSERT INTO summary_stale VALUES (OLD.visit_id, OLD.area_key)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER summary_on_rating_insert AFTER INSERT ON field_clock
            WHEN NEW.entity IN ('rating', 'area_rating')
        BEGIN
            INSERT INTO summary_stale VALUES (NEW.visit_id, CASE NEW.entity
                WHEN 'rating' THEN substr(NEW.entity_id, 1, instr(NEW.entity_id, '/') - 1)
                ELSE NEW.entity_id END)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER summary_on_rating_update AFTER UPDATE OF op_id ON field_clock
            WHEN NEW.entity IN ('rating', 'area_rating')
        BEGIN
            INSERT INTO summary_stale VALUES (NEW.visit_id, CASE NEW.entity
                WHEN 'rating' THEN substr(NEW.entity_id, 1, instr(NEW.entity_id, '/') - 1)
                ELSE NEW.entity_id END)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER summary_on_rating_delete AFTER DELETE ON field_clock
            WHEN OLD.entity IN ('rating', 'area_rating')
        BEGIN
            INSERT INTO summary_stale VALUES (OLD.visit_id, CASE OLD.entity
                WHEN 'rating' THEN substr(OLD.entity_id, 1, instr(OLD.entity_id, '/') - 1)
                ELSE OLD.entity_id END)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER summary_on_form AFTER INSERT ON form_versions BEGIN
            INSERT INTO summary_stale
                SELECT visit_id, key FROM areas WHERE form_hash = NEW.hash
                ON CONFLICT DO NOTHING;
        END
        """,
    ),
    Migration(
        # What the programme office sends (issue 14), made from its signed ops: the status
        # of each visit's actions, the exemplar library, and the checklist version
        # published for each area kind. (0008 and 0009 belong to other work.)
        "0010_office_data",
        """
        CREATE TABLE actions (
            visit_id TEXT NOT NULL,
            id TEXT NOT NULL,
            text TEXT, owner TEXT, horizon TEXT, status TEXT, updated TEXT, due TEXT,
            PRIMARY KEY (visit_id, id)
        );
        CREATE TABLE exemplars (
            id TEXT PRIMARY KEY,
            title TEXT, what_they_do TEXT, system TEXT, area_kind TEXT, evidence TEXT,
            contact_role TEXT, pathway TEXT, tags TEXT, deleted INTEGER
        );
        CREATE INDEX ix_exemplars_area_kind ON exemplars (area_kind);
        CREATE TABLE published_forms (
            area_kind TEXT PRIMARY KEY,
            form_hash TEXT, form_id TEXT, version INTEGER, published_at TEXT
        )
        """,
    ),
    Migration(
        # The sync token inside the encrypted store (issue 16), no longer a file beside it.
        # services/sync.py moves an old `<database>.sync-token` file in on first use.
        "0011_sync_token_in_store",
        """
        ALTER TABLE sync_state ADD COLUMN token TEXT
        """,
    ),
    Migration(
        # The visits screen lists a page of visits, newest first (issue 15): in this
        # order, SQLite reads the first page's rows without sorting every visit.
        "0012_visits_listed_in_order",
        """
        CREATE INDEX ix_visits_listed ON visits (date DESC, system)
        """,
    ),
)


def applied(conn: sqlite3.Connection) -> list[str]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    return [row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]


def pending(conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[Migration]:
    done = set(applied(conn))
    known = {m.name for m in migrations}
    unknown = sorted(done - known)
    if unknown:
        raise StoreError(
            f"this database was written by a newer version of the app (migration {unknown[-1]}); "
            "update the app before opening it"
        )
    return [m for m in migrations if m.name not in done]


def apply(conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS,
          upto: str | None = None) -> list[str]:
    """Apply pending migrations in order (up to and including `upto`), each atomically."""
    names: list[str] = []
    for migration in pending(conn, migrations):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-check inside the write lock: another process may have just migrated.
            if conn.execute("SELECT 1 FROM schema_migrations WHERE name = ?",
                            (migration.name,)).fetchone() is None:
                for statement in _statements(migration.sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                    (migration.name, datetime.now(UTC).isoformat(timespec="seconds")),
                )
                names.append(migration.name)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if upto is not None and migration.name == upto:
            break
    return names


def _statements(sql: str) -> list[str]:
    # executescript() would COMMIT our transaction first; run statement by statement.
    # A trigger body holds semicolons of its own: join pieces until SQLite calls the
    # statement complete.
    statements: list[str] = []
    pending = ""
    for piece in sql.split(";"):
        pending = f"{pending};{piece}" if pending else piece
        if sqlite3.complete_statement(pending + ";"):
            if pending.strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements
