"""Conflicts: recorded when an op is neither the winner nor its ancestor and differs; the
same on every tablet whatever order the ops came in; resolved by new ops."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.sync.conftest import small_visit
from visitapp.services.sync import SyncService
from visitapp.store import oplog, sync_state
from visitapp.store.db import Database


def conflicts(tablet, vid):
    return SyncService(tablet.db, tablet.services.blobs).conflicts(vid)


def test_concurrent_different_answers__are_one_conflict__listed_the_same_on_both(make_tablet):
    a, b = make_tablet(), make_tablet()
    vid, key, items = small_visit(a.services)
    a.sync()
    b.sync()
    a.services.visits.answer(vid, key, items[0], "no", author="Alex")
    b.services.visits.answer(vid, key, items[0], "yes", author="Priya")
    for t in (a, b, a):
        t.sync()
    listed = conflicts(a, vid)
    assert listed == conflicts(b, vid)
    assert len(listed) == 1
    c = listed[0]
    assert (c["area_key"], c["item_id"], c["field"]) == (key, items[0], "value")
    values = {c["current"]["value"]: c["current"]["by"]} | {
        x["value"]: x["by"] for x in c["competing"]}
    assert values == {"no": "Alex", "yes": "Priya"}


def test_the_same_answer_given_twice__or_an_edit_after_seeing__is_no_conflict(make_tablet):
    a, b = make_tablet(), make_tablet()
    vid, key, items = small_visit(a.services)
    a.sync()
    b.sync()
    a.services.visits.answer(vid, key, items[0], "partial", author="Alex")
    b.services.visits.answer(vid, key, items[0], "partial", author="Priya")
    a.services.visits.answer(vid, key, items[1], "no", author="Alex")
    for t in (a, b, a):
        t.sync()
    b.services.visits.answer(vid, key, items[1], "yes", author="Priya")  # after seeing red
    for t in (b, a):
        t.sync()
    assert conflicts(a, vid) == [] and conflicts(b, vid) == []


def test_resolving_a_conflict__is_an_op__and_clears_it_on_every_tablet(make_tablet):
    a, b = make_tablet(), make_tablet()
    vid, key, items = small_visit(a.services)
    a.sync()
    b.sync()
    a.services.visits.answer(vid, key, items[0], "no", author="Alex")
    b.services.visits.answer(vid, key, items[0], "yes", author="Priya")
    a.services.visits.answer(vid, key, items[1], "no", author="Alex")
    b.services.visits.answer(vid, key, items[1], "partial", author="Priya")
    for t in (a, b, a):
        t.sync()
    listed = {c["item_id"]: c for c in conflicts(b, vid)}
    assert set(listed) == {items[0], items[1]}
    first, second = listed[items[0]], listed[items[1]]
    loser = first["competing"][0]
    service = SyncService(b.db, b.services.blobs)
    service.resolve_conflict(vid, first["entity"], first["entity_id"], first["field"],
                             choose_op_id=loser["op_id"], author="Priya")
    service.resolve_conflict(vid, second["entity"], second["entity_id"], second["field"],
                             value="no", author="Priya")  # a value, written anew
    assert conflicts(b, vid) == []
    for t in (b, a):
        t.sync()
    assert conflicts(a, vid) == []
    state = a.services.visits.load(vid).areas[0].answers
    assert state[items[0]].value == loser["value"] and state[items[1]].value == "no"


# --- the same conflicts for every delivery order -----------------------------------------

KEYS = [("answer", f"ed-aaaa/item{i}", "value") for i in range(3)]
VALUES = ["no", "partial", "yes", None]

actions = st.lists(st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 2), st.integers(0, 2), st.sampled_from(VALUES)),
    st.tuples(st.just("share"), st.integers(0, 2), st.integers(0, 2), st.randoms()),
), min_size=1, max_size=25)


def all_ops(db: Database) -> list[oplog.OpRecord]:
    with db.read() as conn:
        rows = conn.execute(f"SELECT {', '.join(oplog.OP_COLUMNS)} FROM ops").fetchall()
    return [oplog.OpRecord.from_row(r) for r in rows]


@given(history=actions, orders=st.lists(st.randoms(), min_size=2, max_size=3))
def test_every_op_is_winner_ancestor_or_conflict__the_same_for_every_delivery_order(
        history, orders):
    vid = str(uuid.uuid4())
    with tempfile.TemporaryDirectory() as tmp:
        devices = [Database(Path(tmp) / f"d{i}.db") for i in range(3)]
        try:
            for action in history:
                if action[0] == "edit":
                    _, d, k, value = action
                    entity, entity_id, field = KEYS[k]
                    with devices[d].write() as conn:
                        oplog.record(devices[d], conn, visit_id=vid, entity=entity,
                                     entity_id=entity_id, field=field, value=value,
                                     author=f"member {d}")
                else:  # hand some of one device's ops to another, in a random order
                    _, src, dst, rng = action
                    ops = all_ops(devices[src])
                    picked = rng.sample(ops, rng.randint(0, len(ops)))
                    with devices[dst].write() as conn:
                        oplog.apply_ops(devices[dst], conn, picked)
            everything = {op.op_id: op for d in devices for op in all_ops(d)}
            listings = []
            for i, rng in enumerate(orders):
                fresh = Database(Path(tmp) / f"fresh{i}.db")
                ops = list(everything.values())
                rng.shuffle(ops)
                while ops:  # in pulls of random sizes
                    n = rng.randint(1, len(ops))
                    with fresh.write() as conn:
                        oplog.apply_ops(fresh, conn, ops[:n])
                    ops = ops[n:]
                with fresh.read() as conn:
                    listings.append(sync_state.list_conflicts(conn, vid))
                    check_every_op_is_accounted_for(conn, vid, everything)
                fresh.close()
            assert all(listing == listings[0] for listing in listings)
        finally:
            for d in devices:
                d.close()


def check_every_op_is_accounted_for(conn, vid, everything) -> None:
    in_conflict = set(sync_state.conflicting_op_ids(conn, vid))
    for entity, entity_id, field in KEYS:
        ops = [o for o in everything.values()
               if (o.entity, o.entity_id, o.field) == (entity, entity_id, field)]
        if not ops:
            continue
        winner = max(ops, key=lambda o: (o.hlc, o.device_id))
        by_id = {o.op_id: o for o in ops}
        ancestors, prev = set(), winner.prev_op_id
        while prev in by_id and prev not in ancestors:
            ancestors.add(prev)
            prev = by_id[prev].prev_op_id
        clock = conn.execute("SELECT op_id FROM field_clock WHERE visit_id = ? AND entity = ? "
                             "AND entity_id = ? AND field = ?",
                             (vid, entity, entity_id, field)).fetchone()
        assert clock[0] == winner.op_id
        for op in ops:
            expected = (op.op_id != winner.op_id and op.op_id not in ancestors
                        and op.value != winner.value)
            assert (op.op_id in in_conflict) == expected, op


def test_settling_a_conflict_with_written_text__passes_the_privacy_guard(make_tablet):
    from visitapp.errors import PatientDataWarning

    a, b = make_tablet(), make_tablet()
    vid, key, items = small_visit(a.services)
    a.sync()
    b.sync()
    a.services.visits.set_note(vid, key, items[0], "Seen at the board round", author="Alex")
    b.services.visits.set_note(vid, key, items[0], "Board round at 10:00", author="Priya")
    for t in (a, b, a):
        t.sync()
    (conflict,) = conflicts(a, vid)
    service = SyncService(a.db, a.services.blobs)
    args = (vid, conflict["entity"], conflict["entity_id"], conflict["field"])
    with pytest.raises(PatientDataWarning):
        service.resolve_conflict(*args, value="Patient 943 476 5919 waited", author="Alex")
    assert len(conflicts(a, vid)) == 1  # nothing stored, still open
    service.resolve_conflict(*args, value="Board round at 10:00; seen by both", author="Alex")
    assert conflicts(a, vid) == []
