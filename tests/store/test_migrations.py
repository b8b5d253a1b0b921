"""Schema migrations: named, ordered, transactional, and they never drop pending ops."""

from __future__ import annotations

import sqlite3

import pytest
from sqlmodel import SQLModel

import visitapp.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from visitapp.errors import StoreError
from visitapp.store import migrations
from visitapp.store.db import Database
from visitapp.store.migrations import MIGRATIONS, Migration


def old_database(path, upto: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    migrations.apply(conn, MIGRATIONS[:upto])
    return conn


def test_migrations__have_unique_ordered_names():
    names = [m.name for m in MIGRATIONS]
    assert names == sorted(names)
    assert len(set(names)) == len(names)


def test_migrated_schema__matches_the_sqlmodel_tables(tmp_path):
    db = Database(tmp_path / "t.db")
    with db.read() as conn:
        for table in SQLModel.metadata.sorted_tables:
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table.name})")}
            assert columns == {c.name for c in table.columns}, table.name
    db.close()


def test_upgrade_from_the_previous_version__keeps_every_unsynced_op(tmp_path):
    path = tmp_path / "old.db"
    conn = old_database(path, upto=len(MIGRATIONS) - 1)
    conn.execute("INSERT INTO device (id, next_seq, hlc, created_at) VALUES ('dev-old', 41, 0, 'x')")
    for seq in range(1, 41):
        conn.execute(
            "INSERT INTO ops (op_id, visit_id, device_id, seq, hlc, entity, entity_id, field, "
            "value, author, pushed) VALUES (?, 'v1', 'dev-old', ?, ?, 'answer', ?, 'value', "
            "'\"green\"', 'Old app', ?)",
            (f"op-{seq}", seq, seq << 16, f"ed-aaaa/ed.item{seq}", int(seq <= 10)))
    conn.close()

    db = Database(path)
    with db.read() as c:
        names = [r[0] for r in c.execute("SELECT name FROM schema_migrations ORDER BY name")]
        ops = c.execute("SELECT op_id, pushed FROM ops ORDER BY seq").fetchall()
        device = c.execute("SELECT id, next_seq FROM device").fetchone()
    db.close()
    assert names == [m.name for m in MIGRATIONS]
    assert len(ops) == 40
    assert sum(1 for _, pushed in ops if not pushed) == 30
    # Signed ops (0008): the tablet gets a key and an id made from it for its new ops;
    # its old ops keep theirs, and the old id is remembered (the office binds it to it).
    assert device[0].startswith("k-") and device[1] == 1
    with Database(path).read() as c:
        assert c.execute("SELECT COUNT(*) FROM ops WHERE device_id = 'dev-old' "
                         "AND sig IS NULL").fetchone()[0] == 40
        assert c.execute("SELECT device_id, replaced_by FROM device_history").fetchall() == [
            ("dev-old", device[0])]


def test_a_failing_migration__leaves_the_database_as_it_was(tmp_path):
    conn = old_database(tmp_path / "t.db", upto=1)
    broken = MIGRATIONS[:1] + (Migration("0099_broken", "CREATE TABLE extra (x); SELECT * FROM nope"),)
    with pytest.raises(sqlite3.OperationalError):
        migrations.apply(conn, broken)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "extra" not in tables
    assert migrations.applied(conn) == [MIGRATIONS[0].name]


def test_a_database_from_a_newer_app__is_refused_with_a_clear_error(tmp_path):
    conn = old_database(tmp_path / "t.db", upto=len(MIGRATIONS))
    conn.execute("INSERT INTO schema_migrations VALUES ('9999_future', 'x')")
    conn.close()
    with pytest.raises(StoreError, match="newer version of the app"):
        Database(tmp_path / "t.db")


def test_database__runs_in_wal_with_full_sync_and_foreign_keys(tmp_path):
    db = Database(tmp_path / "t.db")
    with db.read() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    db.close()


def test_visit_scoped_keys_migration__keeps_findings_and_photos(tmp_path):
    path = tmp_path / "old.db"
    names = [m.name for m in MIGRATIONS]
    conn = old_database(path, upto=names.index("0004_visit_scoped_keys"))
    conn.execute("INSERT INTO findings (id, visit_id, kind, text) VALUES ('f1', 'v1', 'strength', 'Kept')")
    conn.execute("INSERT INTO attachments (id, visit_id, sha256, caption) VALUES ('p1', 'v1', 'abc', 'Sign')")
    conn.close()
    db = Database(path)
    with db.read() as c:
        assert c.execute("SELECT visit_id, id, kind, text FROM findings").fetchall() == [
            ("v1", "f1", "strength", "Kept")]
        assert c.execute("SELECT visit_id, id, sha256, caption FROM attachments").fetchall() == [
            ("v1", "p1", "abc", "Sign")]
        keys = [r[1] for r in c.execute("PRAGMA table_info(findings)") if r[5]]
    db.close()
    assert keys == ["visit_id", "id"]
