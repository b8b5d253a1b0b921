"""Pull and merge: the cursor moves with the data, clocks keep causality under skew."""

from __future__ import annotations

import pytest

from sync.client import Refused, SyncReport
from tests.conftest import open_test_services
from tests.sync.conftest import small_visit
from visitapp.domain.hlc import Clock, system_ms
from visitapp.services.visit_json import visit_to_json
from visitapp.store import sync_state

HOUR = 3600 * 1000


def shown(services, vid):
    return visit_to_json(services.visits.load(vid))


def test_two_tablets__end_with_the_same_visit(make_tablet):
    a, b = make_tablet(), make_tablet()
    vid, key, items = small_visit(a.services)
    a.services.visits.answer(vid, key, items[0], "no", author="A")
    a.sync()
    b.sync()
    b.services.visits.answer(vid, key, items[0], "yes", author="B")
    b.services.visits.set_note(vid, key, items[0], "Seen on the board round", author="B")
    b.sync()
    a.sync()
    assert shown(a.services, vid) == shown(b.services, vid)
    assert shown(a.services, vid)["answers"][0]["value"] == "yes"
    assert a.pending() == 0 and b.pending() == 0


def test_pulled_ops__are_not_sent_back(make_tablet):
    a, b = make_tablet(), make_tablet()
    small_visit(a.services)
    a.sync()
    report = b.sync()
    assert report.pulled > 0 and b.pending() == 0
    assert b.sync().pushed == 0


def test_a_failure_between_apply_and_cursor__is_harmless_on_retry(make_tablet, monkeypatch,
                                                                  office):
    a, b = make_tablet(), make_tablet()
    vid, key, items = small_visit(a.services)
    a.sync()
    total = office.count("SELECT COUNT(*) FROM ops")
    real = sync_state.set_cursor

    def crash(conn, cursor):
        raise OSError("power cut (injected) after applying, before the cursor")

    monkeypatch.setattr(sync_state, "set_cursor", crash)
    with pytest.raises(OSError):
        b.client(pull_limit=7).pull()
    with b.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM ops").fetchone()[0] == 0  # rolled back
        assert sync_state.get_state(conn).cursor == 0
    monkeypatch.setattr(sync_state, "set_cursor", real)
    report = b.client(pull_limit=7).pull()
    assert report.pulled == total and report.pulled_duplicates == 0
    with b.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM ops").fetchone()[0] == total
    assert shown(a.services, vid) == shown(b.services, vid)


def test_a_page_applied_twice__changes_nothing(make_tablet, office):
    a, b = make_tablet(), make_tablet()
    small_visit(a.services)
    a.sync()
    client = b.client(pull_limit=5)
    client.pull()
    with b.db.write() as conn:  # as if the cursor had been lost: everything comes again
        sync_state.set_cursor(conn, 0)
    report = client.pull()
    assert report.pulled == 0 and report.pulled_duplicates == office.count(
        "SELECT COUNT(*) FROM ops")


# --- causality under clock skew ----------------------------------------------------------

class WallClock(Clock):
    """The negative control: a plain wall clock that never merges what it receives."""

    def receive(self, remote: int) -> int:
        return self.last


def skewed(clock_cls, offset_ms: int) -> Clock:
    return clock_cls(now_ms=lambda: system_ms() + offset_ms)


def edit_after_seeing(make_tablet, tmp_path, clock_cls) -> tuple[object, object, str]:
    """B (clock 1 h fast) answers; A (clock 1 h slow) sees it, then answers again."""
    a = make_tablet()
    b = make_tablet()
    for t, offset, name in ((a, -HOUR, "a"), (b, +HOUR, "b")):
        t.services.close()
        t.services = open_test_services(tmp_path / f"skew-{name}" / "t.db")
        t.services.db.clock = skewed(clock_cls, offset)
    vid, key, items = small_visit(b.services)
    b.services.visits.answer(vid, key, items[0], "no", author="B")
    b.sync()
    a.sync()
    assert shown(a.services, vid)["answers"][0]["value"] == "no"  # A has seen B's value
    a.services.visits.answer(vid, key, items[0], "yes", author="A")  # ...then changes it
    a.sync()
    b.sync()
    return a, b, vid


def later_edit_won_everywhere(a, b, vid) -> bool:
    return all(shown(t.services, vid)["answers"][0]["value"] == "yes" for t in (a, b))


def test_an_edit_made_after_seeing_a_value__beats_it__under_one_hour_of_skew(
        make_tablet, tmp_path):
    a, b, vid = edit_after_seeing(make_tablet, tmp_path, Clock)
    assert later_edit_won_everywhere(a, b, vid)
    assert shown(a.services, vid) == shown(b.services, vid)


def test_negative_control__plain_wall_clocks_without_merging__lose_that_edit(
        make_tablet, tmp_path):
    a, b, vid = edit_after_seeing(make_tablet, tmp_path, WallClock)
    # The same check must fail here: A's later edit is stamped 2 h before B's earlier one,
    # so B (and the office) keep B's value.
    assert not later_edit_won_everywhere(a, b, vid)
    assert shown(b.services, vid)["answers"][0]["value"] == "no"


