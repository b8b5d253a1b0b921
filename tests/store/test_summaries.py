"""The visit summaries (visits screen) always equal what the loaded visit computes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import open_test_services
from tests.store.test_oplog import EDITS, apply_edit
from visitapp.services.bundles import export_visit, import_visit
from visitapp.services.retention import release_visit
from visitapp.store import oplog

RATINGS = st.lists(st.tuples(st.sampled_from(["item", "area"]), st.integers(0, 3),
                             st.integers(0, 7), st.sampled_from(["red", "green", None])),
                   max_size=8)


def expected(services, visit_id):
    """What the screen would show, worked out by loading the whole visit (as it used to)."""
    state = services.visits.load(visit_id)
    progress = state.progress()
    counts = {"green": 0, "amber": 0, "red": 0}
    for area in state.areas:
        for rag, n in area.rag().counts.items():
            counts[rag] += n
    areas = {a.key: (a.label, a.progress().answered, a.progress().visible,
                     tuple(i.id for i in a.visible_items())) for a in state.areas}
    return ((state.title, len(state.areas), progress.answered, progress.visible,
             progress.required_missing, counts), areas)


def summarised(services, visit_id):
    (row,) = [s for s in services.visits.summaries() if s.id == visit_id]
    keys = [a.key for a in services.visits.load(visit_id).areas]
    found = services.visits.area_summaries((visit_id, k) for k in keys)
    areas = {k: (a.label, a.answered, a.visible, a.visible_ids)
             for (_, k), a in found.items()}
    return ((row.title, row.areas, row.answered, row.visible, row.required_missing,
             row.rag_counts), areas)


def rate(services, visit_id, rating):
    kind, area_n, item_n, rag = rating
    state = services.visits.load(visit_id)
    if not state.areas:
        return
    area = state.areas[area_n % len(state.areas)]
    if kind == "area":
        services.visits.rate_area(visit_id, area.key, rag)
    else:
        rated = area.form.rated_items
        services.visits.rate_item(visit_id, area.key, rated[item_n % len(rated)].id, rag)


@given(EDITS, RATINGS)
def test_summaries__equal_the_loaded_visit__after_any_edits_ratings_and_rebuild(
        tmp_path_factory, edits, ratings):
    s = open_test_services(tmp_path_factory.mktemp("summary") / "t.db")
    try:
        visit_id = s.visits.create_visit(
            system="Test system", date="2026-11-27", visit_type="diagnostic",
            areas=[("emergency_department", ""), ("inpatient_ward", "Ward 7")])
        findings: list[str] = []
        for edit in edits:
            apply_edit(s, visit_id, edit, findings)
        for rating in ratings:
            rate(s, visit_id, rating)
        want = expected(s, visit_id)
        assert summarised(s, visit_id) == want
        with s.db.write() as conn:
            oplog.rebuild(conn)
        assert summarised(s, visit_id) == want
    finally:
        s.close()


def test_summaries__follow_a_visit_that_arrives_by_bundle(services, other_services, tmp_path,
                                                          demo_visit_id):
    export_visit(services, demo_visit_id, tmp_path / "v.zip")
    import_visit(other_services, tmp_path / "v.zip")
    assert summarised(other_services, demo_visit_id) == expected(services, demo_visit_id)
    assert summarised(other_services, demo_visit_id)[0][2] > 0  # the demo has answers


def test_summary__waits_for_a_form_that_arrives_after_its_area(services, other_services,
                                                               demo_visit_id):
    with services.db.read() as conn:
        ops = oplog.ops_for_visit(conn, demo_visit_id)
    forms = [op for op in ops if op.entity == oplog.FORM_ENTITY]
    with other_services.db.write() as conn:
        oplog.apply_ops(other_services.db, conn, [op for op in ops if op not in forms])
    (row,) = other_services.visits.summaries()
    assert row.areas == 0 and row.visible == 0  # areas without their checklist: not shown
    with other_services.db.write() as conn:
        oplog.apply_ops(other_services.db, conn, forms)
    assert summarised(other_services, demo_visit_id) == expected(services, demo_visit_id)


def test_summaries__are_built_when_an_older_database_is_upgraded(tmp_path):
    from tests.conftest import EXAMPLE_DATE
    from visitapp.services.demo import create_demo_visit

    path = tmp_path / "old.db"
    services = open_test_services(path)
    visit_id = create_demo_visit(services, EXAMPLE_DATE)
    want = expected(services, visit_id)
    # Back to the schema before migration 0009, on the raw connection (db.write() would
    # look for the summaries it is dropping).
    conn = services.db._conn()
    conn.execute("BEGIN IMMEDIATE")
    for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                   ).fetchall():
        conn.execute(f"DROP TRIGGER {trigger}")
    for table in ("pending_ops", "area_summary", "visit_summary", "summary_stale"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DELETE FROM schema_migrations WHERE name LIKE '0009%'")
    conn.execute("COMMIT")
    services.blobs.close()
    services.db.close()
    again = open_test_services(path)
    try:
        assert summarised(again, visit_id) == want
        with again.db.read() as conn:
            assert conn.execute("SELECT SUM(count) FROM pending_ops").fetchone()[0] == \
                conn.execute("SELECT COUNT(*) FROM ops WHERE pushed = 0").fetchone()[0] > 0
    finally:
        again.close()


def test_release__removes_the_visits_summaries(services, demo_visit_id):
    with services.db.write() as conn:  # as if synced: release refuses unsent work
        conn.execute("UPDATE ops SET pushed = 1")
        conn.execute("INSERT INTO sync_blobs (sha256, state, updated_at) "
                     "SELECT sha256, 'uploaded', created_at FROM blobs")
    release_visit(services, demo_visit_id)
    assert services.visits.summaries() == []
    with services.db.read() as conn:
        left = [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("area_summary", "visit_summary", "summary_stale")]
    assert left == [0, 0, 0]


def test_visit_rows__show_what_the_loaded_visits_show(services, demo_visit_id):
    from visitapp.ui import viewmodels as vm

    state = services.visits.load(demo_visit_id)
    area = state.areas[1]
    item = area.visible_items()[2]
    (row,) = vm.visit_rows(services, enrolled=False,
                           last_position=lambda vid: (area.key, item.id)).rows
    p = state.progress()
    assert row.detail == (f"{state.date} · {vm.visit_type_label(state.visit_type)} · "
                          f"{len(state.areas)} areas · {p.answered} of {p.visible} answered")
    assert row.resume == vm.continue_at(state, (area.key, item.id))
    assert row.resume is not None and "item 3 of" in row.resume.label


def test_visit_rows__a_page_at_a_time__newest_first__with_what_is_left(services):
    from visitapp.ui import viewmodels as vm

    before = len(services.visits.summaries())
    for day in range(1, vm.PAGE + 3):
        services.visits.create_visit(system=f"Paging system {day:02d} (fictional)",
                                     date=f"2026-10-{day:02d}", visit_type="diagnostic",
                                     areas=[("emergency_department", "ED")], author="Tester")
    everything = services.visits.summaries()
    total = before + vm.PAGE + 2
    first = vm.visit_rows(services, enrolled=False, last_position=lambda vid: None)
    assert [r.id for r in first.rows] == [s.id for s in everything[:vm.PAGE]]
    assert first.total == total == len(everything)
    left = total - vm.PAGE
    assert first.more_label() == f"Show {min(left, vm.PAGE)} more of {left} older visits"
    whole = vm.visit_rows(services, enrolled=False, last_position=lambda vid: None,
                          limit=2 * vm.PAGE + before)
    assert [r.id for r in whole.rows] == [s.id for s in everything]
    assert whole.more_label() is None


def test_visit_rows__continue__says_what_the_loaded_visit_says(services, demo_visit_id):
    """Visible, hidden by show_if now, gone from the form, and an area the visit lacks:
    the store's answer (no visit loaded) against the loaded visit's."""
    from visitapp.ui import viewmodels as vm

    state = services.visits.load(demo_visit_id)
    hidden = [(a.key, i.id) for a in state.areas
              for i in a.form.items if i not in a.visible_items()]
    area = state.areas[0]
    positions = [(area.key, area.visible_items()[-1].id), (area.key, "no.such_item"),
                 ("no_such_area", area.visible_items()[0].id)]
    assert hidden, "the demo has an item hidden by show_if"
    positions.append(hidden[0])
    for position in positions:
        (row,) = [r for r in vm.visit_rows(services, enrolled=False,
                                           last_position=lambda vid, p=position: p).rows
                  if r.id == demo_visit_id]
        assert row.resume == vm.continue_at(state, position), position
    assert vm.continue_at(state, hidden[0]) is not None
    assert "item" not in vm.continue_at(state, hidden[0]).label.split(":")[1]
