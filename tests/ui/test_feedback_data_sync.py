"""The feedback, data and sync parts of the app without a browser: view-model words, and
screens built over real services with a stand-in page (handlers called directly)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flet as ft
import pytest

from tests.ui.test_screens_build import FakePage
from visitapp.domain.visit import TeamMember
from visitapp.services import feedback as fb
from visitapp.services.app import Services
from visitapp.services.walkthrough import TabletPrefs, pending_by_visit
from visitapp.store import oplog
from visitapp.ui import viewmodels as vm
from visitapp.ui.main import App, StatusBar, SyncHub
from visitapp.ui.routes import build_screen


def find(control: Any, ident: str) -> Any:
    """The control with this semantics identifier under `control` (depth first)."""
    if getattr(control, "identifier", None) == ident:
        return control
    children: list[Any] = []
    for name in ("content", "controls", "actions"):
        value = getattr(control, name, None)
        if isinstance(value, list):
            children += value
        elif value is not None and not isinstance(value, str):
            children.append(value)
    for child in children:
        hit = find(child, ident)
        if hit is not None:
            return hit
    return None


def words(control: Any) -> str:
    """All the text under `control`."""
    out = []
    if isinstance(control, ft.Text) and control.value:
        out.append(control.value)
    for name in ("content", "controls"):
        value = getattr(control, name, None)
        for child in value if isinstance(value, list) else [value]:
            if child is not None and not isinstance(child, str):
                out.append(words(child))
    return " ".join(x for x in out if x)


def tap(control: Any) -> None:
    """Tap a `button()` (a Semantics around the button)."""
    control.content.on_click(None)


@pytest.fixture
def app(services: Services, db_path: Path) -> App:
    return App(FakePage(), services, TabletPrefs(db_path))  # type: ignore[arg-type]


def small_visit(services: Services, system: str = "Screen Test System (fictional)") -> str:
    return services.visits.create_visit(
        system=system, date="2026-11-27", visit_type="diagnostic",
        areas=[("emergency_department", "ED")],
        team=[TeamMember("Test Lead", "Visit lead")], author="Test Lead")


# --- feedback ----------------------------------------------------------------------------

def test_feedback_order__moves_one_finding_within_its_kind(services: Services) -> None:
    vid = small_visit(services)
    ids = [services.visits.add_finding(vid, kind=k, text=f"Finding {n}")
           for n, k in enumerate(["strength", "recommendation", "recommendation",
                                  "recommendation"])]
    groups = fb.feedback_findings(services.visits.load(vid))
    assert vm.feedback_order(groups, "recommendation", ids[2], -1) == [
        ids[0], ids[2], ids[1], ids[3]]
    assert vm.feedback_order(groups, "recommendation", ids[3], 1) == ids  # already last
    assert vm.feedback_order(groups, "strength", ids[0], -1) == ids


def test_feedback_screen__reorders_accepts_a_suggestion_and_previews(
        app: App, services: Services, demo_visit_id: str) -> None:
    screen = build_screen(app, f"/visit/{demo_visit_id}/feedback")
    recs = fb.feedback_findings(services.visits.load(demo_visit_id))["recommendation"]
    tap(find(screen.view, f"down-{recs[0].id}"))
    after = fb.feedback_findings(services.visits.load(demo_visit_id))["recommendation"]
    assert [f.id for f in after] == [recs[1].id, recs[0].id, *[f.id for f in recs[2:]]]
    assert find(screen.view, f"up-{recs[1].id}").content.disabled  # now first
    drafts = fb.suggested_findings(services.visits.load(demo_visit_id))
    tap(find(screen.view, "suggest-add-0"))
    state = services.visits.load(demo_visit_id)
    assert any(f.text == drafts[0].text and f.item_ids == drafts[0].item_ids
               for f in state.findings)
    asyncio.run(screen._update_preview())
    preview = words(screen.preview)
    assert "Recommendations" in preview and "Appendices" in preview
    assert screen.present_btn.content.disabled  # nothing to present before a PDF


def test_feedback_screen__patient_data_is_said_inline_with_where(
        app: App, services: Services) -> None:
    vid = small_visit(services)
    key = services.visits.load(vid).areas[0].key
    services.visits.rename_area(vid, key, "ED by AB9 9ZZ")  # a made-up postcode
    screen = build_screen(app, f"/visit/{vid}/feedback")
    asyncio.run(screen._update_preview())
    assert screen.problem.visible
    shown = words(screen.problem)
    assert f"The name of area {key}: looks like postcode" in shown


def test_presented_and_file_name_words() -> None:
    assert vm.pdf_file_name("Riverside Health & Care (demo)", "2026-11-27") == \
        "feedback-riverside-health-care-demo-2026-11-27.pdf"
    line = vm.presented_text(2, "27 Nov 2026 14:05", "Test Lead", 250_000, "ab" * 32)
    assert line == ("Version 2: presented 27 Nov 2026 14:05 by Test Lead · 244 KB · "
                    "fingerprint abababababab")


# --- data --------------------------------------------------------------------------------

def test_chart_summaries__say_in_words_what_the_colours_show() -> None:
    profile = {d: {"admissions": 70.0, "discharges": 75.0 if d not in ("Sat", "Sun") else 40.0}
               for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
    text = vm.day_of_week_summary(profile)
    assert "lowest on Sat (40, against 70 admissions)" in text
    assert "Weekend discharges 40 a day against 75 on weekdays" in text
    assert vm.four_hour_summary([("2026-11-02", 96.0), ("2026-11-09", 88.5)]) == (
        "1 of 2 weeks at or above the 95% standard. Best: 96.0% (week of 2 Nov); worst: "
        "88.5% (week of 9 Nov); latest: 88.5%.")
    assert vm.stranded_summary([("2026-11-01", 120, 40), ("2026-11-02", 110, None)]) == (
        "Stranded: 120 on 1 Nov, 110 on 2 Nov (down); mean 115. "
        "Super-stranded: 40 on 1 Nov, 40 on 1 Nov (unchanged); mean 40.")
    assert "import a daily extract" in vm.day_of_week_summary({})


def test_data_screen__shows_indicators_saves_a_figure_and_definitions(
        app: App, services: Services, demo_visit_id: str) -> None:
    screen = build_screen(app, f"/visit/{demo_visit_id}/data")
    four = find(screen.view, "ind-four_hour_pct")
    assert four.label.startswith("4-hour performance: 90.4%. Rating: Amber.")
    assert "0 of 13 weeks" in words(find(screen.view, "chart-four-hour-summary"))
    field = screen.manual_fields["trolley_waits_12h"]
    field.field.value = "3"
    assert field.commit()
    manual = {i.id: i for i in services.metrics.indicators(demo_visit_id)}
    assert manual["trolley_waits_12h"].value == 3
    assert find(screen.view, "ind-trolley_waits_12h").label.startswith(
        "Trolley waits over 12 hours: 3 patients. Rating: Red.")
    field.field.value = "lots"
    assert not field.commit()
    assert "is not a number" in screen.manual_errors["trolley_waits_12h"].value
    screen.stranded.on_pick("gt7")
    assert services.metrics.definitions(demo_visit_id).stranded == "gt7"


def test_data_screen__a_follow_up_without_its_earlier_visit_says_so(
        app: App, services: Services) -> None:
    vid = services.visits.create_visit(
        system="Follow-up Test System (fictional)", date="2026-11-27", visit_type="follow_up",
        follows_visit_id="0f0f0f0f-not-on-this-tablet", areas=[("emergency_department", "ED")],
        author="Test Lead")
    screen = build_screen(app, f"/visit/{vid}/data")
    assert screen.comparison_card.visible
    assert "is not on this tablet" in words(screen.comparison)


# --- sync --------------------------------------------------------------------------------

def test_status_line__shows_the_pending_count_and_updates_after_a_sync_run(
        services: Services, db_path: Path) -> None:
    vid = small_visit(services)
    app = App(FakePage(), services, TabletPrefs(db_path))  # type: ignore[arg-type]
    bar = StatusBar(app)
    pending = services.sync.status().pending
    assert pending > 0
    assert bar.pending.value == "Kept on this tablet"  # calm before enrolment
    assert bar.pending_box.label == (f"Sync is not set up yet: {pending} changes kept "
                                     "safely on this tablet")
    assert pending_by_visit(services)[vid] == pending
    hub = SyncHub(services)
    heard: list[Any] = []
    hub.listen(heard.append)
    key = services.visits.load(vid).areas[0].key
    services.visits.answer(vid, key, "ed.handover_within_15", "yes")
    hub._done(None, None)  # what the sync thread calls when a run ends
    assert heard[-1].pending == pending + 1
    app.status_bars = [bar]
    asyncio.run(app._show_sync(heard[-1]))
    assert bar.pending_box.label == (f"Sync is not set up yet: {pending + 1} changes kept "
                                     "safely on this tablet")


def test_sync_status_words__enrolled() -> None:
    from visitapp.services.sync import SyncStatus

    status = SyncStatus(enrolled=True, server_url="https://office.example", pending=3,
                        rejected=[], last_sync_at="2026-11-27T14:05:00.000Z",
                        last_error="the programme office did not answer",
                        clock_warning="this tablet's clock is 7 minutes behind")
    assert vm.sync_status_short(status) == (
        "3 changes to sync · last sync 27 Nov 14:05 · sync problem · check the clock")
    lines = vm.sync_status_lines(status)
    assert "Changes waiting to be sent: 3." in lines
    assert "Last problem: the programme office did not answer." in lines


def make_conflict(services: Services, other: Services) -> tuple[str, str]:
    """The same visit on two tablets; each answers one item differently; one merges the
    other's ops (as a pull would). Returns (visit id, area key)."""
    vid = small_visit(services, "Conflict Test System (fictional)")
    key = services.visits.load(vid).areas[0].key
    with services.db.read() as conn:
        ops = oplog.ops_for_visit(conn, vid)
    with other.db.write() as conn:
        oplog.apply_ops(other.db, conn, ops)
    services.visits.answer(vid, key, "ed.handover_within_15", "no", author="Alex Example")
    other.visits.answer(vid, key, "ed.handover_within_15", "yes", author="Priya Example")
    with other.db.read() as conn:
        theirs = oplog.ops_for_visit(conn, vid)
    with services.db.write() as conn:
        oplog.apply_ops(services.db, conn, theirs)
    return vid, key


