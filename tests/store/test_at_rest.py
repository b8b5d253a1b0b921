"""A lost tablet gives nothing away: the database and every stored file are encrypted, the
PIN unlocks them (with waits after wrong ones), a PIN change rewraps, and a tablet from
before encryption is encrypted in place without losing an op or a file."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import TEST_KDF, TEST_PIN, open_test_services
from visitapp.errors import BadPin, PinLockedOut, StoreError, WrongPin
from visitapp.services.app import Services, services_for
from visitapp.services.bundles import export_visit
from visitapp.services.demo import generated_photo
from visitapp.services.feedback import mark_presented, write_report_pdf
from visitapp.store import keys, sealed_files
from visitapp.store.db import Database, is_plain_sqlite
from visitapp.store.keys import DEFAULT_KDF

SIGNATURES = {"JPEG": b"\xff\xd8\xff", "PNG": b"\x89PNG", "PDF": b"%PDF"}


def fill(services: Services, tmp_path: Path) -> str:
    """A visit with answers, a note, a JPEG and a PNG photo and a presented PDF."""
    vid = services.visits.create_visit(
        system="At-rest test system (fictional)", date="2026-11-27", visit_type="diagnostic",
        areas=[("emergency_department", "")])
    area = services.visits.load(vid).areas[0]
    services.visits.answer(vid, area.key, "ed.handovers_over_30", "12", author="Alex")
    services.visits.set_note(vid, area.key, "ed.handovers_over_30",
                             "Frank view: the handover bay is too small", author="Alex")
    services.attachments.attach_photo(vid, generated_photo(3, (800, 600)), caption="Bay")
    png = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 120, 200)).save(png, "PNG")
    services.attachments.attach_photo(vid, png.getvalue(), caption="Diagram")
    pdf = tmp_path / "feedback.pdf"
    write_report_pdf(services, vid, pdf)
    mark_presented(services, vid, pdf, by="Alex")
    return vid


def stored_files(db_path: Path) -> list[Path]:
    folder = db_path.parent / (db_path.stem + "-files")
    return sorted(p for p in folder.rglob("*") if p.is_file())


def everything(services: Services) -> tuple[list[tuple], dict[str, bytes]]:
    """Every op (as stored) and every stored file's plain bytes."""
    with services.db.read() as conn:
        ops = conn.execute("SELECT * FROM ops ORDER BY op_id").fetchall()
    shas = [p.name for p in stored_files(services.db.path)]
    return ops, {sha: services.blobs.read(sha) for sha in shas}


def test_plain_sqlite__cannot_read_the_database(services, tmp_path):
    fill(services, tmp_path)
    path = services.db.path
    assert not is_plain_sqlite(path)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(path).execute("SELECT COUNT(*) FROM ops").fetchone()
    # Not even the words typed: no note, no system name anywhere in the file or its WAL.
    for part in (path, path.with_name(path.name + "-wal")):
        if part.exists():
            raw = part.read_bytes()
            assert b"handover bay" not in raw and b"At-rest test system" not in raw


def test_no_stored_file__starts_with_a_jpeg_png_or_pdf_signature(services, tmp_path):
    vid = fill(services, tmp_path)
    files = stored_files(services.db.path)
    assert len(files) == 3  # a JPEG, a PNG (small: each its own report copy) and the PDF
    for file in files:
        head = file.read_bytes()[:8]
        assert head.startswith(sealed_files.MAGIC), file
        assert not any(head.startswith(sig) for sig in SIGNATURES.values()), file
    # ...yet each reads back as the plain file it was, with its hash of the plain bytes.
    kinds = {services.blobs.read(f.name)[:4] for f in files}
    assert {k[:3] for k in kinds} >= {SIGNATURES["JPEG"], SIGNATURES["PNG"][:3],
                                      SIGNATURES["PDF"][:3]}
    for file in files:
        assert hashlib.sha256(services.blobs.read(file.name)).hexdigest() == file.name
    # The report still draws the photos (from plain copies that are gone afterwards).
    write_report_pdf(services, vid, tmp_path / "again.pdf")
    assert not any(p.exists() for p in [services.blobs.plain_path(f.name) for f in files]
                   if p is not None)


def test_a_sealed_file_moved_under_another_name__does_not_open(services, tmp_path):
    fill(services, tmp_path)
    first, second = stored_files(services.db.path)[:2]
    second.write_bytes(first.read_bytes())
    with pytest.raises(StoreError, match="damaged or not this tablet's"):
        services.blobs.read(second.name)


