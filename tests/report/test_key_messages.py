"""What the feedback leads with, read back from the PDF: the running order with fixed
appendix letters, key messages that lead with a critical Red (or, on a follow-up, with
the change), the headline figures with their standards, and area ratings by the rule."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from visitapp.domain.indicators import DailyRow
from visitapp.domain.report import SECTION_TITLES, appendix_heading
from visitapp.errors import BadValue, PatientDataWarning
from visitapp.services.app import Services
from visitapp.services.feedback import build_report, write_report_pdf
from visitapp.services.key_messages import set_key_messages

WARD_LIKE = [("ed.four_hour_today", "96"), ("ed.lwbs_percent", "2"),
             ("ed.reattendance_7d", "3"), ("ed.clinical_streaming", "yes"),
             ("ed.longest_handover_today", "25"),  # amber
             ("ed.handovers_over_30", "4")]  # red, not critical


def _rows(end: date, four_hour: float, weekend_discharges: int) -> list[DailyRow]:
    rows = []
    for n in range(28):
        day = end - timedelta(days=n)
        weekend = day.weekday() >= 5
        rows.append(DailyRow(day=day, counts={
            "attendances": 300, "within_4h": int(300 * four_hour), "emergency_admissions": 80,
            "discharges": weekend_discharges if weekend else 80, "occupied_beds": 570,
            "available_beds": 600, "stranded_7d": 110, "stranded_21d": 33,
            "ambulance_handovers_over_60": 1}))
    return rows


def _visit(services: Services, *, critical: bool, on: str = "2026-12-01",
           follows: str | None = None, four_hour: float = 0.9, weekend: int = 47) -> str:
    vid = services.visits.create_visit(
        system="Key Messages Test System (fictional)", date=on,
        visit_type="follow_up" if follows else "diagnostic", follows_visit_id=follows,
        areas=[("emergency_department", "Main ED"), ("emergency_department", "Children's ED")])
    main, kids = (a.key for a in services.visits.load(vid).areas)
    for item_id, value in WARD_LIKE:
        services.visits.answer(vid, main, item_id, value)
    services.visits.answer(vid, kids, "ed.paeds_area", "yes")
    if critical:
        services.visits.answer(vid, kids, "ed.paeds_safeguarding", "no")
    services.visits.add_finding(vid, kind="concern", text="Handovers queue at the front door "
                                "most afternoons. A second sentence the slide leaves out.",
                                area_key=main, item_ids=["ed.handovers_over_30"],
                                pathway="front_door")
    services.visits.add_finding(vid, kind="strength", text="Clinical streaming at the door.",
                                area_key=main, item_ids=["ed.clinical_streaming"])
    services.metrics.store_rows(vid, _rows(date.fromisoformat(on) - timedelta(days=1),
                                           four_hour, weekend))
    return vid


def _key_page(pdf: Any) -> str:
    start = pdf.index(SECTION_TITLES[0])
    return pdf.flat[start:pdf.index(SECTION_TITLES[1], start)]


def test_pdf__runs_in_the_brief_order_with_fixed_appendix_letters(
        services: Services, tmp_path: Path, read_pdf: Any) -> None:
    vid = _visit(services, critical=True)
    write_report_pdf(services, vid, tmp_path / "f.pdf")
    pdf = read_pdf(tmp_path / "f.pdf")
    headings = [*SECTION_TITLES, *(appendix_heading(x) for x in "ABCD")]
    positions = [pdf.index(h, pdf.index("Same-day feedback")) for h in headings]
    assert positions == sorted(positions)
    assert pdf.has("Appendix D: Photos No photos were taken on this visit.")
    titles = [o.title for o in pdf.reader.outline if not isinstance(o, list)]
    assert [t for t in titles if t in headings] == headings


def test_key_messages__lead_with_a_critical_red_and_carry_headline_figures(
        services: Services, tmp_path: Path, read_pdf: Any) -> None:
    vid = _visit(services, critical=True)
    write_report_pdf(services, vid, tmp_path / "f.pdf")
    page = _key_page(read_pdf(tmp_path / "f.pdf"))
    from tests.report.conftest import squash
    first = page.index(squash("1."))
    assert page[first:].startswith(squash(
        "1. Children's ED does not meet the standard: safeguarding advice available 24/7."))
    assert page.index(squash("Red 1.")) < page.index(squash("2."))  # the colour in words too
    # The concern in one sentence, not the paragraph.
    assert squash("Handovers queue at the front door most afternoons.") in page
    assert squash("A second sentence") not in page
    # The headline strip: each figure with its standard and its rating.
    for row in ("4-hour performance 90.0% 95% Amber", "Bed occupancy 95.0% 92% or less Red",
                "Handovers over 60 min a day 1 none Red",
                "Weekend:weekday discharges 0.59 0.6 or more Amber",  # 0.5875: not 0.6
                "Stranded (7+ days) 110 no national standard Not rated",
                "Super-stranded (21+ days) 33 25% fewer Not rated"):
        assert squash(row) in page, row


def test_key_messages__without_a_critical_red_lead_with_the_weightiest_concern(
        services: Services) -> None:
    m = build_report(services, _visit(services, critical=False))
    kinds = [(msg.kind, msg.rag) for msg in m.key_messages.messages]
    assert kinds == [("concern", "red"), ("strength", "green")]


def test_area_of_4_green_1_amber_1_red__is_amber_in_the_pdf_with_its_spread(
        services: Services, tmp_path: Path, read_pdf: Any) -> None:
    vid = _visit(services, critical=True)
    write_report_pdf(services, vid, tmp_path / "f.pdf")
    pdf = read_pdf(tmp_path / "f.pdf")
    scope = pdf.flat[pdf.index(SECTION_TITLES[1]):pdf.index(SECTION_TITLES[2])]
    from tests.report.conftest import squash
    assert squash("Main ED Emergency Department 6 of") in scope
    main_row = scope[scope.index(squash("Main ED")):scope.index(squash("Children's ED"))]
    assert squash("Amber 4 green, 1 amber, 1 red") in main_row
    kids_row = scope[scope.index(squash("Children's ED")):]
    assert squash("Red 1 green, 0 amber, 1 red") in kids_row  # a critical red
    ratings = pdf.flat[pdf.index(appendix_heading("A")):pdf.index(appendix_heading("B"))]
    assert squash("Main ED Amber 4 green 1 amber 1 red") in ratings
    assert squash("Red when any safety-critical item is Red") in ratings


def test_follow_up__key_messages_lead_with_the_change(
        services: Services, tmp_path: Path, read_pdf: Any) -> None:
    earlier = _visit(services, critical=False, on="2026-09-01", four_hour=0.85, weekend=40)
    later = _visit(services, critical=True, on="2026-12-01", follows=earlier,
                   four_hour=0.93, weekend=56)
    m = build_report(services, later)
    first = m.key_messages.messages[0]
    assert first.kind == "change" and first.text.startswith("Since our visit on 1 September 2026:")
    assert "4-hour performance is better (85.0% then, 93.0% now)" in first.text
    write_report_pdf(services, later, tmp_path / "f.pdf")
    pdf = read_pdf(tmp_path / "f.pdf")
    page = _key_page(pdf)
    from tests.report.conftest import squash
    assert page.index(squash("1. Since our visit on 1 September 2026")) < page.index(
        squash("2."))
    assert squash("Change since our visit on 1 September 2026") in page
    assert squash("4-hour performance 85.0% 93.0% up 8.0 percentage points Better") in page
    assert squash("Children's ED: area rating Green Red Green to Red Worse") in page
    weekend = page[page.index(squash("Weekend to weekday discharge ratio")):]
    assert weekend.index(squash("Better")) < weekend.index(squash("did not change"))
    assert squash("Emergency admissions") not in page  # unchanged: only in Appendix B


def test_team__edits_and_reorders_the_key_messages(services: Services) -> None:
    vid = _visit(services, critical=True)
    drafted = build_report(services, vid).key_messages
    assert not drafted.set_by_team and drafted.messages[0].kind == "critical"
    edited = [("Handovers queue every afternoon.", "red"),
              (drafted.messages[0].text, drafted.messages[0].rag)]
    set_key_messages(services.visits, vid, edited, author="Lead")
    k = build_report(services, vid).key_messages
    assert k.set_by_team and [(x.text, x.rag) for x in k.messages] == edited
    with pytest.raises(BadValue, match="at most 5"):
        set_key_messages(services.visits, vid, [("One thing.", None)] * 6)
    with pytest.raises(PatientDataWarning):
        set_key_messages(services.visits, vid, [("Patient 943 476 5919 waited.", "red")])
    set_key_messages(services.visits, vid, None)
    assert not build_report(services, vid).key_messages.set_by_team
