"""A rebuild in steps gives what the one-transaction rebuild gives, writes between its
steps included, and lets a write in between each step."""

from __future__ import annotations

import itertools
import threading

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import open_test_services
from tests.store.test_oplog import EDITS, apply_edit
from visitapp.store import oplog
from visitapp.store.oplog import STATE_TABLES
from visitapp.store.rebuild import rebuild_in_steps

SUMMARY_TABLES = ("area_summary", "visit_summary", "summary_stale")


def snapshot(db) -> dict[str, list[tuple]]:
    with db.read() as conn:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                for t in (*STATE_TABLES, "field_clock", *SUMMARY_TABLES)}


def spoil(db, how: int) -> None:
    """State out of step with the log: rows lost, changed, and rows no op made."""
    with db.write() as conn:
        for n, table in enumerate(STATE_TABLES):
            if how & (1 << n):
                conn.execute(f"DELETE FROM {table} WHERE rowid % 2 = 0")
        if how & 32:
            conn.execute("UPDATE answers SET value = '\"tampered\"', note = 'x'")
            conn.execute("DELETE FROM field_clock WHERE entity = 'answer' AND field = 'note'")
        if how & 64:
            conn.execute("INSERT INTO visits (id, system) VALUES ('no-such-op', 'Orphan')")
            conn.execute("INSERT INTO answers (visit_id, area_key, item_id, value) "
                         "SELECT id, 'nowhere', 'item', '\"x\"' FROM visits")
            conn.execute("INSERT INTO field_clock VALUES ('v', 'area', 'k', 'label', 'op', 1, "
                         "'d')")


@given(EDITS, st.integers(0, 127), st.sampled_from([1, 3, 17, 500]))
def test_rebuild_in_steps__equals_the_full_rebuild(tmp_path_factory, edits, how, per_step):
    s = open_test_services(tmp_path_factory.mktemp("steps") / "t.db")
    try:
        visits = [s.visits.create_visit(
            system=f"Test system {n}", date="2026-11-27", visit_type="diagnostic",
            areas=[("emergency_department", ""), ("inpatient_ward", "Ward 7")])
            for n in range(2)]
        findings: list[str] = []
        for n, edit in enumerate(edits):
            apply_edit(s, visits[n % 2], edit, findings if n % 2 == 0 else [])
        spoil(s.db, how)
        with s.db.write() as conn:
            oplog.rebuild(conn)
        full = snapshot(s.db)
        spoil(s.db, how)
        rebuild_in_steps(s.db, ops_per_step=per_step, pause_s=0)
        assert snapshot(s.db) == full
    finally:
        s.close()


def test_writes_between_steps__are_kept_and_the_result_equals_a_full_rebuild(services,
                                                                            demo_visit_id):
    state = services.visits.load(demo_visit_id)
    targets = itertools.cycle([(a.key, i) for a in state.areas for i in a.form.items
                               if i.type.value == "yes_no" and i.show_if is None])
    values = itertools.cycle(["yes", "no"])
    written: list[tuple[str, str, str]] = []

    def answer() -> None:
        key, item = next(targets)
        value = next(values)
        services.visits.answer(demo_visit_id, key, item.id, value, author="Between steps")
        written.append((key, item.id, value))

    report = rebuild_in_steps(services.db, ops_per_step=40, pause_s=0, between_steps=answer)
    assert report.winners > 0 and len(written) == report.steps > 20
    after = snapshot(services.db)
    loaded = services.visits.load(demo_visit_id)
    last = {(key, item): value for key, item, value in written}
    assert all(loaded.area(key).answers[item].value == value
               for (key, item), value in last.items())
    with services.db.write() as conn:
        oplog.rebuild(conn)
    assert snapshot(services.db) == after


def test_an_answer__is_taken_between_steps__not_after_the_whole_rebuild(services,
                                                                        demo_visit_id):
    """A second thread answers while the rebuild runs: it is saved before the rebuild ends
    (the timing itself is measured by bench/bench_store.py, not asserted here)."""
    area = services.visits.load(demo_visit_id).areas[0]
    item = next(i for i in area.form.items if i.type.value == "yes_no" and i.show_if is None)
    started, saved = threading.Event(), threading.Event()
    steps_after_saving: list[int] = []

    def step() -> None:
        started.set()
        if saved.is_set():
            steps_after_saving.append(1)

    def answer() -> None:
        started.wait(10)
        services.visits.answer(demo_visit_id, area.key, item.id, "no", author="Meanwhile")
        saved.set()

    thread = threading.Thread(target=answer)
    thread.start()
    rebuild_in_steps(services.db, ops_per_step=20, pause_s=0.01, between_steps=step)
    thread.join(10)
    assert saved.is_set() and steps_after_saving  # saved while steps were still to come
    assert services.visits.load(demo_visit_id).area(area.key).answers[item.id].value == "no"