def test_wrong_pin__opens_nothing_and_the_waits_hold(db_path, tmp_path):
    s = open_test_services(db_path)
    vid = fill(s, tmp_path)
    before = everything(s)
    s.close()
    clock = [1_000_000.0]

    def attempt(pin: str) -> Services:
        return open_test_services(db_path, pin=pin, now=lambda: clock[0])

    for n in range(1, 6):
        with pytest.raises(WrongPin):
            attempt("111111")
        assert keys.read_key_file(keys.key_path(db_path)).failures == n
    # After five wrong PINs the next try waits 30 s: even the right PIN is not tried.
    with pytest.raises(PinLockedOut) as locked:
        attempt(TEST_PIN)
    assert locked.value.wait_s == 30
    clock[0] += 29
    with pytest.raises(PinLockedOut):
        attempt(TEST_PIN)
    clock[0] += 1
    with pytest.raises(WrongPin, match="wait 60 seconds"):
        attempt("222222")
    clock[0] += 59
    with pytest.raises(PinLockedOut):
        attempt(TEST_PIN)
    # A clock set back a day cannot stretch the wait past its full length.
    clock[0] -= 86_400
    with pytest.raises(PinLockedOut) as locked:
        attempt(TEST_PIN)
    assert locked.value.wait_s == 60
    clock[0] += 86_400 + 1
    # A malformed PIN is refused without counting (it can never be right).
    with pytest.raises(BadPin):
        attempt("12ab56")
    # Nothing was deleted for the wrong tries: the right PIN opens everything as it was.
    s = attempt(TEST_PIN)
    try:
        assert everything(s) == before
        assert s.visits.load(vid).areas[0].answers["ed.handovers_over_30"].value == 12
    finally:
        s.close()
    assert keys.read_key_file(keys.key_path(db_path)).failures == 0


def test_wrong_tries__are_kept_in_the_key_file__so_a_restart_does_not_reset_them(db_path):
    open_test_services(db_path).close()
    key_file = keys.key_path(db_path)
    for _ in range(5):
        with pytest.raises(WrongPin):
            keys.unlock(key_file, "111111", now=100.0)
    # A new process (only the file is shared) still has to wait out the 30 s.
    with pytest.raises(PinLockedOut):
        keys.unlock(key_file, TEST_PIN, now=110.0)
    assert keys.unlock(key_file, TEST_PIN, now=130.0) is not None


def test_pin_change__rewraps_without_re_encrypting_and_keeps_everything_readable(
        db_path, tmp_path):
    s = open_test_services(db_path)
    fill(s, tmp_path)
    before = everything(s)
    s.close()
    raw_before = {p: p.read_bytes() for p in [db_path, *stored_files(db_path)]}
    keys.change_pin(keys.key_path(db_path), TEST_PIN, "97531086", now=0.0, kdf=TEST_KDF)
    assert {p: p.read_bytes() for p in raw_before} == raw_before  # not one byte re-encrypted
    with pytest.raises(WrongPin):
        open_test_services(db_path)
    s = open_test_services(db_path, pin="97531086")
    try:
        assert everything(s) == before
    finally:
        s.close()


def test_change_pin__refuses_a_short_new_pin_and_a_wrong_old_one(db_path):
    open_test_services(db_path).close()
    key_file = keys.key_path(db_path)
    with pytest.raises(BadPin, match="6 or more digits"):
        keys.change_pin(key_file, TEST_PIN, "12345", now=0.0)
    with pytest.raises(WrongPin):
        keys.change_pin(key_file, "000000", "13572468", now=0.0)
    keys.unlock(key_file, TEST_PIN, now=0.0)  # unchanged


def test_default_key_derivation__is_argon2id_at_64_mib(db_path):
    s = open_test_services(db_path, kdf=DEFAULT_KDF)
    s.close()
    kdf = keys.read_key_file(keys.key_path(db_path)).kdf
    assert (kdf.memory_kib, kdf.time_cost) == (65536, 3)
    open_test_services(db_path).close()  # and it opens with the PIN


def test_a_lost_key_file__is_one_clear_error(db_path):
    open_test_services(db_path).close()
    keys.key_path(db_path).unlink()
    with pytest.raises(StoreError, match="key file tablet.db.key is missing"):
        open_test_services(db_path)


def test_owner_only_modes__database_key_files_folder_and_exports(services, tmp_path):
    vid = fill(services, tmp_path)
    path = services.db.path
    bundle = tmp_path / "out" / "visit.zip"
    export_visit(services, vid, bundle)
    pdf = tmp_path / "report.pdf"
    write_report_pdf(services, vid, pdf)
    folder = path.parent / (path.stem + "-files")
    files = [path, keys.key_path(path), *stored_files(path), bundle, pdf]
    files += [p for p in (path.with_name(path.name + "-wal"),) if p.exists()]
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    for sub in [folder, *[p for p in folder.iterdir() if p.is_dir()]]:
        assert stat.S_IMODE(sub.stat().st_mode) == 0o700, sub


# --- upgrade: a tablet from before encryption ------------------------------------------------

def plain_tablet(db_path: Path, tmp_path: Path) -> tuple[list[tuple], dict[str, bytes], int]:
    """A tablet as it was before encryption: plain SQLite, plain files, 0644, pending ops."""
    s = services_for(Database(db_path))
    fill(s, tmp_path)
    ops, files = everything(s)
    pending = s.sync.status().pending
    s.close()
    os.chmod(db_path, 0o644)
    assert is_plain_sqlite(db_path) and files
    assert all(f.read_bytes()[:3] in {b"\xff\xd8\xff", b"\x89PN", b"%PD"}
               for f in stored_files(db_path))
    return ops, files, pending