def test_overview__lists_a_conflict_and_resolves_it_by_choosing(
        app: App, services: Services, other_services: Services) -> None:
    vid, key = make_conflict(services, other_services)
    screen = build_screen(app, f"/visit/{vid}")
    assert screen.conflicts.control.visible
    shown = words(screen.conflicts.control)
    assert "Conflicts to settle (1)" in shown
    assert "ED: Are ambulance crews able to hand patients over" in shown
    assert "from Alex Example" in shown and "from Priya Example" in shown
    listed = services.sync.conflicts(vid)[0]
    choice = listed["competing"][0]["value"]
    tap(find(screen.view, "conflict-0-other-0-choose"))
    assert services.sync.conflicts(vid) == []
    assert services.visits.load(vid).area(key).answers["ed.handover_within_15"].value == choice
    assert not screen.conflicts.control.visible


def test_overview__resolves_a_conflict_with_a_written_value(
        app: App, services: Services, other_services: Services) -> None:
    vid, key = make_conflict(services, other_services)
    screen = build_screen(app, f"/visit/{vid}")
    screen.conflicts.writing[0].value = "perhaps"
    tap(find(screen.view, "conflict-0-write-save"))
    assert "Not saved" in words(find(screen.view, "conflict-0-error"))
    assert len(services.sync.conflicts(vid)) == 1
    screen.conflicts.writing[0].value = "Partly"
    tap(find(screen.view, "conflict-0-write-save"))
    assert services.sync.conflicts(vid) == []
    assert services.visits.load(vid).area(key).answers["ed.handover_within_15"].value == "partial"


