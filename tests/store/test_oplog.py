"""The op-log is the truth: state rebuilt from it equals the stored state."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import open_test_services
from visitapp.store import oplog
from visitapp.store.oplog import STATE_TABLES


def snapshot(db) -> dict[str, list[tuple]]:
    with db.read() as conn:
        tables = {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                  for t in STATE_TABLES}
        tables["field_clock"] = sorted(conn.execute("SELECT * FROM field_clock").fetchall())
    return tables


EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.integers(0, 1), st.integers(0, 7),
                  st.sampled_from(["green", "red", "amber", "yes", "no", "12", "45%", "1h"])),
        st.tuples(st.just("clear"), st.integers(0, 1), st.integers(0, 7)),
        st.tuples(st.just("note"), st.integers(0, 1), st.integers(0, 7),
                  st.sampled_from(["Seen at the board round", "", "Escalation works well"])),
        st.tuples(st.just("finding"), st.sampled_from(["strength", "concern"]),
                  st.text(min_size=1, max_size=40).filter(str.strip)),
        st.tuples(st.just("delete_finding"), st.integers(0, 5)),
        st.tuples(st.just("area"), st.sampled_from(["inpatient_ward", "discharge_hub"])),
        st.tuples(st.just("remove_area"), st.integers(0, 3)),
    ),
    max_size=40,
)


def apply_edit(s, visit_id, edit, findings):
    state = s.visits.load(visit_id)
    kind = edit[0]
    if kind in ("answer", "clear", "note"):
        if not state.areas:
            return
        area = state.areas[edit[1] % len(state.areas)]
        item = area.form.items[edit[2] % len(area.form.items)]
        if kind == "answer":
            try:
                s.visits.answer(visit_id, area.key, item.id, edit[3], author="Tester")
            except Exception as err:  # a value of the wrong type is refused: fine here
                assert "expected" in str(err)
        elif kind == "clear":
            s.visits.clear_answer(visit_id, area.key, item.id, author="Tester")
        else:
            s.visits.set_note(visit_id, area.key, item.id, edit[3], author="Tester")
    elif kind == "finding":
        try:
            findings.append(s.visits.add_finding(visit_id, kind=edit[1], text=edit[2]))
        except Exception as err:  # text that looks like patient data is refused
            assert "patient data" in str(err)
    elif kind == "delete_finding" and findings:
        fid = findings.pop(edit[1] % len(findings))
        s.visits.delete_finding(visit_id, fid)
    elif kind == "area":
        s.visits.add_area(visit_id, edit[1], "Ward 9")
    elif kind == "remove_area" and state.areas:
        s.visits.remove_area(visit_id, state.areas[edit[1] % len(state.areas)].key)


@given(EDITS)
def test_state_rebuilt_from_the_oplog__equals_the_stored_state(tmp_path_factory, edits):
    s = open_test_services(tmp_path_factory.mktemp("rebuild") / "t.db")
    try:
        visit_id = s.visits.create_visit(
            system="Test system", date="2026-11-27", visit_type="diagnostic",
            areas=[("emergency_department", ""), ("inpatient_ward", "Ward 7")])
        findings: list[str] = []
        for edit in edits:
            apply_edit(s, visit_id, edit, findings)
        before = snapshot(s.db)
        with s.db.write() as conn:
            oplog.rebuild(conn)
        assert snapshot(s.db) == before
    finally:
        s.close()


def test_rebuild__restores_state_deleted_behind_the_apps_back(services, demo_visit_id):
    from visitapp.services.visit_json import visit_to_json

    before = visit_to_json(services.visits.load(demo_visit_id))
    with services.db.write() as conn:
        for table in STATE_TABLES:
            conn.execute(f"DELETE FROM {table}")
    with services.db.write() as conn:
        oplog.rebuild(conn)
    assert visit_to_json(services.visits.load(demo_visit_id)) == before


def test_every_change__is_one_op_with_device_sequence_and_the_op_it_replaced(services):
    vid = services.visits.create_visit(system="S", date="2026-11-27", visit_type="exemplar",
                                       areas=[("emergency_department", "")])
    key = services.visits.load(vid).areas[0].key
    services.visits.answer(vid, key, "ed.handover_within_15", "yes", author="A")
    services.visits.answer(vid, key, "ed.handover_within_15", "no", author="B")
    services.visits.clear_answer(vid, key, "ed.handover_within_15", author="B")
    with services.db.read() as conn:
        rows = conn.execute(
            "SELECT op_id, device_id, seq, value, prev_op_id, author FROM ops "
            "WHERE entity = 'answer' ORDER BY seq").fetchall()
        seqs = [r[0] for r in conn.execute("SELECT seq FROM ops ORDER BY seq")]
    assert [json.loads(r[3]) for r in rows] == ["yes", "no", None]
    assert rows[0][4] is None and rows[1][4] == rows[0][0] and rows[2][4] == rows[1][0]
    assert {r[1] for r in rows} == {services.db.device_id}
    assert seqs == list(range(1, len(seqs) + 1))


def test_an_op_naming_another_visits_finding__never_changes_it(services):
    from visitapp.domain.hlc import pack
    from visitapp.store.oplog import OpRecord, encode

    a = services.visits.create_visit(system="A", date="2026-11-27", visit_type="diagnostic")
    b = services.visits.create_visit(system="B", date="2026-11-27", visit_type="diagnostic")
    fid = services.visits.add_finding(a, kind="strength", text="Visit A's finding")
    stray = OpRecord(op_id="stray-op", visit_id=b, device_id="other-tablet", seq=1,
                     hlc=pack(2**40, 0), entity="finding", entity_id=fid, field="text",
                     value=encode("Overwritten from visit B"))
    with services.db.write() as conn:
        oplog.apply_ops(services.db, conn, [stray])
    assert [f.text for f in services.visits.load(a).findings] == ["Visit A's finding"]
    with services.db.write() as conn:
        oplog.rebuild(conn)
    assert [f.text for f in services.visits.load(a).findings] == ["Visit A's finding"]