def assert_upgraded(db_path: Path, ops, files, pending) -> None:
    assert not is_plain_sqlite(db_path)
    assert not keys.read_key_file(keys.key_path(db_path)).upgrading
    assert all(sealed_files.is_sealed(f.read_bytes()) for f in stored_files(db_path))
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    s = open_test_services(db_path)
    try:
        assert everything(s) == (ops, files)
        assert s.sync.status().pending == pending > 0
    finally:
        s.close()


def test_upgrade__encrypts_a_plain_tablet_in_place_keeping_every_op_and_file(db_path, tmp_path):
    ops, files, pending = plain_tablet(db_path, tmp_path)
    open_test_services(db_path).close()
    assert not db_path.with_name(db_path.name + ".encrypting").exists()
    assert_upgraded(db_path, ops, files, pending)


@pytest.mark.parametrize("cut_at", ["database swap", "second file"])
def test_upgrade__cut_short_by_a_crash__finishes_on_the_next_start(db_path, tmp_path,
                                                                   monkeypatch, cut_at):
    ops, files, pending = plain_tablet(db_path, tmp_path)
    real_replace = os.replace
    calls = []

    def crash(src, dst):  # fault injection: the process dies at this rename
        calls.append(Path(dst).name)
        if (cut_at == "database swap" and Path(dst) == db_path) or \
                (cut_at == "second file" and len(calls) == 4):  # key file, database, 1st file, 2nd
            raise KeyboardInterrupt("power cut")
        return real_replace(src, dst)

    monkeypatch.setattr("visitapp.store.at_rest.os.replace", crash)
    with pytest.raises(KeyboardInterrupt):
        open_test_services(db_path)
    monkeypatch.setattr("visitapp.store.at_rest.os.replace", real_replace)
    assert keys.read_key_file(keys.key_path(db_path)).upgrading
    if cut_at == "database swap":
        assert is_plain_sqlite(db_path)  # the plain database is still whole
    else:
        sealed = [sealed_files.is_sealed(f.read_bytes()) for f in stored_files(db_path)]
        assert any(sealed) and not all(sealed)
    open_test_services(db_path).close()
    assert_upgraded(db_path, ops, files, pending)


def test_two_processes_making_the_same_new_tablet__share_one_key(db_path):
    import subprocess
    import sys

    code = ("import sys, time\n"
            "from visitapp.services.app import open_services\n"
            "s = open_services(sys.argv[1], pin=sys.argv[2], now=time.time)\n"
            "s.visits.create_visit(system='Race ' + sys.argv[3] + ' (fictional)',\n"
            "                      date='2026-11-27', visit_type='diagnostic')\n"
            "s.close()\n")
    children = [subprocess.Popen([sys.executable, "-c", code, str(db_path), TEST_PIN, str(n)])
                for n in range(2)]
    assert [c.wait(timeout=120) for c in children] == [0, 0]
    s = open_test_services(db_path)
    try:
        assert len(s.visits.list_visits()) == 2
    finally:
        s.close()


def test_upgrade__of_a_plain_tablet_killed_with_ops_still_in_its_wal__keeps_them(db_path):
    import subprocess
    import sys

    code = ("import os, sys\n"
            "from visitapp.services.app import services_for\n"
            "from visitapp.store.db import Database\n"
            "s = services_for(Database(sys.argv[1]))\n"
            "vid = s.visits.create_visit(system='Killed plain tablet (fictional)',\n"
            "    date='2026-11-27', visit_type='diagnostic', areas=[('emergency_department', '')])\n"
            "key = s.visits.load(vid).areas[0].key\n"
            "s.visits.answer(vid, key, 'ed.handovers_over_30', '7')\n"
            "with s.db.read() as conn:\n"
            "    print(conn.execute('SELECT COUNT(*) FROM ops').fetchone()[0], flush=True)\n"
            "os._exit(0)  # no close, no checkpoint: the ops are only in the WAL\n")
    done = subprocess.run([sys.executable, "-c", code, str(db_path)], capture_output=True,
                          text=True, timeout=120, check=True)
    ops = int(done.stdout)
    wal = db_path.with_name(db_path.name + "-wal")
    assert is_plain_sqlite(db_path) and wal.stat().st_size > 0
    s = open_test_services(db_path)
    try:
        with s.db.read() as conn:
            assert conn.execute("SELECT COUNT(*) FROM ops").fetchone()[0] == ops
            assert conn.execute("SELECT COUNT(*) FROM ops WHERE pushed = 0").fetchone()[0] == ops
        (visit,) = s.visits.list_visits()
        area = s.visits.load(visit["id"]).areas[0]
        assert area.answers["ed.handovers_over_30"].value == 7
    finally:
        s.close()
    assert not is_plain_sqlite(db_path)