# --- upgrade with pending ops ------------------------------------------------------------

def test_an_app_upgrade_with_pending_ops__one_sent_with_its_answer_lost__none_lost_or_doubled(
        office, tmp_path):
    import sqlite3

    from visitapp.store.migrations import MIGRATIONS, apply

    path = tmp_path / "old" / "tablet.db"
    path.parent.mkdir()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    # The schema of the app before signed ops (0008_signed_ops).
    apply(conn, MIGRATIONS[:[m.name for m in MIGRATIONS].index("0008_signed_ops")])
    conn.execute("INSERT INTO device (id, next_seq, hlc, created_at) VALUES ('dev-old', 31, 0, 'x')")
    now = system_ms()
    for seq in range(1, 31):
        conn.execute(
            "INSERT INTO ops (op_id, visit_id, device_id, seq, hlc, entity, entity_id, field, "
            "value, author) VALUES (?, 'visit-old', 'dev-old', ?, ?, 'answer', ?, 'value', "
            "'\"green\"', 'Old app')",
            (f"op-old-{seq}", seq, (now - 1000 + seq) << 16, f"ed-aaaa/ed.item{seq}"))
    conn.execute(  # the visit's creation op, as every visit has
        "INSERT INTO ops (op_id, visit_id, device_id, seq, hlc, entity, entity_id, field, "
        "value, author) VALUES ('op-old-0', 'visit-old', 'dev-old', 31, ?, 'visit', "
        "'visit-old', 'created_at', '\"2026-11-27T09:00:00Z\"', 'Old app')", (now << 16,))
    conn.execute("UPDATE device SET next_seq = 32")
    conn.close()
    _, token = office.device()
    # The old app sent the first 11 ops (the creation op and ten answers) but lost the answer.
    old = sqlite3.connect(path)
    rows = old.execute(
        "SELECT op_id, visit_id, device_id, seq, hlc, entity, entity_id, field, value, "
        "prev_op_id, author, confirmed FROM ops ORDER BY seq DESC LIMIT 11").fetchall()
    old.close()
    keys = ("op_id", "visit_id", "device_id", "seq", "hlc", "entity", "entity_id", "field",
            "value", "prev_op_id", "author", "confirmed")
    sent = [dict(zip(keys, r, strict=True)) | {"confirmed": bool(r[-1])} for r in rows]
    with office.http(token) as http:
        # The old app is now told to update (protocol 1, before signed ops) ...
        refused = http.post("/v1/ops", json={"protocol": 1, "ops": sent}, headers={
            "X-Visitapp-Protocol": "1", "X-Visitapp-Device": "dev-old"})
        assert refused.status_code == 426 and "update the app" in refused.json()["detail"]
    # ... but it had pushed them before the office was upgraded, as the office then took
    # them (the store is the same code path; only the protocol gate is newer).
    from sync.server import store

    principal = store.authenticate(office.engine, token)
    answer, _ = store.push(office.engine, principal, sent, office.clock, "dev-old")
    assert {r["status"] for r in answer} == {"applied"}
    services = open_test_services(path)  # encrypts in place, migrates to the current schema
    try:
        from tests.sync.conftest import NO_WAIT
        from visitapp.services.sync import sync_engine

        with office.http(token) as http:
            report = sync_engine(services.db, services.blobs, http, retry=NO_WAIT).sync()
        assert (report.pushed, report.duplicates) == (20, 11) and report.complete
        assert office.count("SELECT COUNT(*) FROM ops WHERE visit_id = 'visit-old'") == 31
        # Legacy ops keep their ids and origin and travel unsigned; new ops are signed
        # under an id made from the tablet's new key.
        assert office.count("SELECT COUNT(*) FROM ops WHERE device_id = 'dev-old' "
                            "AND sig IS NULL") == 31
        new_id = services.db.device_id
        assert new_id.startswith("k-")
        vid, area, items = small_visit(services)
        services.visits.answer(vid, area, items[0], "yes", author="Tester")
        with office.http(token) as http:
            again = sync_engine(services.db, services.blobs, http, retry=NO_WAIT).sync()
        assert again.complete and again.pushed > 0 and not again.rejected
        assert office.count("SELECT COUNT(*) FROM ops WHERE device_id = :d AND sig IS NOT "
                            "NULL", d=new_id) == again.pushed
        with services.db.read() as conn:
            assert conn.execute("SELECT COUNT(*) FROM ops WHERE pushed = 0").fetchone()[0] == 0
            assert conn.execute("SELECT COUNT(*) FROM ops WHERE visit_id = 'visit-old'"
                                ).fetchone()[0] == 31
    finally:
        services.close()


# --- the tablet itself refused -----------------------------------------------------------

def test_a_revoked_tablet__is_refused__and_keeps_its_pending_ops(office, make_tablet):
    from sync.server import store

    a = make_tablet()
    small_visit(a.services)
    count = a.pending()
    store.revoke_device(office.engine, a.device)
    with pytest.raises(Refused, match="revoked"):
        a.sync()
    assert a.pending() == count
    with a.db.read() as conn:
        assert "revoked" in sync_state.get_state(conn).last_error
    assert isinstance(SyncReport().complete, bool)
