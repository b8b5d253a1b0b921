"""Read models: a synced visit is in the office's tables the moment its push is answered,
with the tablets' winning values, area roll-ups and indicators."""

from __future__ import annotations

import json

from sqlalchemy import select

from sync.server.office import read_models
from sync.server.office import tables as t
from visitapp.services.demo import EXAMPLE_DATE, create_demo_visit


def _rows(office, table, visit_id):
    with office.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(table).where(table.c.visit_id == visit_id))]


def test_push__materialises_visit_areas_answers_findings_and_indicators(office, make_tablet):
    tablet = make_tablet()
    vid = create_demo_visit(tablet.services, EXAMPLE_DATE, photos=False)
    tablet.sync()
    state = tablet.services.visits.load(vid)

    [visit] = _rows(office, t.read_visits, vid)
    assert visit["system"] == state.system and visit["date"] == state.date
    assert visit["system_key"] == read_models.fold_name(state.system)

    areas = {r["entity_id"]: r for r in _rows(office, t.read_areas, vid)}
    assert set(areas) == {a.key for a in state.areas}
    for area in state.areas:
        rollup = area.rag()
        assert areas[area.key]["rag_worst"] == rollup.overall
        assert areas[area.key]["red"] == rollup.counts["red"]

    answers = {(r["area_key"], r["item_id"]): r["value"] for r in _rows(office, t.read_answers, vid)}
    expected = {(a.key, item): json.dumps(s.value, ensure_ascii=False, sort_keys=True)
                for a in state.areas for item, s in a.answers.items() if s.value is not None}
    assert {k: v for k, v in answers.items() if v is not None} == expected

    findings = {r["entity_id"]: r["text"] for r in _rows(office, t.read_findings, vid)
                if not r["deleted"]}
    assert findings == {f.id: f.text for f in state.findings}

    office_indicators = {r["indicator_id"]: r["value"]
                         for r in _rows(office, t.read_indicators, vid)}
    tablet_indicators = {i.id: i.value for i in tablet.services.metrics.indicators(vid)}
    assert office_indicators == tablet_indicators
    assert office_indicators["four_hour_pct"] is not None


def test_later_edit__wins_on_the_office_as_on_the_tablets(office, make_tablet):
    a, b = make_tablet(), make_tablet()
    vid = create_demo_visit(a.services, EXAMPLE_DATE, photos=False, data=False)
    a.sync()
    b.sync()
    b.services.visits.update_visit(vid, system="Renamed system (fictional)", author="B")
    b.sync()
    a.sync()
    [visit] = _rows(office, t.read_visits, vid)
    assert visit["system"] == "Renamed system (fictional)"
    assert a.services.visits.load(vid).system == "Renamed system (fictional)"


def test_rebuild_all__gives_the_same_rows_as_the_pushes(office, make_tablet):
    tablet = make_tablet()
    vid = create_demo_visit(tablet.services, EXAMPLE_DATE, photos=False)
    tablet.sync()
    before = {tb.name: _rows(office, tb, vid) for tb in (t.read_areas, t.read_answers,
                                                        t.read_indicators)}
    with office.engine.begin() as conn:
        read_models.rebuild_all(conn)
    after = {tb.name: _rows(office, tb, vid) for tb in (t.read_areas, t.read_answers,
                                                       t.read_indicators)}
    assert after == before and before["read_answers"]


def test_on_postgresql__a_push_fills_the_read_models_and_the_pages_read_them(
        pg_office, tmp_path):
    from sync.server.db import read
    from sync.server.office import smart_list, systems
    from tests.conftest import open_test_services
    from tests.sync.conftest import NO_WAIT
    from visitapp.services.sync import sync_engine

    device, token = pg_office.device()
    services = open_test_services(tmp_path / "tablet.db")
    try:
        vid = create_demo_visit(services, EXAMPLE_DATE, photos=False)
        with pg_office.http(token) as http:
            sync_engine(services.db, services.blobs, http, retry=NO_WAIT).sync()
        expected = {i.id: i.value for i in services.metrics.indicators(vid)}
        system = services.visits.load(vid).system
    finally:
        services.close()
    office_indicators = {r["indicator_id"]: r["value"]
                         for r in _rows(pg_office, t.read_indicators, vid)}
    assert office_indicators == expected
    assert any(r["rag_worst"] for r in _rows(pg_office, t.read_areas, vid))
    systems.add_system(pg_office.engine, name=system, now_ms=0)
    from datetime import date

    with read(pg_office.engine) as conn:
        [row] = smart_list.build(conn, date(2026, 12, 1))
    assert row.name == system and row.latest_visit_id == vid and row.registered


def test_team_ratings__rate_the_area_on_the_office_as_on_the_tablet(office, make_tablet):
    tablet = make_tablet()
    vid = create_demo_visit(tablet.services, EXAMPLE_DATE, photos=False, data=False)
    tablet.sync()
    visits = tablet.services.visits
    ed = visits.load(vid).areas[0]
    item = ed.form.item("ed.handovers_over_30")
    assert ed.suggested_rag(item) == "red"
    visits.rate_item(vid, ed.key, item.id, "green", author="Test Lead")
    ward = visits.load(vid).areas[3]
    chosen = next(r for r in ("green", "amber", "red") if r != ward.rag().computed)
    visits.rate_area(vid, ward.key, chosen, author="Test Lead")
    tablet.sync()

    def office_area(key):
        return next(r for r in _rows(office, t.read_areas, vid) if r["entity_id"] == key)

    state = visits.load(vid)
    for key in (ed.key, ward.key):
        rollup = state.area(key).rag()
        row = office_area(key)
        assert (row["rag_worst"], row["red"], row["amber"], row["green"]) == (
            rollup.overall, rollup.counts["red"], rollup.counts["amber"], rollup.counts["green"])
    assert office_area(ward.key)["rag_worst"] == chosen
    assert state.area(ed.key).rag().counts["green"] == ed.rag().counts["green"] + 1
    visits.rate_area(vid, ward.key, None, author="Test Lead")  # back to the computed rating
    tablet.sync()
    assert office_area(ward.key)["rag_worst"] == visits.load(vid).area(ward.key).rag().computed
