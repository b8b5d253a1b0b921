"""The feedback PDF, read back with pypdf: order, content, metadata, awkward text, privacy."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from visitapp.services.app import Services
from visitapp.services.demo import FINDINGS
from visitapp.services.feedback import (
    build_report,
    mark_presented,
    presented_reports,
    write_report_pdf,
)
from visitapp.services.report_model import (
    APPENDIX_ANSWERS,
    APPENDIX_PHOTOS,
    APPENDIX_RAG,
    NO_PID_MARKING,
    SECTION_TITLES,
    ReportHasPatientData,
)

NHS_LIKE = "943 476 5919"


def _sections_in_order(pdf: Any, titles: list[str]) -> None:
    # Each heading is found after the previous one; the summary's own sub-headings come
    # before "What we did", so search for the full sections from there on.
    pos = pdf.index("Key messages")
    pos = pdf.index(SECTION_TITLES[1], pos)
    last = pos
    for title in titles:
        found = pdf.index(title, last + 1)
        assert found > last, title
        last = found


def test_demo_report(demo: tuple[Services, str], tmp_path: Path,
                     read_pdf: Any) -> None:
    services, demo_visit_id = demo
    out = tmp_path / "feedback.pdf"
    summary = write_report_pdf(services, demo_visit_id, out)
    pdf = read_pdf(out)
    pages = len(pdf.pages)
    assert summary.startswith(f"{pages} pages, {len(FINDINGS)} findings")
    # Sections in the running order, then the appendices.
    _sections_in_order(pdf, [*SECTION_TITLES[2:], f"Appendix A: {APPENDIX_RAG}",
                             "Appendix B: Data",
                             f"Appendix C: {APPENDIX_ANSWERS}", f"Appendix D: {APPENDIX_PHOTOS}"])
    # The cover comes first: system, date, visit type and team on page 1.
    state = services.visits.load(demo_visit_id)
    assert "Same-day feedback" in pdf.pages[0]
    for s in (state.system, "Diagnostic deep dive", *(m.name for m in state.team)):
        assert pdf.has(s) and s.replace(" ", "") in pdf.pages[0].replace("\n", "").replace(" ", "")
    # Key messages on one page: page 2 holds them and the headline figures; "What we did"
    # starts page 3.
    assert "Key messages" in pdf.pages[1] and "Headline figures" in pdf.pages[1]
    assert "What we did" in pdf.pages[2] and "What we did" not in pdf.pages[1]
    # Every finding, and every recommendation with its owner.
    for f in FINDINGS:
        assert pdf.has(f["text"]), f["text"]
        if f.get("owner"):
            assert pdf.has(f["owner"])
    # Scope.
    for p in state.people_met:
        assert pdf.has(p.role)
    for d in state.data_reviewed:
        assert pdf.has(d)
    # The answers: every answered item's prompt, its answer and its note.
    m = build_report(services, demo_visit_id)
    answer_part = pdf.flat[pdf.index(f"Appendix C: {APPENDIX_ANSWERS}"):]
    from tests.report.conftest import squash
    for area in m.area_answers:
        for section in area.sections:
            for row in section.rows:
                assert squash(row.prompt) in answer_part, row.prompt
                assert squash(row.answer) in answer_part
                if row.note:
                    assert squash(row.note) in answer_part
    for photo in m.photos:
        assert pdf.has(photo.caption)
    # Header and footer on every page: marking, page numbers, system on all but the cover.
    for n, text in enumerate(pdf.pages, 1):
        assert NO_PID_MARKING in text
        assert f"Page {n} of" in text and str(pages) in text
    # Metadata.
    meta = pdf.meta
    assert meta.title == f"Same-day feedback: {state.system}, {m.meta.date_text}"
    assert meta.author.startswith("Alex Morgan")
    assert "peer visit" in meta.subject
    assert pdf.reader.pdf_header.startswith("%PDF-")


def test_font_is_embedded_and_images_pass_through(demo: tuple[Services, str],
                                                  tmp_path: Path) -> None:
    services, demo_visit_id = demo
    out = tmp_path / "f.pdf"
    write_report_pdf(services, demo_visit_id, out)
    reader = PdfReader(str(out))
    fonts: set[str] = set()
    images = 0
    for page in reader.pages:
        res = page["/Resources"]
        for f in (res.get("/Font") or {}).values():
            f = f.get_object()
            fonts.add(str(f["/BaseFont"]))
            desc = f.get("/FontDescriptor")
            if desc is not None:
                assert "/FontFile2" in desc.get_object()  # embedded TrueType
        for x in (res.get("/XObject") or {}).values():
            x = x.get_object()
            if x.get("/Subtype") == "/Image":
                images += 1
                assert list(x.get("/Filter")) == ["/DCTDecode"]  # the JPEG as stored
    assert fonts and all("DejaVuSans" in f for f in fonts), fonts
    assert images == 3


def test_no_text_under_12_points(demo: tuple[Services, str], tmp_path: Path) -> None:
    services, demo_visit_id = demo
    out = tmp_path / "f.pdf"
    write_report_pdf(services, demo_visit_id, out)
    sizes: list[float] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip():
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            sizes.append(size * scale)

    for page in PdfReader(str(out)).pages:
        page.extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= 11.99, min(sizes)


def test_big_visit_renders(big: tuple[Services, str], tmp_path: Path, read_pdf: Any) -> None:
    services, visit_id = big
    out = tmp_path / "big.pdf"
    started = time.perf_counter()
    summary = write_report_pdf(services, visit_id, out)
    elapsed = time.perf_counter() - started
    assert ", 40 findings, 600 answers, 20 photos" in summary
    pdf = read_pdf(out)
    assert "What we did" in pdf.pages[2] and "What we did" not in pdf.pages[1]  # one page
    m = build_report(services, visit_id)
    for g in m.recommendations:
        for e in g.recommendations:
            assert pdf.has(e.text) and pdf.has(e.owner or "")
    assert sum(1 for i in range(1, 41) if pdf.has(f"Finding {i} (")) == 40
    assert all(pdf.has(p.caption) for p in m.photos)
    assert pdf.has("Observation 600:")
    assert elapsed < 15  # the benchmark holds the real budget (3 s); this catches a blow-up


def test_empty_visit_is_short_and_sensible(services: Services, empty_visit_id: str,
                                           tmp_path: Path, read_pdf: Any) -> None:
    out = tmp_path / "empty.pdf"
    summary = write_report_pdf(services, empty_visit_id, out)
    pdf = read_pdf(out)
    assert summary.startswith(f"{len(pdf.pages)} pages, 0 findings, 0 answers, 0 photos")
    assert len(pdf.pages) <= 8
    _sections_in_order(pdf, list(SECTION_TITLES[2:]))
    assert pdf.has("None recorded.") and pdf.has("No areas walked yet.")
    # The appendices keep their letters, and an empty one says so.
    for letter, line in (("A", "No areas have been added to this visit."),
                         ("B", "No data was shared for this visit."),
                         ("C", "No items have been answered yet."),
                         ("D", "No photos were taken on this visit.")):
        start = pdf.index(f"Appendix {letter}:")
        end = pdf.index(f"Appendix {chr(ord(letter) + 1)}:") if letter < "D" else len(pdf.flat)
        assert start < pdf.index(line, start) < end, letter


AWKWARD = {
    "markup": "Staff wrote <b>urgent</b> & then <i>closed</i> the <para> tag; a < b > c &amp;",
    "emoji": "Morale good 😀👍🏽 — team said “brilliant” ✓ ≥ 95% £ café naïve",
    "rtl": "Leaflets in العربية and עברית were available",
    "long_word": "x" * 400,
}


def test_awkward_text_renders_as_text(services: Services, demo_visit_id: str,
                                      tmp_path: Path, read_pdf: Any) -> None:
    visits = services.visits
    state = visits.load(demo_visit_id)
    area = state.areas[1]
    items = area.visible_items()
    assert len(items) > 6
    for item, note in zip(items, AWKWARD.values(), strict=False):
        visits.set_note(demo_visit_id, area.key, item.id, note)
    long_note = " ".join(f"Sentence {i} about the handover queue and escalation route."
                         for i in range(700))  # about 40,000 characters: several pages
    visits.set_note(demo_visit_id, area.key, items[5].id, long_note)
    visits.add_finding(demo_visit_id, kind="recommendation", horizon="quick_win",
                       owner="COO & <deputy>", text="Fix <b>this</b> & " + "y" * 300)
    visits.update_visit(demo_visit_id, system="Riverside & <Partners> \u202eUEC (demo)")
    out = tmp_path / "awkward.pdf"
    write_report_pdf(services, demo_visit_id, out)
    pdf = read_pdf(out)
    assert pdf.has(AWKWARD["markup"])  # printed as typed, not read as markup
    assert pdf.has("COO & <deputy>") and pdf.has("Fix <b>this</b> &")
    assert pdf.has("Riverside & <Partners>")
    assert pdf.has("café naïve") and pdf.has("≥ 95% £") and pdf.has("“brilliant”")
    assert pdf.has("Sentence 0 about") and pdf.has("Sentence 699 about")
    assert pdf.has("Leaflets in") and pdf.has("were available")
    assert pdf.has("العربية") or pdf.has("العربية"[::-1])  # typed order, not reordered
    assert "\ufffd" not in pdf.text
    assert pdf.flat.count("x" * 30) >= 10  # the long word wraps, nothing lost off the edge


def test_long_note_splits_across_pages(services: Services, demo_visit_id: str,
                                       tmp_path: Path) -> None:
    state = services.visits.load(demo_visit_id)
    area = state.areas[0]
    note = "\n".join(f"Line {i}: waiting room full at 14:00." for i in range(400))
    services.visits.set_note(demo_visit_id, area.key, area.form.items[0].id, note)
    out = tmp_path / "long.pdf"
    write_report_pdf(services, demo_visit_id, out)
    pages = [p.extract_text() for p in PdfReader(str(out)).pages]
    holding = [i for i, t in enumerate(pages) if "waiting room full" in t]
    assert len(holding) >= 3 and holding == list(range(holding[0], holding[-1] + 1))


def test_patient_data_stops_generation(services: Services, demo_visit_id: str,
                                       tmp_path: Path) -> None:
    state = services.visits.load(demo_visit_id)
    area = state.areas[2]
    item = area.form.items[0]
    from visitapp.store import oplog

    with services.db.write() as conn:  # as if synced from a tablet without the guard
        oplog.record(services.db, conn, visit_id=demo_visit_id, entity="answer",
                     entity_id=f"{area.key}/{item.id}", field="note",
                     value=f"See {NHS_LIKE}", author="sync")
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "feedback.pdf"
    out.write_bytes(b"an earlier file")
    with pytest.raises(ReportHasPatientData) as caught:
        write_report_pdf(services, demo_visit_id, out)
    assert item.id in str(caught.value) and area.label in str(caught.value)
    assert out.read_bytes() == b"an earlier file"  # untouched
    assert sorted(p.name for p in folder.iterdir()) == ["feedback.pdf"]  # no temp file
    # Once confirmed as not patient data, it is printed.
    services.visits.set_note(demo_visit_id, area.key, item.id, f"See {NHS_LIKE}",
                             confirmed=True)
    write_report_pdf(services, demo_visit_id, out)
    assert f"See {NHS_LIKE}" in "".join(p.extract_text() for p in PdfReader(str(out)).pages)


def test_bad_output_paths(services: Services, demo_visit_id: str, tmp_path: Path) -> None:
    from visitapp.errors import UserError

    with pytest.raises(UserError, match="does not exist"):
        write_report_pdf(services, demo_visit_id, tmp_path / "missing" / "x.pdf")
    with pytest.raises(UserError, match="is a folder"):
        write_report_pdf(services, demo_visit_id, tmp_path)


def test_presented_report_is_kept_and_never_overwritten(services: Services,
                                                        demo_visit_id: str,
                                                        tmp_path: Path) -> None:
    first = tmp_path / "v1.pdf"
    write_report_pdf(services, demo_visit_id, first)
    v1 = mark_presented(services, demo_visit_id, first, by="Alex Morgan")
    assert services.blobs.read(v1.sha256) == first.read_bytes()
    assert services.visits.load(demo_visit_id).status == "feedback_given"
    # Later edits make a new version; the presented one stays as it was.
    state = services.visits.load(demo_visit_id)
    services.visits.edit_finding(demo_visit_id, state.findings[0].id,
                                 text="Edited after the feedback session.")
    second = tmp_path / "v2.pdf"
    write_report_pdf(services, demo_visit_id, second)
    assert second.read_bytes() != first.read_bytes()
    v2 = mark_presented(services, demo_visit_id, second.read_bytes(), by="Alex Morgan")
    kept = presented_reports(services, demo_visit_id)
    assert [p.sha256 for p in kept] == [v1.sha256, v2.sha256]
    assert services.blobs.read(kept[0].sha256) == first.read_bytes()
    import hashlib

    assert hashlib.sha256(services.blobs.read(kept[0].sha256)).hexdigest() == v1.sha256
    assert kept[0].by == "Alex Morgan" and kept[0].at and kept[0].bytes == len(first.read_bytes())


def test_mark_presented_refuses_non_pdf(services: Services, demo_visit_id: str) -> None:
    from visitapp.errors import UserError

    with pytest.raises(UserError, match="not a PDF"):
        mark_presented(services, demo_visit_id, b"hello")
    assert presented_reports(services, demo_visit_id) == []


def test_missing_photo_file_shows_a_placeholder(services: Services, demo_visit_id: str,
                                                tmp_path: Path, read_pdf: Any) -> None:
    state = services.visits.load(demo_visit_id)
    services.blobs.path(state.attachments[0].report_sha256 or "").unlink()
    out = tmp_path / "f.pdf"
    write_report_pdf(services, demo_visit_id, out)
    assert read_pdf(out).has("The photo file is not on this tablet.")


def test_data_deep_dive_hook_renders_in_place(demo: tuple[Services, str], tmp_path: Path,
                                              read_pdf: Any) -> None:
    services, demo_visit_id = demo
    from visitapp.services.report_model import DataTable, ExtraSection

    extra = ExtraSection(
        "Data deep dive", paragraphs=["Four-hour performance by month <from the SitRep>."],
        tables=[DataTable(["Month", "Attendances", "Within 4 hours"],
                          [["October", "10,412", "74%"], ["November", "10,980", "71%"]])])
    out = tmp_path / "f.pdf"
    write_report_pdf(services, demo_visit_id, out, extra_appendices=[extra])
    pdf = read_pdf(out)
    rag = pdf.index(f"Appendix A: {APPENDIX_RAG}")
    data = pdf.index("Appendix B: Data")
    answers = pdf.index(f"Appendix C: {APPENDIX_ANSWERS}")
    assert rag < data < answers < pdf.index(f"Appendix D: {APPENDIX_PHOTOS}")
    assert pdf.has("<from the SitRep>") and pdf.has("November") and pdf.has("10,980")
    # Every section heading is also a bookmark, in the same order.
    titles = [o.title for o in pdf.reader.outline if not isinstance(o, list)]
    assert titles[:3] == ["Key messages", "What we did", "What works well"]
    assert titles[-4:] == [f"Appendix A: {APPENDIX_RAG}", "Appendix B: Data",
                           f"Appendix C: {APPENDIX_ANSWERS}", f"Appendix D: {APPENDIX_PHOTOS}"]
