"""The smart list: systems in priority order from the written rule, reasons in words."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sync.server.db import read
from sync.server.office import performance, smart_list, systems

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = date(2026, 11, 30)


def _visit(services, system, when, reds=0):
    vid = services.visits.create_visit(system=system, date=when, visit_type="diagnostic",
                                       areas=[("emergency_department", "ED")], author="T")
    area = services.visits.load(vid).areas[0]
    rag_items = [i.id for i in area.form.items if i.type.value == "rag" and not i.show_if]
    for item in rag_items[:1]:
        services.visits.answer(vid, area.key, item, "red" if reds else "green", author="T")
    return vid


def _build(office):
    with read(office.engine) as conn:
        return smart_list.build(conn, TODAY)


def test_smart_list__orders_by_the_rule_and_explains_each_system(office, make_tablet):
    tablet = make_tablet()
    _visit(tablet.services, "Fictional North", "2026-02-10", reds=1)
    _visit(tablet.services, "Fictional South", "2026-11-01")
    _visit(tablet.services, "Fictional West (unregistered)", "2026-10-01")
    tablet.sync()
    # Registered after the visits arrived: they join by name.
    systems.add_system(office.engine, name="fictional  north", trusts=["ZZA", "ZZB"],
                       region="North East", now_ms=0)
    systems.add_system(office.engine, name="Fictional South", trusts=["ZZC"],
                       region="South West", now_ms=0)
    systems.add_system(office.engine, name="Fictional East", region="East", now_ms=0)
    performance.import_file(office.engine, (FIXTURES / "ae-provider-2025-12.csv").read_bytes())
    performance.import_file(office.engine, (FIXTURES / "ae-provider-2026-01.csv").read_bytes())

    rows = _build(office)
    by_name = {r.name: r for r in rows}
    north = by_name["fictional north"]
    assert north.rank == 1
    assert north.reasons == [
        "4-hour 76.49% in 2026-01, below the 78% ambition",
        "245 12-hour waits from decision to admit in 2026-01",
        "1 red area at the last visit",
        "no visit for 9 months",
    ]
    assert north.score == 3 + 2 + 1 + 2
    assert by_name["Fictional East"].reasons == ["never visited"]
    south = by_name["Fictional South"]
    assert south.reasons == ["4-hour 83.33% in 2026-01, below the 95% standard"]
    west = by_name["Fictional West (unregistered)"]
    assert not west.registered and "not in the systems register" in west.reasons[-1]
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    scores = [r.score for r in rows]
    assert scores == sorted(scores, reverse=True)

    data = json.loads(smart_list.to_json(rows))
    assert data[0]["system"] == "fictional north" and data[0]["latest_month"] == "2026-01"
    assert data[0]["four_hour_pct"] == 76.49 and data[0]["twelve_hour_waits"] == 245
    assert data[0]["last_visit_date"] == "2026-02-10"
    east = next(d for d in data if d["system"] == "Fictional East")
    assert east["four_hour_pct"] is None and east["last_visit_date"] is None


def test_falling_three_months__is_a_reason(office):
    systems.add_system(office.engine, name="Fictional North", trusts=["ZZA"], now_ms=0)
    with office.engine.begin() as conn:
        from sync.server.office import tables as t

        conn.execute(t.performance.insert(), [
            {"month": f"2026-0{m}", "org_code": "ZZA", "parent_org": "", "org_name": "",
             "attendances": 1000, "over_4h": over, "dta_4_12": 0, "dta_12_plus": 0,
             "emergency_admissions": 0}
            for m, over in ((1, 50), (2, 100), (3, 200), (4, 290))])
    [row] = _build(office)
    assert row.reasons[0] == "4-hour 71.00% in 2026-04 and falling for 3 months, below the 78% ambition"
    assert row.falling_months == 3
