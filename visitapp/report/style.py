"""The report's look: colours, page geometry, paragraph styles, user text made safe
for paragraph markup, and the table and list building blocks every section uses.

No text is smaller than 12 pt. All user text goes through `text()` (escaped for
paragraph markup, missing glyphs replaced), so `<b>` typed in a note prints as `<b>`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from html import escape as _escape
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from visitapp.domain.report import RAG_WORDS, FindingEntry
from visitapp.report import fonts

# ASCII85-encoding image streams is most of the time without reportlab's C accelerator;
# PDF streams are binary anyway.
rl_config.useA85 = 0

# --- look and feel (shared/design/look-and-feel.md) ---------------------------------------
NHS_BLUE = colors.HexColor("#005EB8")
NHS_DARK_BLUE = colors.HexColor("#003087")
TEXT = colors.HexColor("#212B32")
SECONDARY = colors.HexColor("#4C6272")  # 6.4:1 on white
LIGHT_GREY = colors.HexColor("#F0F4F5")
BORDER = colors.HexColor("#D8DDE0")
WHITE = colors.white
RAG_FILL = {"red": colors.HexColor("#D5281B"), "amber": colors.HexColor("#FFB81C"),
            "green": colors.HexColor("#007F3B")}
RAG_INK = {"red": WHITE, "amber": TEXT, "green": WHITE}  # 5.1, 8.3 and 5.1 to 1 (AA)
RAG_KEYS = ("green", "amber", "red")

PAGE_W, PAGE_H = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 22 * mm
BODY_W = PAGE_W - 2 * MARGIN_X
COVER_BAND = 62 * mm
MIN_PT = 12  # nothing smaller than this anywhere
CHART_MAX_AREAS = 24  # above this the grid alone is clearer than a tall chart

F, FB, FI = fonts.REGULAR, fonts.BOLD, fonts.ITALIC


def _style(name: str, **kw: Any) -> ParagraphStyle:
    base: dict[str, Any] = {"fontName": F, "fontSize": MIN_PT, "leading": 16,
                            "textColor": TEXT, "splitLongWords": 1,
                            "bulletFontName": F, "bulletFontSize": MIN_PT}
    base.update(kw)
    return ParagraphStyle(name, **base)


S = {
    "body": _style("body", spaceAfter=6),
    "cell": _style("cell", leading=15),
    "cell_bold": _style("cell_bold", fontName=FB, leading=15),
    "cell_head": _style("cell_head", fontName=FB, leading=15, textColor=WHITE),
    # Regular, not italic: the oblique face lacks some scripts (Arabic) people may type.
    "note": _style("note", leading=15, textColor=SECONDARY, spaceBefore=2),
    "meta": _style("meta", textColor=SECONDARY, leading=15, spaceAfter=8),
    "item": _style("item", leftIndent=22, bulletIndent=0, spaceAfter=2),
    "h1": _style("h1", fontName=FB, fontSize=20, leading=25, textColor=NHS_DARK_BLUE,
                 spaceBefore=16, spaceAfter=10, keepWithNext=1),
    "h2": _style("h2", fontName=FB, fontSize=15, leading=19, textColor=NHS_DARK_BLUE,
                 spaceBefore=12, spaceAfter=6, keepWithNext=1),
    "h3": _style("h3", fontName=FB, fontSize=13, leading=17, textColor=TEXT,
                 spaceBefore=8, spaceAfter=4, keepWithNext=1),
    # Before a table that may split: no keepWithNext (that would push the whole table to
    # the next page); a CondPageBreak before the heading keeps it with a few rows instead.
    "h2t": _style("h2t", fontName=FB, fontSize=15, leading=19, textColor=NHS_DARK_BLUE,
                  spaceBefore=12, spaceAfter=6),
    "h3t": _style("h3t", fontName=FB, fontSize=13, leading=17, textColor=TEXT,
                  spaceBefore=8, spaceAfter=4),
    "message": _style("message", fontSize=13, leading=18, leftIndent=24, bulletIndent=0,
                      spaceAfter=6),
    "cover_system": _style("cover_system", fontName=FB, fontSize=26, leading=32,
                           textColor=NHS_DARK_BLUE, spaceAfter=8),
    "cover_line": _style("cover_line", fontSize=15, leading=20, spaceAfter=2),
    "long": _style("long", leading=15, textColor=SECONDARY, leftIndent=6, spaceBefore=4,
                   spaceAfter=8, borderPadding=0),
    "empty": _style("empty", fontName=FI, textColor=SECONDARY, spaceAfter=6),
    "photo_caption": _style("photo_caption", leading=15, spaceBefore=3),
}


# --- text ---------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_fix_cache: dict[str, str] = {}


def _nothing_alone(ch: str) -> bool:
    """Joiners, variation selectors, skin tones: nothing to draw on their own."""
    return unicodedata.category(ch) in ("Cf", "Mn", "Me") or 0x1F3FB <= ord(ch) <= 0x1F3FF


def fix_glyphs(text: str) -> str:
    """Text for one font (the canvas header): what DejaVu lacks becomes a white square."""
    covered = fonts.covered()
    out = []
    for ch in text:
        if ord(ch) in covered or ch == "\n":
            out.append(ch)
        elif not _nothing_alone(ch):
            out.append(fonts.MISSING_GLYPH)
    return "".join(out)


def needs_fallback(value: str) -> bool:
    """True when some character must be set in a fallback font (so: a Paragraph)."""
    if value.isascii():
        return False
    covered = fonts.covered()
    return any(ord(c) not in covered and fonts.fallback_font(c) for c in value)


def _with_fallbacks(s: str) -> str:
    """Escaped markup with each run of characters DejaVu lacks in a font that has them;
    a character no font here covers is a visible white square."""
    covered = fonts.covered()
    out: list[str] = []
    run: list[str] = []
    run_font: str | None = None

    def flush() -> None:
        if run:
            chunk = _escape("".join(run), quote=False)
            out.append(f'<font name="{run_font}">{chunk}</font>' if run_font else chunk)
            run.clear()

    for ch in s:
        font = None
        if ord(ch) not in covered and ch != "\n":
            if _nothing_alone(ch):
                continue
            font = fonts.fallback_font(ch)
            if font is None:
                ch = fonts.MISSING_GLYPH
        if font != run_font:
            flush()
            run_font = font
        run.append(ch)
    flush()
    return "".join(out)


def text(value: str | None) -> str:
    """User text as paragraph markup that prints exactly what was typed."""
    if not value:
        return ""
    cached = _fix_cache.get(value)
    if cached is not None:
        return cached
    s = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    s = _CONTROL.sub("", s)
    s = (_escape(s, quote=False) if s.isascii() else _with_fallbacks(s)).replace("\n", "<br/>")
    if len(_fix_cache) < 20_000:
        _fix_cache[value] = s
    return s


def P(value: str | None, style: str = "body", markup: str | None = None) -> Paragraph:
    """A paragraph of user text (escaped), or of trusted markup when `markup` is given."""
    return Paragraph(markup if markup is not None else text(value), S[style])


class Heading(Paragraph):
    """A heading that also becomes a PDF bookmark."""

    def __init__(self, title: str, level: int, style: str) -> None:
        super().__init__(text(title), S[style])
        self.outline_title = title
        self.outline_level = level



# --- text on the canvas ------------------------------------------------------------

def plain(value: str) -> str:
    """User text for canvas.drawString (no markup): controls removed, glyphs fixed."""
    s = " ".join(_CONTROL.sub("", value).split())
    return s if s.isascii() else fix_glyphs(s)


def fit(canv: Canvas, s: str, font: str, size: float, width: float) -> str:
    if canv.stringWidth(s, font, size) <= width:
        return s
    while s and canv.stringWidth(s + "…", font, size) > width:
        s = s[:-1]
    return s.rstrip() + "…"



# --- building blocks ----------------------------------------------------------------

LONG_CELL = 600  # characters; a third of a page in the narrowest wrapping column


def _cell_chars(cell: Any) -> int:
    if isinstance(cell, str):
        return len(cell)
    if isinstance(cell, list | tuple):
        return sum(_cell_chars(c) for c in cell)
    return len(getattr(cell, "text", "") or "")


class KeptTable(Table):
    """A table that never leaves a lone row behind: at a page break at least two body
    rows stay on each side, or the whole table moves on (header rows repeat)."""

    MIN_ROWS = 2

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        parts = super().split(availWidth, availHeight)
        if len(parts) != 2:
            return parts
        head = self.repeatRows if isinstance(self.repeatRows, int) else len(self.repeatRows)
        first = len(parts[0]._cellvalues) - head  # type: ignore[attr-defined]
        rest = len(parts[1]._cellvalues) - head  # type: ignore[attr-defined]
        body = len(self._cellvalues) - head  # type: ignore[attr-defined]
        if body < 2 * self.MIN_ROWS:
            return [] if first < body else parts  # too short to split well: move it whole
        if first < self.MIN_ROWS:
            return []
        if rest < self.MIN_ROWS:
            keep = head + first - (self.MIN_ROWS - rest)
            heights = self._rowHeights  # type: ignore[attr-defined]
            return super().split(availWidth, sum(heights[:keep]) + 0.5)
        return parts


def table(rows: list[list[Any]], widths: Sequence[float], header: bool = True,
           extra: Sequence[tuple[Any, ...]] = ()) -> Table:
    # Rows split across pages only when some cell is long enough to need it (a row
    # taller than a page could not be placed at all); short rows stay whole.
    long_cell = any(_cell_chars(c) > LONG_CELL for row in rows for c in row)
    t = KeptTable(rows, colWidths=list(widths), repeatRows=1 if header else 0, splitByRow=1,
                  splitInRow=1 if long_cell else 0, hAlign="LEFT")
    cmds: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), F, MIN_PT, 15),
        ("TEXTCOLOR", (0, 0), (-1, -1), TEXT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, BORDER),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]  # left and right: reportlab's 6 pt
    if header:
        cmds += [("BACKGROUND", (0, 0), (-1, 0), NHS_DARK_BLUE),
                 ("TEXTCOLOR", (0, 0), (-1, 0), WHITE),
                 ("FONT", (0, 0), (-1, 0), FB, MIN_PT, 15)]
    t.setStyle(TableStyle(cmds + list(extra)))
    return t


def rag_cmds(col: int, row: int, rag: str | None) -> list[tuple[Any, ...]]:
    if rag not in RAG_FILL:
        return []
    return [("BACKGROUND", (col, row), (col, row), RAG_FILL[rag]),
            ("TEXTCOLOR", (col, row), (col, row), RAG_INK[rag]),
            ("FONT", (col, row), (col, row), FB, MIN_PT, 15)]


def rag_word(rag: str | None) -> str:
    return RAG_WORDS.get(rag or "", "")


def empty(what: str = "None recorded.") -> Paragraph:
    return P(what, "empty")


def finding_list(entries: Sequence[FindingEntry], start: int = 1,
                  show_pathway: bool = True) -> list[Flowable]:
    out: list[Flowable] = []
    for n, e in enumerate(entries, start):
        out.append(Paragraph(text(e.text), S["item"], bulletText=f"{n}."))
        bits = [b for b in ((e.pathway if show_pathway else None), e.area) if b]
        if bits:
            out.append(Paragraph(text(" · ".join(bits)),
                                 ParagraphStyle("m", parent=S["meta"], leftIndent=22)))
        else:
            out.append(Spacer(1, 6))
    return out


