"""Office page benchmarks on PostgreSQL (not tests): `.venv/bin/python bench/bench_office.py`.

150 systems (two trusts each), 1,500 synced visits (six areas, eight findings and the
indicators of each) and 24 months of A&E figures, written straight into the office's
tables. Times the smart list (target <= 300 ms) and a system page (<= 200 ms) as whole
signed-in HTTP requests through the app (in-process, no sockets), and, in the same run,
the bare SQL those pages need (the same SELECTs, rows fetched, nothing else) as the
baseline. Medians of 30 requests after 3 warm-ups.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_sync import postgres  # noqa: E402  (bench/ is on the path when run as a script)
from sqlalchemy import insert, text  # noqa: E402

from sync.server.office import tables as t  # noqa: E402

N_SYSTEMS, N_VISITS, N_MONTHS = 150, 1_500, 24
RUNS, WARM = 30, 3
KINDS = ["emergency_department", "acute_medical_unit", "inpatient_ward", "discharge_hub",
         "site_management", "out_of_hospital"]
INDICATORS = [("four_hour_pct", "4-hour performance", "%"),
              ("occupancy_pct", "General and acute bed occupancy", "%"),
              ("discharges_before_noon_pct", "Discharges before noon", "%"),
              ("weekend_weekday_ratio", "Weekend to weekday discharge ratio", "ratio"),
              ("super_stranded_mean", "Super-stranded patients (mean)", "patients")]


def populate(engine) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(13)
    systems, trusts, perf, visits, areas, findings, indicators = [], [], [], [], [], [], []
    for s in range(1, N_SYSTEMS + 1):
        systems.append({"id": s, "name": f"Bench system {s:03d}", "name_key":
                        f"bench system {s:03d}", "region": f"Region {s % 7}", "note": None,
                        "created_at": "2026-01-01T00:00:00Z"})
        for k in range(2):
            code = f"Z{s:03d}{k}"
            trusts.append({"ods_code": code, "system_id": s})
            for m in range(N_MONTHS):
                year, month = 2024 + (m + 11) // 12, (m + 11) % 12 + 1
                att = rng.randint(8000, 15000)
                perf.append({"month": f"{year}-{month:02d}", "org_code": code,
                             "parent_org": "", "org_name": "", "attendances": att,
                             "over_4h": int(att * rng.uniform(0.1, 0.35)),
                             "dta_4_12": rng.randint(100, 900), "dta_12_plus": rng.randint(0, 300),
                             "emergency_admissions": rng.randint(2000, 4000)})
    for v in range(N_VISITS):
        s = v % N_SYSTEMS + 1
        vid = f"visit-{v:05d}"
        visits.append({"visit_id": vid, "entity_id": vid, "system": f"Bench system {s:03d}",
                       "system_key": f"bench system {s:03d}", "trust": None, "site": None,
                       "date": f"20{24 + v % 3}-{v % 12 + 1:02d}-{v % 27 + 1:02d}",
                       "visit_type": "diagnostic", "status": "closed", "follows_visit_id": None,
                       "team_members": "[]", "people_met": "[]", "data_reviewed": "[]",
                       "presented_report": None, "created_report": None})
        for a, kind in enumerate(KINDS):
            rag = rng.choice(["red", "amber", "green", None])
            areas.append({"visit_id": vid, "entity_id": f"area-{a}", "kind": kind,
                          "label": kind.replace("_", " "), "form_hash": None, "position": a,
                          "deleted": False, "rag_worst": rag, "red": int(rag == "red"),
                          "amber": int(rag == "amber"), "green": int(rag == "green")})
        for f in range(8):
            findings.append({"visit_id": vid, "entity_id": f"finding-{f}",
                             "kind": rng.choice(["strength", "concern", "recommendation"]),
                             "text": "A fictional finding for the benchmark.",
                             "pathway": rng.choice(["flow", "weekends", "discharge"]),
                             "area_key": None, "item_ids": "[]", "horizon": None, "owner": None,
                             "position": f, "deleted": False})
        for n, (iid, label, unit) in enumerate(INDICATORS):
            indicators.append({"visit_id": vid, "indicator_id": iid, "label": label,
                               "value": round(rng.uniform(40, 99), 2), "unit": unit,
                               "rag": rng.choice(["red", "amber", "green"]),
                               "period": "12 weeks", "position": n})
    with engine.begin() as conn:
        for table, rows in ((t.systems, systems), (t.system_trusts, trusts),
                            (t.performance, perf), (t.read_visits, visits),
                            (t.read_areas, areas), (t.read_findings, findings),
                            (t.read_indicators, indicators)):
            conn.execute(insert(table), rows)
        conn.execute(text("ANALYZE"))


SMART_LIST_SQL = [
    "SELECT id, name, region, note FROM office_systems",
    "SELECT ods_code, system_id FROM office_system_trusts",
    "SELECT v.visit_id, v.date, v.system, v.system_key, COALESCE(l.system_id, s.id) "
    "FROM read_visits v LEFT JOIN office_visit_links l ON l.visit_id = v.visit_id "
    "LEFT JOIN office_systems s ON s.name_key = v.system_key",
    "SELECT visit_id, rag_worst FROM read_areas WHERE NOT deleted AND visit_id IN "
    "(SELECT DISTINCT ON (system_key) visit_id FROM read_visits ORDER BY system_key, date DESC)",
    "SELECT visit_id FROM read_findings WHERE kind = 'recommendation' AND NOT deleted",
    "SELECT visit_id, indicator_id, value FROM read_indicators WHERE value IS NOT NULL AND "
    "indicator_id IN ('four_hour_pct', 'occupancy_pct')",
    "SELECT st.system_id, p.month, SUM(p.attendances), SUM(p.over_4h), SUM(p.dta_12_plus), "
    "SUM(p.emergency_admissions) FROM office_performance p JOIN office_system_trusts st "
    "ON st.ods_code = p.org_code GROUP BY st.system_id, p.month ORDER BY 1, 2",
]
SYSTEM_SQL = [
    "SELECT * FROM office_systems WHERE id = 42",
    "SELECT * FROM read_visits WHERE system_key = 'bench system 042' ORDER BY date",
    "SELECT * FROM read_indicators WHERE visit_id IN (SELECT visit_id FROM read_visits "
    "WHERE system_key = 'bench system 042')",
    "SELECT * FROM read_areas WHERE visit_id IN (SELECT visit_id FROM read_visits "
    "WHERE system_key = 'bench system 042')",
    "SELECT * FROM read_findings WHERE visit_id IN (SELECT visit_id FROM read_visits "
    "WHERE system_key = 'bench system 042')",
    "SELECT p.month, SUM(p.attendances), SUM(p.over_4h) FROM office_performance p JOIN "
    "office_system_trusts st ON st.ods_code = p.org_code WHERE st.system_id = 42 "
    "GROUP BY p.month ORDER BY 1",
]


def median_ms(fn) -> float:  # type: ignore[no-untyped-def]
    for _ in range(WARM):
        fn()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    import httpx

    from sync.server.app import create_app
    from sync.server.db import open_database
    from sync.server.office import users
    from tests.sync.asgi import ASGISyncTransport
    from visitapp.domain.hlc import system_ms

    with postgres() as url:
        engine = open_database(url)
        start = time.perf_counter()
        populate(engine)
        print(f"populated {N_SYSTEMS} systems, {N_VISITS} visits, {N_MONTHS} months in "
              f"{time.perf_counter() - start:.1f} s")
        users.add_user(engine, email="bench@example.org", name="Bench", role="analyst",
                       password="benchmark password", now_ms=system_ms())
        session = users.sign_in(engine, "bench@example.org", "benchmark password",
                                now_ms=system_ms())
        client = httpx.Client(transport=ASGISyncTransport(create_app(engine)),
                              base_url="http://127.0.0.1",
                              cookies={"office_session": session.token})
        assert "Bench system" in client.get("/").text

        def bare(statements: list[str]):  # type: ignore[no-untyped-def]
            def run() -> None:
                with engine.connect() as conn:
                    for sql in statements:
                        conn.exec_driver_sql(sql).fetchall()
            return run

        def page(path: str):  # type: ignore[no-untyped-def]
            def run() -> None:
                response = client.get(path)
                assert response.status_code == 200, response.status_code
            return run

        rows = [("Smart list page (GET /)", page("/"), bare(SMART_LIST_SQL), 300),
                ("System page (GET /systems/42)", page("/systems/42"), bare(SYSTEM_SQL), 200)]
        print(f"{'measure':34} {'ours':>9} {'bare SQL':>9} {'ratio':>6} {'target':>8}")
        for label, ours, baseline, target in rows:
            o, b = median_ms(ours), median_ms(baseline)
            verdict = "met" if o <= target else "MISSED"
            print(f"{label:34} {o:7.1f}ms {b:7.1f}ms {o / b:6.1f} {target:6d}ms {verdict}")
        engine.dispose()


if __name__ == "__main__":
    main()
