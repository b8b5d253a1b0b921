"""The checklist's view model (plain Python, no browser): the way to what is left, undo as
a new write, the filter, and the tablet's place in each area."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from visitapp.domain.visit import TeamMember
from visitapp.services.app import Services
from visitapp.services.walkthrough import TabletPrefs
from visitapp.ui import viewmodels as vm


def ed_visit(services: Services) -> tuple[str, str]:
    vid = services.visits.create_visit(
        system="Model Test System (fictional)", date="2026-11-27", visit_type="diagnostic",
        areas=[("emergency_department", "ED")], team=[TeamMember("Test Lead", "Lead")])
    return vid, services.visits.load(vid).areas[0].key


def model(services: Services, db_path: Path, vid: str, key: str) -> vm.ChecklistViewModel:
    return vm.ChecklistViewModel(services.visits, TabletPrefs(db_path), vid, key, "Test Lead")


def test_next_to_answer__goes_to_the_first_unanswered_after_the_current_item(
        services: Services, db_path: Path) -> None:
    vid, key = ed_visit(services)
    m = model(services, db_path, vid, key)
    items = [i.id for i in m.area.visible_items()]
    assert m.next_to_answer() == items[0]
    m.set_answer(items[0], "yes")
    m.set_answer(items[2], "1")
    m.current = None  # from the top
    assert m.next_to_answer() == items[1]
    m.current = items[2]
    assert m.next_to_answer() == items[3]
    required = [i.id for i in m.area.visible_items() if i.required]
    m.current = None
    assert m.next_to_answer(required_only=True) == next(
        r for r in required if m.value(r) is None)


def test_undo__puts_back_a_cleared_answer_by_a_new_write(services: Services,
                                                           db_path: Path) -> None:
    vid, key = ed_visit(services)
    m = model(services, db_path, vid, key)
    item = "ed.handover_within_15"
    _, first = m.set_answer(item, "partial")
    assert first is not None and first.previous is None and first.message == "Answer saved"
    value, step = m.set_answer(item, None)
    assert value is None and step is not None and step.message == "Answer cleared"
    assert services.visits.load(vid).area(key).answers.get(item) is None or \
        services.visits.load(vid).area(key).answers[item].value is None
    with services.db.read() as conn:
        before = conn.execute("SELECT COUNT(*) FROM ops WHERE visit_id = ?", (vid,)).fetchone()[0]
    m.undo(step)
    assert services.visits.load(vid).area(key).answers[item].value == "partial"
    with services.db.read() as conn:
        after = conn.execute("SELECT COUNT(*) FROM ops WHERE visit_id = ?", (vid,)).fetchone()[0]
    assert after == before + 1  # an op like any other: it syncs
    # a changed number comes back as it was
    m.set_answer("ed.longest_handover_today", "1h30m")
    _, change = m.set_answer("ed.longest_handover_today", "45")
    assert change is not None and change.message == "Answer changed"
    m.undo(change)
    assert services.visits.load(vid).area(key).answers["ed.longest_handover_today"].value == 90


def test_filter__shows_only_unanswered__and_keeps_those_answered_meanwhile(
        services: Services, db_path: Path) -> None:
    vid, key = ed_visit(services)
    m = model(services, db_path, vid, key)
    items = [i.id for i in m.area.visible_items()]
    m.set_answer(items[0], "yes")
    m.set_filter(True)
    assert items[0] not in m.shown_ids() and items[1] in m.shown_ids()
    m.set_answer(items[1], "2")
    assert items[1] in m.shown_ids()  # not whisked away under the user's finger
    m.set_filter(True)
    assert items[1] not in m.shown_ids()


def test_position__is_kept_on_this_tablet_and_said_as_continue(services: Services,
                                                               db_path: Path) -> None:
    vid, key = ed_visit(services)
    m = model(services, db_path, vid, key)
    items = [i.id for i in m.area.visible_items()]
    m.touch(items[4])  # as a tap on its More, or focus in its field, does
    again = TabletPrefs(db_path)  # as after a restart
    assert again.last_position(vid) == (key, items[4])
    assert again.area_position(vid, key) == items[4]
    assert model(services, db_path, vid, key).current == items[4]
    at = vm.continue_at(services.visits.load(vid), again.last_position(vid))
    assert at is not None
    assert at.label == f"Continue: ED, item 5 of {len(items)}"
    assert at.route(vid) == f"/visit/{vid}/area/{key}"
    # never an op, never in the visit's JSON
    import json

    from visitapp.services.visit_json import visit_to_json

    assert items[4] not in json.dumps(visit_to_json(services.visits.load(vid)))
    with services.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM ops WHERE entity != 'form' AND "
                            "(value LIKE ? OR entity_id LIKE ?)",
                            (f"%{items[4]}%", f"%{items[4]}%")).fetchone()[0] == 0
    assert vm.continue_at(services.visits.load(vid), (key, "no.such.item")) is None


def test_user_words__drop_the_internal_id() -> None:
    assert vm.user_words("item ed.patients_in_majors: expected a whole number, like 12") == \
        "Expected a whole number, like 12"
    assert vm.user_words("a finding needs some text") == "A finding needs some text"


def test_sync_words__before_enrolment__are_calm_about_the_demo() -> None:
    assert vm.visit_sync_text(524, enrolled=False, demo=True) == "Demo visit: kept on this tablet"
    assert vm.visit_sync_text(524, enrolled=True, demo=True) == "524 changes waiting to sync"


def test_new_visit__starts_on_the_apps_date(services: Services, db_path: Path) -> None:
    from tests.ui.test_screens_build import FakePage
    from visitapp.ui.main import App
    from visitapp.ui.routes import build_screen

    app = App(FakePage(), services, TabletPrefs(db_path),  # type: ignore[arg-type]
              today=lambda: date(2027, 3, 4))
    screen = build_screen(app, "/new")
    assert screen.date.value == "2027-03-04"
