"""The team's ratings: an item's suggestion until they set one, an area's computed rating
until they set one; both are ops (they survive a reload and travel in bundles) and both
show in `visits show --json`."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import visitapp
from tests.services.test_visits import new_visit
from visitapp.errors import BadValue, NotFound
from visitapp.services.bundles import export_visit, import_visit
from visitapp.services.visit_json import visit_to_json


def _ed(services):
    vid = new_visit(services, areas=(("emergency_department", ""),))
    return vid, services.visits.load(vid).areas[0].key


def test_item_override__is_the_rating_that_counts_and_the_suggestion_stays(services):
    vid, ed = _ed(services)
    services.visits.answer(vid, ed, "ed.handovers_over_30", "3")
    area = services.visits.load(vid).area(ed)
    item = area.form.item("ed.handovers_over_30")
    assert (area.suggested_rag(item), area.item_rag(item)) == ("red", "red")
    services.visits.rate_item(vid, ed, "ed.handovers_over_30", "amber", author="Alex")
    area = services.visits.load(vid).area(ed)
    assert (area.suggested_rag(item), area.item_rag(item)) == ("red", "amber")
    assert area.rag().counts == {"green": 0, "amber": 1, "red": 0}
    services.visits.rate_item(vid, ed, "ed.handovers_over_30", None)
    assert services.visits.load(vid).area(ed).item_rag(item) == "red"
    with pytest.raises(BadValue, match="not one of: green, amber, red"):
        services.visits.rate_item(vid, ed, "ed.handovers_over_30", "purple")
    with pytest.raises(NotFound):
        services.visits.rate_item(vid, ed, "ed.no_such_item", "red")


def test_area_of_4_green_1_amber_1_red__is_amber_and_a_critical_red_makes_it_red(services):
    vid, ed = _ed(services)
    for item_id, value in (("ed.four_hour_today", "96"), ("ed.lwbs_percent", "2"),
                           ("ed.reattendance_7d", "3"), ("ed.clinical_streaming", "yes"),
                           ("ed.longest_handover_today", "25"),  # amber
                           ("ed.handovers_over_30", "4")):  # red, not critical
        services.visits.answer(vid, ed, item_id, value)
    rating = services.visits.load(vid).area(ed).rag()
    assert rating.counts == {"green": 4, "amber": 1, "red": 1}
    assert (rating.overall, rating.set_by_team) == ("amber", False)
    services.visits.answer(vid, ed, "ed.dta_over_12h", "1")  # critical
    rating = services.visits.load(vid).area(ed).rag()
    assert rating.overall == "red" and rating.critical_reds == ("ed.dta_over_12h",)
    services.visits.rate_area(vid, ed, "amber", author="Alex")
    rating = services.visits.load(vid).area(ed).rag()
    assert (rating.overall, rating.computed, rating.set_by_team) == ("amber", "red", True)
    services.visits.rate_area(vid, ed, None)
    assert services.visits.load(vid).area(ed).rag().overall == "red"


def test_visit_json__area_rag_object_and_answer_ratings(services):
    vid, ed = _ed(services)
    services.visits.answer(vid, ed, "ed.paeds_nurse", "no")
    services.visits.answer(vid, ed, "ed.patients_in_majors", "12")
    services.visits.rate_item(vid, ed, "ed.paeds_nurse", "amber")
    services.visits.rate_area(vid, ed, "green")
    data = visit_to_json(services.visits.load(vid))
    assert data["areas"][0]["rag"] == {"overall": "green", "set_by_team": True,
                                       "counts": {"green": 0, "amber": 1, "red": 0}}
    answers = {a["item_id"]: a for a in data["answers"]}
    assert (answers["ed.paeds_nurse"]["rag"], answers["ed.paeds_nurse"]["suggested_rag"]) == (
        "amber", "red")
    assert (answers["ed.patients_in_majors"]["rag"],
            answers["ed.patients_in_majors"]["suggested_rag"]) == (None, None)


def test_team_ratings__travel_in_a_bundle(services, other_services, tmp_path):
    vid, ed = _ed(services)
    services.visits.answer(vid, ed, "ed.paeds_nurse", "no")
    services.visits.rate_item(vid, ed, "ed.paeds_nurse", "amber")
    services.visits.rate_area(vid, ed, "green")
    export_visit(services, vid, tmp_path / "v.zip")
    import_visit(other_services, tmp_path / "v.zip")
    assert visit_to_json(other_services.visits.load(vid)) == visit_to_json(
        services.visits.load(vid))


def test_cli__answer_with_rag_and_area_rate(tmp_path):
    db = tmp_path / "t.db"
    vid = visitapp(db, "visits", "new", "--system", "Test", "--date", "2026-12-01",
                   "--area", "emergency_department", check=True).stdout.strip()
    ed = json.loads(visitapp(db, "visits", "show", vid, "--json", check=True).stdout)[
        "areas"][0]["key"]
    visitapp(db, "answer", vid, ed, "ed.handovers_over_30", "3", "--rag", "amber", check=True)
    visitapp(db, "answer", vid, ed, "ed.paeds_nurse", "no", check=True)
    rated = visitapp(db, "area", "rate", vid, ed, "green", check=True)
    assert "set by the team" in rated.stderr
    data = json.loads(visitapp(db, "visits", "show", vid, "--json", check=True).stdout)
    answers = {a["item_id"]: a for a in data["answers"]}
    assert answers["ed.handovers_over_30"]["rag"] == "amber"
    assert answers["ed.handovers_over_30"]["suggested_rag"] == "red"
    assert data["areas"][0]["rag"]["set_by_team"] is True
    visitapp(db, "answer", vid, ed, "ed.handovers_over_30", "--rag", "suggested", check=True)
    visitapp(db, "area", "rate", vid, ed, "--clear", check=True)
    data = json.loads(visitapp(db, "visits", "show", vid, "--json", check=True).stdout)
    assert data["areas"][0]["rag"]["overall"] == "red"  # a critical red (ed.paeds_nurse)
    assert data["areas"][0]["rag"]["set_by_team"] is False
    bad = visitapp(db, "area", "rate", vid, ed, "purple")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "purple" in bad.stderr
    text = visitapp(db, "visits", "show", vid, check=True).stdout
    assert "RAG red (0 green, 0 amber, 2 red)" in text