@pytest.fixture
def hub(services: Services) -> Iterator[SyncHub]:
    h = SyncHub(services, interval_s=60, offline_s=60)
    yield h
    h.stop()


def test_sync_hub__runs_off_the_event_loop_and_reports_not_enrolled(hub: SyncHub) -> None:
    import threading

    done = threading.Event()
    hub.listen(lambda status: done.set())
    hub.start()
    assert done.wait(10)
    assert not hub.status.enrolled


def test_feedback_screen__an_edit_after_presenting_makes_a_new_version(
        app: App, services: Services) -> None:
    vid = small_visit(services)
    fid = services.visits.add_finding(vid, kind="strength", text="Calm, well-led department")
    screen = build_screen(app, f"/visit/{vid}/feedback")
    asyncio.run(screen._update_preview())
    asyncio.run(screen._create_pdf(None))  # no save dialog here: said, and the PDF is kept
    assert screen.pdf is not None and screen.pdf.data.startswith(b"%PDF")
    assert services.blobs.has(screen.pdf.sha256)
    assert not screen.present_btn.content.disabled
    asyncio.run(screen._present(None))
    first = fb.presented_reports(services, vid)
    assert [r.sha256 for r in first] == [screen.pdf.sha256]
    assert screen.present_btn.content.disabled  # that exact PDF is kept already
    assert "Version 1: presented" in words(screen.versions)
    services.visits.edit_finding(vid, fid, text="Calm, well-led department with a clear plan")
    screen._changed()
    asyncio.run(screen._update_preview())
    assert "create the PDF again" in screen.pdf_text.value
    assert screen.present_btn.content.disabled
    asyncio.run(screen._create_pdf(None))
    asyncio.run(screen._present(None))
    reports = fb.presented_reports(services, vid)
    assert len(reports) == 2 and reports[0].sha256 == first[0].sha256
    assert reports[1].sha256 != reports[0].sha256
    assert services.blobs.read(reports[0].sha256) != services.blobs.read(reports[1].sha256)
    assert "Version 2: presented" in words(screen.versions)


