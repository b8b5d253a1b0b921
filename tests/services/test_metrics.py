"""The data deep dive through the services and the CLI: import, ops, follow-up comparison."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import visitapp
from visitapp.errors import NotFound, UserError

CSV = (
    "date,attendances,within_4h,emergency_admissions,discharges,discharges_before_noon,"
    "occupied_beds,available_beds,stranded_7d,stranded_21d\n"
    "2026-11-02,300,270,80,70,14,570,600,120,40\n"
    "2026-11-03,310,300,85,75,20,580,600,118,38\n"
    "2026-11-07,200,190,60,40,8,560,600,110,35\n"
)


def visit(services, **extra):
    return services.visits.create_visit(system="Test system", date="2026-11-27",
                                        visit_type=extra.pop("visit_type", "diagnostic"),
                                        areas=[("inpatient_ward", "Ward 7")], **extra)


def test_import__stores_one_op_per_day_and_reimport_writes_nothing(services, tmp_path):
    vid = visit(services)
    path = tmp_path / "extract.csv"
    path.write_text(CSV)
    first = services.metrics.import_extract(vid, path)
    assert (first.taken, first.unchanged) == (3, 0)
    with services.db.read() as conn:
        count = conn.execute("SELECT COUNT(*) FROM ops WHERE entity = 'metric_day'").fetchone()[0]
    assert count == 3
    again = services.metrics.import_extract(vid, path)
    assert (again.taken, again.unchanged) == (0, 3)
    with services.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM ops WHERE entity = 'metric_day'").fetchone()[0] == 3
    four = next(i for i in services.metrics.indicators(vid) if i.id == "four_hour_pct")
    assert four.value == pytest.approx(760 / 810 * 100, abs=1e-3)


def test_import__unreadable_file_imports_nothing(services, tmp_path):
    vid = visit(services)
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\xff\xfe garbage")
    with pytest.raises(UserError, match=f"{path}: not UTF-8 text"):
        services.metrics.import_extract(vid, path)
    with pytest.raises(UserError, match="no such file"):
        services.metrics.import_extract(vid, tmp_path / "missing.csv")
    assert services.metrics.rows(vid) == []


def test_manual_figures_and_definitions__are_ops_and_show_in_indicators(services):
    vid = visit(services)
    services.metrics.set_manual(vid, "trolley_waits_12h", 3, period="October 2026", source="SitRep")
    services.metrics.set_definitions(vid, stranded="gt7", bank_holidays_as_weekend=False)
    result = {i.id: i for i in services.metrics.indicators(vid)}
    assert result["trolley_waits_12h"].value == 3 and result["trolley_waits_12h"].rag == "red"
    assert "more than 7 days" in result["stranded_mean"].definition
    with pytest.raises(NotFound):
        services.metrics.set_manual(vid, "nope", 1)


def test_follow_up__shows_changes_in_indicators_and_area_rag(services, tmp_path):
    earlier = visit(services)
    path = tmp_path / "before.csv"
    path.write_text(CSV)
    services.metrics.import_extract(earlier, path)
    ward = services.visits.load(earlier).areas[0]
    rag_item = next(i for i in ward.form.items if i.type.value == "rag" and not i.show_if)
    services.visits.answer(earlier, ward.key, rag_item.id, "red")

    later = visit(services, visit_type="follow_up", follows_visit_id=earlier)
    path.write_text(CSV.replace("270", "295").replace("2026-11-0", "2027-02-0"))
    services.metrics.import_extract(later, path)
    new_ward = services.visits.load(later).areas[0]
    services.visits.answer(later, new_ward.key, rag_item.id, "green")

    comparison = services.metrics.compare_with_earlier(later)
    four = next(c for c in comparison.indicators if c.id == "four_hour_pct")
    assert four.before == pytest.approx(93.8272, abs=1e-3)
    assert four.after == pytest.approx(785 / 810 * 100, abs=1e-3)
    assert four.delta == pytest.approx(four.after - four.before, abs=1e-3)
    assert [(c.label, c.before, c.after) for c in comparison.areas] == [("Ward 7", "red", "green")]


def test_follow_up__says_plainly_when_the_earlier_visit_is_missing(services):
    later = visit(services, visit_type="follow_up", follows_visit_id="0000-not-here")
    with pytest.raises(NotFound, match="is not on this tablet"):
        services.metrics.compare_with_earlier(later)


def plain_visit(db) -> str:
    from tests.conftest import open_test_services

    services = open_test_services(db)
    try:
        return visit(services)
    finally:
        services.close()


def test_data_cli__exit_0_with_skipped_lines_listed(tmp_path):
    db = tmp_path / "t.db"
    vid = plain_visit(db)
    path = tmp_path / "x.csv"
    path.write_text(CSV + "2026-11-08,5,9,1,1,1,1,1,1,1\n")
    result = visitapp(db, "data", "import", vid, str(path))
    assert result.returncode == 0, result.stderr
    assert f"{path}: skipped line 5: within_4h (9) is above attendances (5)" in result.stderr
    assert result.stderr.strip().endswith("took 3 row(s); skipped 1")
    shown = json.loads(visitapp(db, "data", "show", vid, "--json", check=True).stdout)
    ids = {i["id"]: i for i in shown["indicators"]}
    assert ids["four_hour_pct"]["rag"] == "amber"
    assert shown["charts"]["day_of_week"]["Mon"]["admissions"] == 80.0


def test_data_cli__exit_1_when_no_row_was_taken_or_the_file_is_unreadable(tmp_path):
    db = tmp_path / "t.db"
    vid = plain_visit(db)
    bad_rows = tmp_path / "bad.csv"
    bad_rows.write_text("date,attendances\nnope,1\n")
    result = visitapp(db, "data", "import", vid, str(bad_rows))
    assert result.returncode == 1
    assert "skipped line 2: date 'nope'" in result.stderr
    unreadable = tmp_path / "u.csv"
    unreadable.write_text("no date column here\n1\n")
    result = visitapp(db, "data", "import", vid, str(unreadable))
    assert result.returncode == 1
    assert result.stderr.strip() == f"visitapp: {unreadable}: line 1: no `date` column (columns found: no date column here)"
