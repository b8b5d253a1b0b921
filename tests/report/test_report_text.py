"""Any text a person can type renders, and prints as typed (property-based, no database)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from visitapp.domain.form_loading import load_forms
from visitapp.domain.visit import AnswerState, AreaState, FindingState, VisitState
from visitapp.report import render_pdf
from visitapp.report.pdf import text as markup
from visitapp.services.report_model import build_report_model

FORM = next(f for f in load_forms() if f.area_kind == "discussion")
ITEM = FORM.items[0]

# Anything but lone surrogates (they cannot be encoded); NHS-number-like digit runs are
# kept out so the privacy guard does not (rightly) stop the report.
typed = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300).filter(
    lambda s: s.strip() and not re.search(r"\d{3}", s))


def _visit(note: str, finding: str) -> VisitState:
    area = AreaState(key="discussion", kind="discussion", label="Discussion", form=FORM,
                     answers={ITEM.id: AnswerState(value="Some text", note=note)})
    return VisitState(id="v", system="Test System", date="2026-11-27", visit_type="diagnostic",
                      areas=[area], findings=[FindingState(id="f", kind="strength", text=finding)])


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


@given(note=typed, finding=typed)
def test_any_text_renders(note: str, finding: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.pdf"
        pages = render_pdf(build_report_model(_visit(note, finding)), out)
        assert pages >= 3
        extracted = _squash("".join(p.extract_text() for p in PdfReader(str(out)).pages))
    for s in (note, finding):
        if s.isascii() and s.isprintable():  # beyond ASCII, extraction may reorder or box
            assert _squash(s) in extracted


@given(st.text(max_size=200))
def test_markup_escapes_everything(s: str) -> None:
    out = re.sub(r'<font name="(Symbola|DroidSansFallback)">|</font>', "", markup(s))
    assert "<" not in out.replace("<br/>", "")
    assert not re.search(r"&(?!amp;|lt;|gt;)", out)


def _contrast(a: object, b: object) -> float:
    def lum(c: object) -> float:
        rgb = [getattr(c, k) for k in ("red", "green", "blue")]
        lin = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_colours_meet_wcag_aa() -> None:
    from visitapp.report import style as pdf

    for rag in ("red", "amber", "green"):
        assert _contrast(pdf.RAG_INK[rag], pdf.RAG_FILL[rag]) >= 4.5, rag
    for ink, paper in ((pdf.TEXT, pdf.WHITE), (pdf.SECONDARY, pdf.WHITE),
                       (pdf.WHITE, pdf.NHS_DARK_BLUE), (pdf.WHITE, pdf.NHS_BLUE),
                       (pdf.TEXT, pdf.LIGHT_GREY), (pdf.NHS_DARK_BLUE, pdf.WHITE)):
        assert _contrast(ink, paper) >= 4.5


def test_only_the_report_package_imports_reportlab() -> None:
    root = Path(__file__).resolve().parents[2] / "visitapp"
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "report" != p.relative_to(root).parts[0]
                 and re.search(r"^\s*(from|import)\s+reportlab", p.read_text(), re.M)]
    assert offenders == []


def test_nothing_typed_disappears__emoji_and_cjk_in_a_fallback_font_else_a_marker() -> None:
    from visitapp.report import fonts

    typed_text = "Morale good 😀 👍 ✓ and 中文 notices; 𓀀 here"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.pdf"
        render_pdf(build_report_model(_visit(typed_text, "Strength ✓")), out)
        reader = PdfReader(str(out))
        extracted = "".join(p.extract_text() for p in reader.pages)
        used = {str(f.get_object().get("/BaseFont")) for page in reader.pages
                for f in (page["/Resources"].get("/Font") or {}).values()}
    assert "😀" in extracted and "👍" in extracted and "✓" in extracted  # in the text layer
    assert any("Symbola" in name for name in used)
    if fonts.fallback_font("中") is not None:  # Droid Sans Fallback is on this machine
        assert "中文" in extracted
    assert fonts.fallback_font("\U00013000") is None
    assert fonts.MISSING_GLYPH in extracted  # the hieroglyph no font has: a visible box


def test_tables_never_leave_a_lone_row_on_either_side_of_a_page_break() -> None:
    from visitapp.report import fonts
    from visitapp.report.style import table

    fonts.register_fonts()
    rows = [["Item", "Answer"]] + [[f"Row {n}", "Yes"] for n in range(10)]
    grid = table(rows, [200, 100])
    _, height = grid.wrap(300, 10_000)
    row = height / len(rows)
    for fits in range(1, 11):  # how many body rows would fit in the space left
        parts = grid.split(300, row * (fits + 1) + 1)
        if not parts:  # moved whole to the next page
            assert fits < 2
            continue
        if len(parts) == 1:  # it all fits
            assert fits == 10
            continue
        first, rest = (len(p._cellvalues) - 1 for p in parts)
        assert first >= 2 and rest >= 2, (fits, first, rest)
