"""Issue 10: a tablet restored from a backup, through the CLI with real processes, against
the office on SQLite and on PostgreSQL. It
used to re-use change numbers the office already held and jam itself and its team-mate
with IntegrityErrors; now it takes a new identity, says so, and both converge."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.office_process import start_office, stop_office
from tests.sync.test_end_to_end import OFFICE, office, visitapp
from visitapp.domain import signing


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request, tmp_path):
    """`visitapp-office serve` in its own process, on each database."""
    url = (f"sqlite:///{tmp_path / 'office.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    base, proc = start_office([OFFICE], url)
    try:
        yield base, url
    finally:
        stop_office(proc)


def backup(db: Path, to: Path) -> None:
    # The database is encrypted (its key file beside it does not change): copy the closed
    # file and any WAL, as a file-level backup of the tablet would.
    for suffix in ("", "-wal"):
        part = db.with_name(db.name + suffix)
        if part.exists():
            shutil.copyfile(part, to.with_name(to.name + suffix))


def restore(saved: Path, db: Path) -> None:
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    for suffix in ("", "-wal"):
        part = saved.with_name(saved.name + suffix)
        if part.exists():
            db.with_name(db.name + suffix).write_bytes(part.read_bytes())


def answers(db: Path, vid: str) -> tuple[str, dict]:
    shown = visitapp(db, "visits", "show", vid, "--json").stdout
    return shown, {(a["area_key"], a["item_id"]): a["value"]
                   for a in json.loads(shown)["answers"]}


def test_backup_answer_sync_restore_answer_sync__both_tablets_sync_and_converge(
        served, tmp_path):
    base, url = served
    tokens = [office("device", "add", "--team", "north", "--name", name, "--database-url",
                     url).stdout.strip().splitlines()[-1] for name in ("R1", "R2")]
    r1, r2 = tmp_path / "r1" / "tablet.db", tmp_path / "r2" / "tablet.db"
    for db, token in ((r1, tokens[0]), (r2, tokens[1])):
        enrolled = visitapp(db, "enrol", "--server", base, stdin=token)
        assert "key is registered" in enrolled.stderr
    vid = visitapp(r1, "demo").stdout.strip()
    visitapp(r1, "sync")
    visitapp(r2, "sync")
    area = next(a["key"] for a in json.loads(visitapp(r1, "visits", "show", vid, "--json")
                                             .stdout)["areas"]
                if a["kind"] == "emergency_department")

    saved = tmp_path / "r1-backup.db"
    backup(r1, saved)
    visitapp(r1, "answer", vid, area, "ed.handovers_over_60", "5")
    visitapp(r1, "sync")
    visitapp(r2, "sync")

    restore(saved, r1)  # the tablet comes back from last night's backup
    visitapp(r1, "answer", vid, area, "ed.corridor_patients", "6")
    first = visitapp(r1, "sync")  # exit 0, or run() fails the test
    assert "restored from a backup" in first.stderr
    assert "Traceback" not in first.stderr
    for db in (r2, r1, r2):
        done = visitapp(db, "sync")
        assert "Traceback" not in done.stderr
    shown_1, values_1 = answers(r1, vid)
    shown_2, values_2 = answers(r2, vid)
    assert shown_1 == shown_2
    assert values_1[(area, "ed.handovers_over_60")] == 5  # made before the restore
    assert values_1[(area, "ed.corridor_patients")] == 6  # made after it
    again = visitapp(r1, "sync")
    assert "restored" not in again.stderr  # once, not at every sync
    # Signed end to end: R1 registered a new key through its token (the old key's ops
    # stay valid), every op on the office is signed, and checks against its tablet's key.
    office_db = create_engine(url)  # the office's own tables, on either database
    try:
        with office_db.connect() as conn:
            keys = dict(conn.execute(text("SELECT device_id, public_key FROM device_keys"))
                        .all())
            per_record = dict(conn.execute(text(
                "SELECT d.name, COUNT(*) FROM device_keys k JOIN devices d ON d.id = "
                "k.office_device GROUP BY d.name")).all())
            rows = conn.execute(text(
                "SELECT op_id, visit_id, device_id, seq, hlc, entity, entity_id, field, "
                "value, prev_op_id, author, confirmed, sig FROM ops")).all()
            office_key = conn.execute(text("SELECT public_key FROM office_key")).scalar_one()
    finally:
        office_db.dispose()
    assert per_record == {"R1": 2, "R2": 1}
    names = ("op_id", "visit_id", "device_id", "seq", "hlc", "entity", "entity_id", "field",
             "value", "prev_op_id", "author", "confirmed", "sig")
    every = [{**dict(zip(names, row, strict=True)), "confirmed": bool(row[11])}
             for row in rows]
    # The office's own ops (the demo's recommendations became actions) check against the
    # office's key; the tablets' against theirs.
    made_by_office = [op for op in every if op["device_id"].startswith(signing.OFFICE_PREFIX)]
    assert [signing.verify(op, office_key, signing.OFFICE_PREFIX)
            for op in made_by_office] == [None] * len(made_by_office)
    ops = [op for op in every if op not in made_by_office]
    assert ops and all(op["sig"] for op in every)
    assert [signing.verify(op, keys[op["device_id"]]) for op in ops] == [None] * len(ops)
    assert len({op["device_id"] for op in ops}) == 2  # R1's new key, and R1's old one
