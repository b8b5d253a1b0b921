"""End to end in headless Chromium: the walk-through app over a real visit database.

One app server serves the module; each test opens its own browser context (a new Flet
session). What the screen shows is checked on screen, and what was stored is checked
through the services on the same database file.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import open_test_services
from tests.ui.harness import AppServer, Tab
from visitapp.domain.privacy import nhs_number_is_valid
from visitapp.domain.visit import TeamMember
from visitapp.services.app import Services
from visitapp.services.walkthrough import TabletPrefs

pytestmark = pytest.mark.browser

SYSTEM = "Northgate Test System (fictional)"


def fictional_nhs_number() -> str:
    """A number that passes the Modulus 11 check from the 999 range, never issued."""
    for n in range(999_000_0000, 999_999_9999):
        digits = str(n)
        if nhs_number_is_valid(digits):
            return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    raise AssertionError("no valid number")


@pytest.fixture
def store(app_db: Path, server: AppServer) -> Iterator[Services]:
    s = open_test_services(app_db)
    yield s
    s.close()


def wait_until(check, timeout: float = 10.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def make_visit(store: Services, system: str) -> tuple[str, str, str]:
    vid = store.visits.create_visit(
        system=system, date="2026-11-27", visit_type="diagnostic",
        areas=[("emergency_department", "ED"), ("inpatient_ward", "Ward 7 (medical)")],
        team=[TeamMember("Test Lead", "Visit lead"), TeamMember("Second Reviewer", "Nurse")],
        author="Test Lead")
    state = store.visits.load(vid)
    return vid, state.areas[0].key, state.areas[1].key


def test_first_run__shows_the_demo_visit(tab: Tab, store: Services) -> None:
    visits = store.visits.list_visits()
    assert len(visits) == 1 and "(demo)" in visits[0]["system"]
    tab.open()
    tab.wait(f"visit-{visits[0]['id']}")
    tab.click(f"visit-{visits[0]['id']}")
    state = store.visits.load(visits[0]["id"])
    tab.wait(f"area-{state.areas[0].key}")
    assert "answered" in tab.text_of(f"area-{state.areas[0].key}")
    # into an area and back, by the app bar's back arrow and by the Overview button
    first = state.areas[0].key
    tab.click(f"area-{first}")
    tab.wait("area-progress")
    tab.page.get_by_role("button", name="Back").first.click()
    tab.wait(f"area-{first}")
    wait_until(lambda: not tab.exists("area-progress"), what="the checklist to go")
    tab.click(f"area-{first}")
    tab.wait("area-progress")
    tab.click("overview")
    tab.wait(f"area-{first}")
    tab.reveal(f"area-{first}")
    wait_until(lambda: not tab.exists("area-progress"), what="the checklist to go")
    # Connectivity is shown; going offline cannot be tested here: Chromium's offline
    # emulation also cuts the app's own loopback websocket (on a tablet it stays up).
    tab.wait_text("status-online", "Online")


def test_new_visit__with_two_areas__is_stored(tab: Tab, store: Services, app_db: Path) -> None:
    tab.open()
    tab.click("new-visit")
    tab.wait("new-system")
    tab.type_into("new-system", SYSTEM)
    tab.type_into("new-trust", "Northgate Test Trust (fictional)")
    tab.type_into("team-name-0", "Test Lead")
    tab.type_into("team-role-0", "Visit lead")
    tab.click("add-member")
    tab.type_into("team-name-1", "Second Reviewer")
    tab.click("new-type-follow_up")
    tab.wait("i-am-1")
    tab.click("i-am-1")
    tab.click("add-area-emergency_department")
    tab.click("add-area-inpatient_ward")
    tab.type_into("area-label-2", "Ward 12 (surgical)")
    tab.click("start-visit")
    row = wait_until(lambda: next((v for v in store.visits.list_visits()
                                   if v["system"] == SYSTEM), None), what="the new visit")
    state = store.visits.load(row["id"])
    assert state.visit_type == "follow_up"
    assert [(a.kind, a.label) for a in state.areas] == [
        ("emergency_department", "Emergency Department"), ("inpatient_ward", "Ward 12 (surgical)")]
    assert [m.name for m in state.team] == ["Test Lead", "Second Reviewer"]
    wait_until(lambda: TabletPrefs(app_db).i_am(row["id"]) == "Second Reviewer",
               what="'I am' kept for the visit")
    for area in state.areas:
        tab.wait(f"area-{area.key}")
    # a second ward, added later from the overview
    tab.click("add-area")
    tab.click("new-area-kind-inpatient_ward")
    tab.type_into("new-area-label", "Ward 7 (medical)", submit=None)
    tab.click("add-area-save")
    wait_until(lambda: len(store.visits.load(row["id"]).areas) == 3, what="the added area")
    added = store.visits.load(row["id"]).areas[2]
    assert (added.kind, added.label) == ("inpatient_ward", "Ward 7 (medical)")
    tab.wait(f"area-{added.key}")


def test_checklist__every_answer_type__saved_and_there_after_leaving(
        tab: Tab, store: Services) -> None:
    vid, ed, ward = make_visit(store, "Checklist Test System (fictional)")
    tab.open(f"visit/{vid}")
    tab.click("i-am-1")  # "I am" is recorded on every answer from this tablet
    tab.wait_selected("i-am-1")
    tab.click(f"area-{ed}")
    tab.wait("area-progress")

    def stored(item_id: str):  # type: ignore[no-untyped-def]
        a = store.visits.load(vid).area(ed).answers.get(item_id)
        return a

    def value_is(item_id: str, expected) -> None:  # type: ignore[no-untyped-def]
        wait_until(lambda: (a := stored(item_id)) is not None and a.value == expected,
                   what=f"{item_id} stored as {expected!r}")

    # yes / partly / no
    tab.click("ans-ed.handover_within_15-partial")
    value_is("ed.handover_within_15", "partial")
    tab.wait_selected("ans-ed.handover_within_15-partial")
    assert stored("ed.handover_within_15").answered_by == "Second Reviewer"
    # duration, typed the way people say it
    tab.type_into("ans-ed.longest_handover_today", "1h30m")
    value_is("ed.longest_handover_today", 90)
    tab.wait_text("shown-ed.longest_handover_today", "1 h 30 min")
    # count
    tab.type_into("ans-ed.handovers_over_30", "3")
    value_is("ed.handovers_over_30", 3)
    # yes / no, which brings two items in through show_if
    assert not tab.exists("item-ed.gp_stream_hours")
    tab.click("ans-ed.gp_stream-yes")
    value_is("ed.gp_stream", "yes")
    tab.wait("item-ed.gp_stream_hours")
    tab.type_into("ans-ed.gp_stream_hours", "Weekdays 08:00 to 22:00, weekends 10:00 to 18:00")
    value_is("ed.gp_stream_hours", "Weekdays 08:00 to 22:00, weekends 10:00 to 18:00")
    tab.type_into("ans-ed.gp_stream_closes", "21.30")
    value_is("ed.gp_stream_closes", "21:30")
    # percent
    tab.type_into("ans-ed.four_hour_today", "72%")
    value_is("ed.four_hour_today", 72)
    # a refused value is said inline, and nothing is stored
    tab.type_into("ans-ed.patients_in_majors", "lots")
    tab.wait_text("error-ed.patients_in_majors", "Not saved")
    assert stored("ed.patients_in_majors") is None
    # a note that looks like patient data: warned inline, stored only once confirmed
    tab.click("more-ed.corridor_patients")  # one "More" per item: guidance, note, flags, photo
    tab.wait_text("guidance-ed.corridor_patients", "trolleys or chairs")
    tab.click("note-btn-ed.corridor_patients")
    tab.type_into("note-ed.corridor_patients", f"Trolley list showed {fictional_nhs_number()}")
    tab.wait("note-ed.corridor_patients-warn-message")
    tab.wait_text("note-ed.corridor_patients-warn-message", "patient data")
    assert stored("ed.corridor_patients") is None
    tab.click("note-ed.corridor_patients-warn-confirm")
    wait_until(lambda: (a := stored("ed.corridor_patients")) is not None and a.note_confirmed,
               what="the confirmed note")
    # flag as concern: a finding linked to the item
    tab.click("more-ed.corridor_patients")
    tab.click("flag-concern-ed.corridor_patients")
    tab.wait("finding-save")
    tab.click("finding-save")
    finding = wait_until(lambda: store.visits.load(vid).findings, what="the finding")[0]
    assert (finding.kind, finding.area_key, finding.item_ids) == (
        "concern", ed, ["ed.corridor_patients"])
    tab.wait_text("flags-ed.corridor_patients", "1 concern")
    # multiple choice, through show_if on a partial answer
    tab.click("ans-ed.specialties_pull-no")
    value_is("ed.specialties_pull", "no")
    tab.click("ans-ed.slow_specialties-medicine")
    value_is("ed.slow_specialties", ["medicine"])
    tab.click("ans-ed.slow_specialties-mental_health")
    value_is("ed.slow_specialties", ["medicine", "mental_health"])
    # single choice
    tab.click("ans-ed.consultant_presence-from_12_to_16h")
    value_is("ed.consultant_presence", "from_12_to_16h")
    # RAG
    tab.click("ans-ed.department_feel-amber")
    value_is("ed.department_feel", "amber")
    tab.wait_selected("ans-ed.department_feel-amber")
    tab.wait_text("status-saved", "Saved")

    # leave for the next area and come back with previous
    tab.click("next-area")
    tab.wait(f"item-{store.visits.load(vid).area(ward).form.items[0].id}")
    tab.click("prev-area")
    tab.wait("ans-ed.handover_within_15-partial")
    tab.wait_selected("ans-ed.handover_within_15-partial")
    tab.wait_text("shown-ed.longest_handover_today", "1 h 30 min")
    tab.reveal("ans-ed.gp_stream_closes")
    tab.wait_text("shown-ed.gp_stream_closes", "21:30")
    tab.reveal("flags-ed.corridor_patients")
    tab.wait_text("flags-ed.corridor_patients", "1 concern")
    tab.reveal("ans-ed.slow_specialties-mental_health")
    assert tab.is_selected("ans-ed.slow_specialties-medicine")
    assert tab.is_selected("ans-ed.slow_specialties-mental_health")
    assert not tab.is_selected("ans-ed.slow_specialties-surgery")
    tab.reveal("ans-ed.department_feel-amber")
    assert tab.is_selected("ans-ed.department_feel-amber")
    # and answering still works on the screen we came back to
    tab.click("ans-ed.department_feel-green")
    value_is("ed.department_feel", "green")
    tab.wait_selected("ans-ed.department_feel-green")
    assert not tab.is_selected("ans-ed.department_feel-amber")

    # all ten answer types were given
    answers = store.visits.load(vid).area(ed).answers
    form = store.visits.load(vid).area(ed).form
    types = {form.item(i).type.value for i, a in answers.items() if a.value is not None}
    assert len(types) == 10, types


def test_killed_and_restarted__everything_is_still_there(
        browser, server: AppServer, app_db: Path) -> None:  # type: ignore[no-untyped-def]
    from visitapp.services.visit_json import visit_to_json

    with _opened(app_db) as store:
        vid, ed, ward = make_visit(store, "Restart Test System (fictional)")
    tab = Tab(browser, server.url).open(f"visit/{vid}/area/{ward}")
    first = None
    try:
        with _opened(app_db) as store:
            area = store.visits.load(vid).area(ward)
            rag_item = next(i for i in area.visible_items() if i.type.value == "rag")
            text_item = next(i for i in area.visible_items() if i.type.value == "text")
            first = area.form.items[0]
        tab.click(f"ans-{rag_item.id}-red")
        tab.wait_selected(f"ans-{rag_item.id}-red")
        tab.type_into(f"ans-{text_item.id}", "Board round at 09:30 led by the consultant",
                      submit=None)
        # no blur: the pause in typing saves it
        tab.wait_text("status-saved", "Saved answer")
        with _opened(app_db) as store:
            wait_until(lambda: store.visits.load(vid).area(ward).answers.get(text_item.id),
                       what="the typed answer saved after a pause")
            before = {v["id"]: visit_to_json(store.visits.load(v["id"]))
                      for v in store.visits.list_visits()}
    finally:
        tab.close()
    server.kill()
    server.start()
    with _opened(app_db) as store:
        after = {v["id"]: visit_to_json(store.visits.load(v["id"]))
                 for v in store.visits.list_visits()}
        assert after == before
        answers = store.visits.load(vid).area(ward).answers
        assert answers[rag_item.id].value == "red"
        assert answers[text_item.id].value == "Board round at 09:30 led by the consultant"
    tab = Tab(browser, server.url).open(f"visit/{vid}/area/{ward}")
    try:
        tab.wait(f"item-{first.id}")
        tab.reveal(f"ans-{rag_item.id}-red")
        assert tab.is_selected(f"ans-{rag_item.id}-red")
        assert not tab.unexpected_outside()
    finally:
        tab.close()


class _opened:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Services:
        self.s = open_test_services(self.path)
        return self.s

    def __exit__(self, *exc: object) -> None:
        self.s.close()


def test_findings__added_with_privacy_check__edited_and_deleted(
        tab: Tab, store: Services) -> None:
    vid, ed, ward = make_visit(store, "Findings Test System (fictional)")
    tab.open(f"visit/{vid}/findings")
    tab.click("add-finding")
    tab.wait("finding-save")
    tab.click("finding-kind-recommendation")
    tab.type_into("finding-text", "Discharge lounge staff met the family from AB9 9ZZ", submit=None)
    tab.click("finding-pathway-discharge")
    tab.click("finding-horizon-quick_win")
    tab.type_into("finding-owner", "Chief nurse", submit=None)
    tab.click("finding-save")
    tab.wait_text("finding-warn-message", "postcode")
    assert store.visits.load(vid).findings == []
    tab.click("finding-warn-confirm")
    found = wait_until(lambda: store.visits.load(vid).findings, what="the finding")[0]
    assert (found.kind, found.pathway, found.horizon, found.owner, found.text_confirmed) == (
        "recommendation", "discharge", "quick_win", "Chief nurse", True)
    tab.wait(f"finding-{found.id}")
    tab.click(f"edit-{found.id}")
    tab.wait("finding-save")
    tab.type_into("finding-text", "Open the discharge lounge at 08:00", submit=None)
    tab.click("finding-save")
    wait_until(lambda: store.visits.load(vid).findings[0].text == "Open the discharge lounge at 08:00",
               what="the edit")
    tab.click(f"delete-{found.id}")
    tab.click("delete-confirm")
    wait_until(lambda: store.visits.load(vid).findings == [], what="the deletion")


def test_photo__picked_captioned_and_attached_to_an_item(
        tab: Tab, store: Services, tmp_path: Path) -> None:
    from PIL import Image

    vid, ed, ward = make_visit(store, "Photo Test System (fictional)")
    picture = tmp_path / "corridor.jpg"
    Image.new("RGB", (640, 480), (0, 94, 184)).save(picture)
    tab.open(f"visit/{vid}/area/{ed}")
    tab.click("more-ed.handover_within_15")
    tab.click("photo-ed.handover_within_15")
    # the no-patient reminder comes before the visit's first photo, once
    tab.wait("reminder-ok")
    with tab.page.expect_file_chooser() as chooser:
        tab.click("reminder-ok")
    chooser.value.set_files(str(picture))
    tab.wait("photo-save")
    tab.type_into("photo-caption", "Empty ambulance bay", submit=None)
    tab.click("photo-save")
    photo = wait_until(lambda: store.visits.load(vid).attachments, what="the photo")[0]
    assert (photo.caption, photo.area_key, photo.item_id) == (
        "Empty ambulance bay", ed, "ed.handover_within_15")
    assert store.blobs.has(photo.sha256) and store.blobs.has(photo.report_sha256)
    tab.wait_text("flags-ed.handover_within_15", "1 photo")


def test_portrait__touch_targets_are_48px_and_labelled(browser, server: AppServer,  # type: ignore[no-untyped-def]
                                                        store: Services) -> None:
    from tests.ui.harness import PORTRAIT

    vid, ed, ward = make_visit(store, "Portrait Test System (fictional)")
    tab = Tab(browser, server.url, viewport=PORTRAIT).open(f"visit/{vid}/area/{ed}")
    try:
        tab.wait("ans-ed.handover_within_15-yes")
        tab.click("ans-ed.handover_within_15-yes")
        tab.wait_selected("ans-ed.handover_within_15-yes")
        # controls cut by the edges of the scrolling list report their visible part only
        small = tab.page.evaluate("""() => {
            const box = id => document.querySelector(
                `[flt-semantics-identifier="${id}"]`).getBoundingClientRect();
            const top = box('checklist-tools').bottom, bottom = box('next-unanswered').top;
            return Array.from(document.querySelectorAll(
                  'flt-semantics[role=button], flt-semantics[role=checkbox], input, textarea'))
                .map(e => [e.closest('[flt-semantics-identifier]')?.getAttribute(
                             'flt-semantics-identifier') || '?', e.getBoundingClientRect()])
                .filter(([id, r]) => r.height > 0 && ((r.top > top + 12 && r.bottom < bottom - 12)
                    || ['prev-area', 'overview', 'next-area', 'next-unanswered', 'next-required',
                        'section-index', 'only-unanswered'].includes(id)))
                .map(([id, r]) => [id + ' ' + Math.round(r.width) + 'x' + Math.round(r.height),
                                   r.height < 47.5 || r.width < 47.5]);
        }""")
        assert len(small) >= 15, f"too few controls checked: {small}"
        small = [what for what, too_small in small if too_small]
        assert small == [], f"touch targets under 48 px: {small}"
        unlabelled = tab.page.evaluate("""() => Array.from(document.querySelectorAll(
              'flt-semantics[role=button], input, textarea'))
            .filter(e => !(e.getAttribute('aria-label') || e.innerText || '').trim())
            .length""")
        assert unlabelled == 0
        assert not tab.unexpected_outside()
    finally:
        tab.close()


def test_feedback__reorder__create_pdf__present__and_patient_data_said_inline(
        tab: Tab, store: Services) -> None:
    import hashlib

    from visitapp.services import feedback as fb

    vid, ed, ward = make_visit(store, "Feedback Test System (fictional)")
    first = store.visits.add_finding(vid, kind="recommendation", text="Open the lounge at 08:00",
                                     horizon="quick_win", owner="Chief nurse")
    second = store.visits.add_finding(vid, kind="recommendation",
                                      text="A single referral route for discharge",
                                      horizon="longer_term")
    tab.open(f"visit/{vid}/feedback")
    tab.wait("create-pdf")
    tab.wait_text("report-preview", "Recommendations")
    tab.click(f"down-{first}")
    wait_until(lambda: [f.id for f in fb.feedback_findings(store.visits.load(vid))[
        "recommendation"]] == [second, first], what="the recommendations reordered")
    tab.wait_text(f"fb-text-{second}", "1. A single referral route")
    with tab.page.expect_download() as download:
        tab.click("create-pdf")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    tab.wait_text("pdf-status", "PDF created")
    tab.click("mark-presented")
    presented = wait_until(lambda: fb.presented_reports(store, vid), what="the presented PDF")
    assert presented[0].sha256 == hashlib.sha256(pdf).hexdigest()
    assert store.blobs.read(presented[0].sha256) == pdf
    tab.wait_text("presented-versions", "Version 1: presented")
    # text going into the report that looks like patient data stops it, in words
    store.visits.rename_area(vid, ward, "Ward 7 by AB9 9ZZ")  # a made-up postcode
    tab.click("create-pdf")
    tab.wait_text("report-problem", f"The name of area {ward}: looks like postcode")
    assert len(fb.presented_reports(store, vid)) == 1


def test_data__import_a_csv_through_the_file_chooser__indicators_and_charts(
        tab: Tab, store: Services, tmp_path: Path) -> None:
    from datetime import date, timedelta

    vid, ed, ward = make_visit(store, "Data Test System (fictional)")
    lines = ["date,attendances,within_4h,emergency_admissions,discharges,stranded_7d,"
             "stranded_21d,shoe_size"]
    start = date(2026, 11, 2)
    for n in range(14):
        day = start + timedelta(days=n)
        lines.append(f"{day.isoformat()},200,180,60,{40 if day.weekday() >= 5 else 70},"
                     f"{110 - n},{30 + n % 2},9")
    lines.insert(3, "2026-11-40,200,180,60,70,100,30,9")  # line 4: no such date
    extract = tmp_path / "extract.csv"
    extract.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tab.open(f"visit/{vid}/data")
    tab.wait("import-csv")
    with tab.page.expect_file_chooser() as chooser:
        tab.click("import-csv")
    chooser.value.set_files(str(extract))
    tab.wait_text("import-result", "took 14 rows")
    assert "line 4" in tab.text_of("import-result")
    assert len(store.metrics.rows(vid)) == 14
    tab.wait_text("ind-four_hour_pct", "4-hour performance: 90.0%. Rating: Amber.")
    tab.reveal("chart-four-hour-summary")
    tab.wait_text("chart-four-hour-summary", "0 of 2 weeks at or above the 95% standard")
