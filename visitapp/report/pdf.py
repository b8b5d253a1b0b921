"""Render a `ReportModel` to an A4 PDF with reportlab platypus.

Layout: a cover (NHS blue band, system, date, visit type, team, the critical-friend
framing); a one-page summary with a RAG chart; the feedback sections in the running order;
then appendices (RAG grid and chart across areas, any data deep dive sections, each area's
answers, photos). Every page has a footer with the no-patient-data marking and "Page N of
M"; every page after the cover has a header with the system and date. No text is smaller
than 12 pt. All user text goes through `text()` (escaped for paragraph markup, missing
glyphs replaced), so `<b>` typed in a note prints as `<b>`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from visitapp.report import fonts
from visitapp.report.charts import draw_chart, legend
from visitapp.services.report_model import (
    APPENDIX_ANSWERS,
    APPENDIX_PHOTOS,
    APPENDIX_RAG,
    NO_OWNER,
    NO_PID_MARKING,
    RAG_WORDS,
    REPORT_TITLE,
    SECTION_TITLES,
    FindingEntry,
    Photo,
    RagCounts,
    ReportModel,
)

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


def _fix_glyphs(text: str) -> str:
    covered = fonts.covered()
    out = []
    for ch in text:
        if ord(ch) in covered or ch == "\n":
            out.append(ch)
        elif unicodedata.category(ch) in ("Cf", "Mn", "Me") or 0x1F3FB <= ord(ch) <= 0x1F3FF:
            continue  # joiners, variation selectors, skin tones: nothing to draw alone
        else:
            out.append(fonts.MISSING_GLYPH)
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
    if not s.isascii():
        s = _fix_glyphs(s)
    s = escape(s).replace("\n", "<br/>")
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


# --- the document -------------------------------------------------------------------------

def _numbered_canvas(pages: list[int]) -> type[Canvas]:
    class NumberedCanvas(Canvas):
        """Draws "of M" from a form XObject filled in once the page count is known."""

        def save(self) -> None:
            total = self.getPageNumber() - 1
            pages.append(total)
            self.beginForm("page_total")
            self.setFont(F, MIN_PT)
            self.setFillColor(TEXT)
            self.drawString(0, 0, str(total))
            self.endForm()
            super().save()

    return NumberedCanvas


class ReportDoc(BaseDocTemplate):
    def __init__(self, filename: str, model: ReportModel, **kw: Any) -> None:
        self.model = model
        super().__init__(
            filename, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=model.meta.title,
            author=model.meta.author, subject=model.meta.subject,
            keywords=model.meta.keywords, creator="visitapp", lang="en-GB",
            displayDocTitle=1, initialFontName=F, initialFontSize=MIN_PT, **kw)
        # No frame padding: text lines up with the header and footer rules.
        pads = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}
        cover_frame = Frame(MARGIN_X, MARGIN_BOTTOM, BODY_W,
                            PAGE_H - COVER_BAND - 10 * mm - MARGIN_BOTTOM, id="cover", **pads)
        body_frame = Frame(MARGIN_X, MARGIN_BOTTOM, BODY_W,
                           PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body", **pads)
        self.addPageTemplates([
            PageTemplate("cover", [cover_frame], onPage=self._cover_page),
            PageTemplate("body", [body_frame], onPage=self._body_page),
        ])
        self._outline_keys = 0
        self._header_system: str | None = None

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, Heading):
            self._outline_keys += 1
            key = f"h{self._outline_keys}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.outline_title, key,
                                      level=flowable.outline_level, closed=True)

    # page decoration
    def _footer(self, canv: Canvas) -> None:
        canv.saveState()
        y = MARGIN_BOTTOM - 12 * mm
        canv.setStrokeColor(BORDER)
        canv.setLineWidth(0.8)
        canv.line(MARGIN_X, y + 16, PAGE_W - MARGIN_X, y + 16)
        canv.setFillColor(TEXT)
        canv.setFont(FB, MIN_PT)
        canv.drawString(MARGIN_X, y, NO_PID_MARKING)
        canv.setFont(F, MIN_PT)
        label = f"Page {canv.getPageNumber()} of "
        reserve = canv.stringWidth("9999", F, MIN_PT)
        x = PAGE_W - MARGIN_X - reserve - canv.stringWidth(label, F, MIN_PT)
        canv.drawString(x, y, label)
        canv.translate(x + canv.stringWidth(label, F, MIN_PT), y)
        canv.doForm("page_total")
        canv.restoreState()

    def _cover_page(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        canv.saveState()
        canv.setFillColor(NHS_BLUE)
        canv.rect(0, PAGE_H - COVER_BAND, PAGE_W, COVER_BAND, stroke=0, fill=1)
        canv.setFillColor(WHITE)
        canv.setFont(F, 14)
        canv.drawString(MARGIN_X, PAGE_H - 22 * mm,
                        "Urgent and emergency care peer visit")
        canv.setFont(FB, 34)
        canv.drawString(MARGIN_X, PAGE_H - 38 * mm, REPORT_TITLE)
        canv.setFont(F, 14)
        canv.drawString(MARGIN_X, PAGE_H - 50 * mm, self.model.meta.date_text)
        canv.restoreState()
        self._footer(canv)

    def _body_page(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        canv.saveState()
        y = PAGE_H - MARGIN_TOP + 8 * mm
        date_text = self.model.meta.date_text
        system = self._header_system
        if system is None:  # once per document, not once per page
            date_w = canv.stringWidth(date_text, F, MIN_PT)
            system = self._header_system = _fit(
                canv, _plain(self.model.meta.system), FB, MIN_PT, BODY_W - date_w - 10 * mm)
        canv.setFillColor(NHS_DARK_BLUE)
        canv.setFont(FB, MIN_PT)
        canv.drawString(MARGIN_X, y, system)
        canv.setFont(F, MIN_PT)
        canv.setFillColor(TEXT)
        canv.drawRightString(PAGE_W - MARGIN_X, y, date_text)
        canv.setStrokeColor(NHS_BLUE)
        canv.setLineWidth(2)
        canv.line(MARGIN_X, y - 6, PAGE_W - MARGIN_X, y - 6)
        canv.restoreState()
        self._footer(canv)


def _plain(value: str) -> str:
    """User text for canvas.drawString (no markup): controls removed, glyphs fixed."""
    s = " ".join(_CONTROL.sub("", value).split())
    return s if s.isascii() else _fix_glyphs(s)


def _fit(canv: Canvas, s: str, font: str, size: float, width: float) -> str:
    if canv.stringWidth(s, font, size) <= width:
        return s
    while s and canv.stringWidth(s + "…", font, size) > width:
        s = s[:-1]
    return s.rstrip() + "…"


# --- building blocks ---------------------------------------------------------------------

LONG_CELL = 600  # characters; a third of a page in the narrowest wrapping column


def _cell_chars(cell: Any) -> int:
    if isinstance(cell, str):
        return len(cell)
    if isinstance(cell, list | tuple):
        return sum(_cell_chars(c) for c in cell)
    return len(getattr(cell, "text", "") or "")


def _table(rows: list[list[Any]], widths: Sequence[float], header: bool = True,
           extra: Sequence[tuple[Any, ...]] = ()) -> Table:
    # Rows split across pages only when some cell is long enough to need it (a row
    # taller than a page could not be placed at all); short rows stay whole.
    long_cell = any(_cell_chars(c) > LONG_CELL for row in rows for c in row)
    t = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0, splitByRow=1,
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


def _rag_cmds(col: int, row: int, rag: str | None) -> list[tuple[Any, ...]]:
    if rag not in RAG_FILL:
        return []
    return [("BACKGROUND", (col, row), (col, row), RAG_FILL[rag]),
            ("TEXTCOLOR", (col, row), (col, row), RAG_INK[rag]),
            ("FONT", (col, row), (col, row), FB, MIN_PT, 15)]


def _rag_word(rag: str | None) -> str:
    return RAG_WORDS.get(rag or "", "")


def _empty(what: str = "None recorded.") -> Paragraph:
    return P(what, "empty")


def _finding_list(entries: Sequence[FindingEntry], start: int = 1,
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


# --- charts -------------------------------------------------------------------------------

def _rag_totals_chart(totals: RagCounts, width: float = BODY_W) -> Drawing:
    """Horizontal bars of all ratings: one bar each for green, amber and red, with words."""
    height = 84
    d = Drawing(width, height, initialFontName=F, initialFontSize=MIN_PT)
    chart = HorizontalBarChart()
    chart.x, chart.y = 70, 4
    chart.width, chart.height = width - 150, height - 8
    values = [totals.red, totals.amber, totals.green]  # drawn bottom-up
    chart.data = [values]
    chart.categoryAxis.categoryNames = ["Red", "Amber", "Green"]
    chart.categoryAxis.labels.fontName = FB
    chart.categoryAxis.labels.fontSize = MIN_PT
    chart.categoryAxis.labels.fillColor = TEXT
    chart.categoryAxis.labels.dx = -6
    chart.categoryAxis.strokeColor = BORDER
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(1, max(values))
    chart.valueAxis.visible = 0
    chart.bars.strokeColor = None
    chart.barWidth = 10
    chart.groupSpacing = 4
    for i, rag in enumerate(("red", "amber", "green")):
        chart.bars[(0, i)].fillColor = RAG_FILL[rag]
    chart.barLabelFormat = lambda v: f"{int(v)} {'rating' if int(v) == 1 else 'ratings'}"
    chart.barLabels.fontName = F
    chart.barLabels.fontSize = MIN_PT
    chart.barLabels.fillColor = TEXT
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 6
    d.add(chart)
    return d


def _rag_areas_chart(rows: Sequence[Any], width: float = BODY_W) -> Drawing:
    """A stacked bar per area: how many green, amber and red ratings, with a legend."""
    per = 24
    height = per * len(rows) + 56
    label_w = 175
    d = Drawing(width, height, initialFontName=F, initialFontSize=MIN_PT)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_w, 36
    chart.width, chart.height = width - label_w - 10, height - 44
    names = [_fit_chart(r.area, label_w - 12) for r in reversed(rows)]
    chart.data = [[r.counts.get(rag) for r in reversed(rows)] for rag in RAG_KEYS]
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = F
    chart.categoryAxis.labels.fontSize = MIN_PT
    chart.categoryAxis.labels.fillColor = TEXT
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -6
    chart.categoryAxis.strokeColor = BORDER
    top = max((r.counts.rated for r in rows), default=1)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(1, top)
    chart.valueAxis.labels.fontName = F
    chart.valueAxis.labels.fontSize = MIN_PT
    chart.valueAxis.labels.fillColor = SECONDARY
    chart.valueAxis.strokeColor = BORDER
    chart.valueAxis.valueStep = _nice_step(top)
    chart.valueAxis.labelTextFormat = "%d"
    chart.bars.strokeColor = WHITE
    chart.bars.strokeWidth = 0.5
    chart.barSpacing = 0
    chart.groupSpacing = 7
    for i, rag in enumerate(RAG_KEYS):
        chart.bars[i].fillColor = RAG_FILL[rag]
    d.add(chart)
    d.add(legend(label_w, 12, [(RAG_FILL[r], RAG_WORDS[r]) for r in RAG_KEYS], spacing=80))
    d.add(String(0, 12, "Ratings per area:", fontName=FB, fontSize=MIN_PT, fillColor=TEXT))
    return d


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if top / step <= 8:
            return step
    return max(1, top // 8)


def _fit_chart(s: str, width: float) -> str:
    s = _plain(s)
    if stringWidth(s, F, MIN_PT) <= width:
        return s
    while s and stringWidth(s + "…", F, MIN_PT) > width:
        s = s[:-1]
    return s.rstrip() + "…"


# --- the sections -------------------------------------------------------------------------

def _cover(m: ReportModel) -> list[Flowable]:
    c = m.cover
    out: list[Flowable] = [NextPageTemplate("body"), P(c.system, "cover_system")]
    for org in c.organisations:
        out.append(P(org, "cover_line"))
    out += [Spacer(1, 6), P(f"{c.visit_type}, {c.date_text}", "cover_line"), Spacer(1, 14)]
    if c.team:
        out.append(P("The visit team", "h3"))
        out.append(_table([[P(n, "cell_bold"), P(r, "cell")] for n, r in c.team],
                          [BODY_W * 0.4, BODY_W * 0.6], header=False,
                          extra=[("LEFTPADDING", (0, 0), (0, -1), 0)]))
    out.append(Spacer(1, 16))
    box = Table([[P(m.summary.framing, "cell")]], colWidths=[BODY_W - 2], hAlign="RIGHT")
    box.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), F, MIN_PT),
                             ("BACKGROUND", (0, 0), (-1, -1), LIGHT_GREY),
                             ("LINEBEFORE", (0, 0), (0, -1), 4, NHS_BLUE),
                             ("LEFTPADDING", (0, 0), (-1, -1), 12),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                             ("TOPPADDING", (0, 0), (-1, -1), 8),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 10)]))
    out.append(box)
    return out


def _summary(m: ReportModel) -> list[Flowable]:
    s = m.summary
    out: list[Flowable] = [PageBreak(), Heading(SECTION_TITLES[0], 0, "h1")]
    out += [Paragraph(text(line), S["body"]) for line in s.headline]
    if s.rag_totals.rated:
        out += [P("All ratings across the areas we visited", "h3"),
                _rag_totals_chart(s.rag_totals)]
    for title, items, kind, section in (
        ("What works well", s.strengths, "strength", SECTION_TITLES[2]),
        ("Areas for improvement", s.improvements, "concern", SECTION_TITLES[3]),
        ("Key recommendations", s.recommendations, "recommendation", SECTION_TITLES[4]),
    ):
        out.append(P(title, "h2"))
        if not items:
            out.append(_empty())
            continue
        for n, item in enumerate(items, 1):
            out.append(Paragraph(text(item), S["item"], bulletText=f"{n}."))
        if s.more.get(kind):
            out.append(P(f"and {s.more[kind]} more under “{section}”.", "meta"))
    return out


def _scope(m: ReportModel) -> list[Flowable]:
    sc = m.scope
    out: list[Flowable] = [PageBreak(), Heading(SECTION_TITLES[1], 0, "h1")]
    out.append(P("Areas visited", "h2"))
    if sc.areas:
        rows: list[list[Any]] = [["Area", "Answered", "Overall RAG"]]
        extra: list[tuple[Any, ...]] = []
        for i, a in enumerate(sc.areas, 1):
            rows.append([[P(a.label, "cell_bold"), P(a.kind, "note")],
                         f"{a.answered} of {a.visible}", _rag_word(a.worst_rag) or "Not rated"])
            extra += _rag_cmds(2, i, a.worst_rag)
        out.append(_table(rows, [BODY_W * 0.6, BODY_W * 0.2, BODY_W * 0.2], extra=extra))
        out.append(P("Overall RAG is the worst rating given in the area.", "meta"))
    else:
        out.append(_empty("No areas recorded."))
    out.append(P("People we met", "h2"))
    if sc.people_met:
        rows = [["Role", "How many"]] + [[P(r, "cell"), str(n)] for r, n in sc.people_met]
        out.append(_table(rows, [BODY_W * 0.75, BODY_W * 0.25]))
        out.append(Spacer(1, 4))
        out.append(P("Comments from staff are not attributed to anyone.", "meta"))
    else:
        out.append(_empty())
    out.append(P("Data we reviewed", "h2"))
    if sc.data_reviewed:
        out += [Paragraph(text(d), S["item"], bulletText="•") for d in sc.data_reviewed]
    else:
        out.append(_empty())
    return out


def _strengths(m: ReportModel) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(60 * mm), Heading(SECTION_TITLES[2], 0, "h1")]
    return out + (_finding_list(m.strengths) if m.strengths else [_empty()])


def _improvements(m: ReportModel) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(60 * mm), Heading(SECTION_TITLES[3], 0, "h1")]
    if not m.improvements:
        return out + [_empty()]
    out.append(P("Grouped by pathway.", "meta"))
    n = 1
    for group in m.improvements:
        out.append(Heading(group.pathway, 1, "h2"))
        out += _finding_list(group.findings, start=n, show_pathway=False)
        n += len(group.findings)
    return out


def _recommendations(m: ReportModel) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(60 * mm), Heading(SECTION_TITLES[4], 0, "h1")]
    if not m.recommendations:
        return out + [_empty()]
    n = 1
    for group in m.recommendations:
        out.append(CondPageBreak(45 * mm))
        out.append(Heading(group.horizon, 1, "h2t"))
        rows: list[list[Any]] = [["", "Recommendation", "Owner"]]
        for e in group.recommendations:
            cell: list[Flowable] = [P(e.text, "cell")]
            bits = [b for b in (e.pathway, e.area) if b]
            if bits:
                cell.append(P(" · ".join(bits), "note"))
            owner = P(e.owner, "cell_bold") if e.owner else P(NO_OWNER, "note")
            rows.append([f"{n}.", cell, owner])
            n += 1
        out.append(_table(rows, [12 * mm, BODY_W * 0.66 - 12 * mm, BODY_W * 0.34]))
    return out


def _simple_section(title: str, entries: Sequence[FindingEntry]) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(50 * mm), Heading(title, 0, "h1")]
    return out + (_finding_list(entries) if entries else [_empty()])


class _Letters:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return chr(ord("A") + self.n - 1) if self.n <= 26 else str(self.n)


def _appendix_rag(m: ReportModel, letter: str) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(),
                           Heading(f"Appendix {letter}: {APPENDIX_RAG}", 0, "h1"),
                           P("How many items in each area were rated green, amber or red. "
                             "Overall is the worst rating in the area.", "meta")]
    rows: list[list[Any]] = [["Area", "Overall", "Green", "Amber", "Red", "Not rated"]]
    extra: list[tuple[Any, ...]] = []
    for i, r in enumerate(m.rag_grid, 1):
        c = r.counts
        rows.append([P(r.area, "cell"), _rag_word(c.worst) or "Not rated",
                     *(f"{c.get(rag)} {rag}" if c.get(rag) else "none" for rag in RAG_KEYS),
                     str(c.not_rated) if c.not_rated else "none"])
        extra += _rag_cmds(1, i, c.worst)
        for j, rag in enumerate(RAG_KEYS, 2):
            if c.get(rag):
                extra += _rag_cmds(j, i, rag)
            else:
                extra.append(("TEXTCOLOR", (j, i), (j, i), SECONDARY))
    w = BODY_W - 3 * 24 * mm - 2 * 25 * mm
    out.append(_table(rows, [w, 25 * mm, 24 * mm, 24 * mm, 24 * mm, 25 * mm],
                      extra=extra + [("ALIGN", (1, 0), (-1, -1), "CENTER")]))
    rated = [r for r in m.rag_grid if r.counts.rated]
    if rated and len(m.rag_grid) <= CHART_MAX_AREAS:
        out += [Spacer(1, 10), _rag_areas_chart(m.rag_grid)]
    return out


def _appendix_extra(m: ReportModel, letters: _Letters) -> list[Flowable]:
    out: list[Flowable] = []
    for x in m.extra_appendices:
        out += [PageBreak(), Heading(f"Appendix {letters.next()}: {x.title}", 0, "h1")]
        out += [P(p) for p in x.paragraphs]
        for t in x.tables:
            n = max(1, len(t.header))
            rows = [[P(h, "cell_head") for h in t.header]] + [
                [P(c, "cell") for c in row] for row in t.rows]
            out += [_table(rows, [BODY_W / n] * n, header=bool(t.header)), Spacer(1, 8)]
        for chart in x.charts:
            out += [KeepTogether([P(chart.title, "h3"), draw_chart(chart, BODY_W)]),
                    Spacer(1, 10)]
        out += [P(n, "meta") for n in x.notes]
    return out


ANSWER_W = (BODY_W * 0.55, BODY_W * 0.29, BODY_W * 0.16)
CELL_PAD = 12  # left + right padding in _table
NOT_ANSWERED = "Not answered"


def _lines(value: str, width: float) -> Any:
    """Short text wrapped into lines of a plain string cell (cheaper than a Paragraph);
    anything long or multi-line stays a Paragraph, which can split across pages."""
    if len(value) > 400 or "\n" in value:
        return P(value, "cell")
    lines = simpleSplit(_plain(value), F, MIN_PT, width - CELL_PAD)
    if any(stringWidth(line, F, MIN_PT) > width - CELL_PAD for line in lines):
        return P(value, "cell")  # a word too long for the cell: let the Paragraph split it
    return "\n".join(lines)


def _short(value: str, width: float) -> Any:
    """A plain string when it fits on one line of the cell (far cheaper than a Paragraph,
    which a 600-answer report would build hundreds of), else a wrapping Paragraph."""
    if "\n" not in value and len(value) < 60:
        plain = _plain(value)
        if stringWidth(plain, F, MIN_PT) <= width - CELL_PAD:
            return plain
    return P(value, "cell")


def _appendix_answers(m: ReportModel, letter: str) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(),
                           Heading(f"Appendix {letter}: {APPENDIX_ANSWERS}", 0, "h1"),
                           P("Every item answered or noted in each area, with the RAG rating "
                             "it suggests. Items not shown were not answered.", "meta")]
    for area in m.area_answers:
        out.append(CondPageBreak(60 * mm))
        out.append(Heading(area.area, 1, "h2t"))
        out.append(P(f"{area.answered} of {area.visible} items answered.", "meta"))
        for j, section in enumerate(area.sections):
            if j:
                out.append(CondPageBreak(40 * mm))
            out.append(P(section.title, "h3t"))
            out += _answer_tables(section.rows)
    return out


def _answer_tables(section_rows: Sequence[Any]) -> list[Flowable]:
    """One table per run of ordinary rows. A long note or answer does not go in its cell
    (a row taller than a page cannot be placed, and splitting rows repeats headers
    mid-page): the cell says "below" and the text follows the row at full width, where it
    wraps and splits across pages like any paragraph."""
    out: list[Flowable] = []
    rows: list[list[Any]] = [["Item", "Answer", "RAG"]]
    extra: list[tuple[Any, ...]] = []
    for r in section_rows:
        long_note = bool(r.note) and len(r.note) > LONG_CELL
        long_answer = len(r.answer) > LONG_CELL
        item: Any
        if r.note and not long_note:
            item = [P(r.prompt, "cell"), Paragraph("<b>Note:</b> " + text(r.note), S["note"])]
        elif long_note:
            item = [P(r.prompt, "cell"), P("Note: below.", "note")]
        else:
            item = _lines(r.prompt, ANSWER_W[0])
        if long_answer:
            answer: Any = P("Answer: below.", "note")
        else:
            answer = _short(r.answer, ANSWER_W[1]) if r.answer else NOT_ANSWERED
        rows.append([item, answer, _rag_word(r.rag)])
        extra += _rag_cmds(2, len(rows) - 1, r.rag)
        if long_note or long_answer:
            out.append(_table(rows, ANSWER_W, extra=extra))
            if long_answer:
                out.append(Paragraph("<b>Answer:</b> " + text(r.answer), S["long"]))
            if long_note:
                out.append(Paragraph("<b>Note:</b> " + text(r.note), S["long"]))
            rows, extra = [["Item", "Answer", "RAG"]], []
    if len(rows) > 1:
        out.append(_table(rows, ANSWER_W, extra=extra))
    return out


class PhotoFile(Flowable):
    """A photo drawn straight from its file.

    platypus.Image treats a file without a .jpg name (a blob is named by its hash) as
    "decode with PIL", and the canvas then decodes every pixel to fingerprint it; drawn by
    file name, a JPEG goes into the PDF as it is stored (DCTDecode), undecoded.
    """

    def __init__(self, path: Path, width: float, height: float) -> None:
        super().__init__()
        self.path = str(path)
        self.width, self.height = width, height
        self.hAlign = "LEFT"

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self.path, 0, 0, self.width, self.height, mask="auto")


def _photo_size(photo: Photo, max_w: float, max_h: float) -> tuple[float, float]:
    w, h = photo.width, photo.height
    if not w or not h:
        try:
            from PIL import Image as PILImage

            with PILImage.open(photo.path) as im:  # reads the header only
                w, h = im.size
        except Exception:  # noqa: BLE001 - a broken file shows as a placeholder below
            w, h = 4, 3
    scale = min(max_w / w, max_h / h)
    return w * scale, h * scale


def _appendix_photos(m: ReportModel, letter: str) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(),
                           Heading(f"Appendix {letter}: {APPENDIX_PHOTOS}", 0, "h1")]
    col_w = BODY_W / 2
    cells: list[list[Flowable]] = []
    for n, photo in enumerate(m.photos, 1):
        cell: list[Flowable] = []
        if photo.path is not None and Path(photo.path).is_file():
            w, h = _photo_size(photo, col_w - 12, 78 * mm)
            cell.append(PhotoFile(Path(photo.path), w, h))
        else:
            cell.append(P("The photo file is not on this tablet.", "empty"))
        cell.append(Paragraph(f"<b>Photo {n}.</b> " + text(photo.caption),
                              S["photo_caption"]))
        if photo.area:
            cell.append(P(photo.area, "note"))
        cells.append(cell)
    rows = [cells[i:i + 2] + ([[]] if len(cells[i:i + 2]) == 1 else [])
            for i in range(0, len(cells), 2)]
    t = Table(rows, colWidths=[col_w, col_w], splitByRow=1, hAlign="LEFT")
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), F, MIN_PT),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 12),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 14)]))
    out.append(t)
    return out


def story(m: ReportModel) -> list[Flowable]:
    """Every flowable of the report, in the running order."""
    fonts.register_fonts()
    out = _cover(m) + _summary(m) + _scope(m) + _strengths(m) + _improvements(m)
    out += _recommendations(m)
    out += _simple_section(SECTION_TITLES[5], m.support)
    out += _simple_section(SECTION_TITLES[6], m.next_steps)
    letters = _Letters()
    if any(r.counts.rated or r.counts.not_rated for r in m.rag_grid):
        out += _appendix_rag(m, letters.next())
    out += _appendix_extra(m, letters)
    if m.area_answers:
        out += _appendix_answers(m, letters.next())
    if m.photos:
        out += _appendix_photos(m, letters.next())
    return out


def render_pdf(model: ReportModel, output: Path | str,
               on_progress: Callable[[int], None] | None = None) -> int:
    """Write the report to `output` (a path); returns the number of pages."""
    fonts.register_fonts()
    pages: list[int] = []
    doc = ReportDoc(str(output), model)
    if on_progress is not None:
        doc.setProgressCallBack(lambda kind, n: on_progress(n) if kind == "PAGE" else None)
    doc.build(story(model), canvasmaker=_numbered_canvas(pages))
    return pages[-1] if pages else 0


__all__ = ["render_pdf", "story", "text"]