def test_data_screen__a_follow_up_shows_the_changes_since_the_earlier_visit(
        app: App, services: Services) -> None:
    from datetime import date, timedelta

    from visitapp.domain.indicators import DailyRow

    def rows(within: int) -> list[DailyRow]:
        return [DailyRow(day=date(2026, 6, 1) + timedelta(days=n),
                         counts={"attendances": 200, "within_4h": within})
                for n in range(7)]

    earlier = small_visit(services, "Earlier Test System (fictional)")
    services.metrics.store_rows(earlier, rows(170))
    later = services.visits.create_visit(
        system="Earlier Test System (fictional)", date="2026-11-27", visit_type="follow_up",
        follows_visit_id=earlier, areas=[("emergency_department", "ED")], author="Test Lead")
    services.metrics.store_rows(later, rows(180))
    screen = build_screen(app, f"/visit/{later}/data")
    shown = words(screen.comparison)
    assert "Compared with the visit of 2026-11-27." in shown
    assert "4-hour performance: 85 then, 90 now (up 5)" in shown


def test_checklist__shows_the_suggested_rating_and_the_team_overrides_it(
        app: App, services: Services, demo_visit_id: str) -> None:
    ed = services.visits.load(demo_visit_id).areas[0]
    screen = build_screen(app, f"/visit/{demo_visit_id}/area/{ed.key}")
    row = screen.rows["ed.handovers_over_30"]
    line = find(row.control, "suggested-ed.handovers_over_30")
    assert words(line) == "Suggested: Red. Standard: No handover over 30 minutes."

    def more_dialog() -> Any:  # the row's More, where the team changes the rating
        row._more(None)
        return app.page.dialogs[-1]

    tap(find(more_dialog(), "rate-ed.handovers_over_30-amber"))
    assert words(line).startswith("Team's rating: Amber (suggested: Red).")
    area = services.visits.load(demo_visit_id).area(ed.key)
    item = area.form.item("ed.handovers_over_30")
    assert area.item_rag(item) == "amber" and area.suggested_rag(item) == "red"
    tap(find(more_dialog(), "rate-ed.handovers_over_30-suggested"))
    assert services.visits.load(demo_visit_id).area(ed.key).item_rag(item) == "red"
    assert words(line) == "Suggested: Red. Standard: No handover over 30 minutes."
