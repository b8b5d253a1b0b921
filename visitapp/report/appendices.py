"""The appendices, always with the same letters (an empty one says so in a line):
A ratings (the rule, the grid and a chart), B data, C every answer, D photos.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from visitapp.domain.report import RAG_WORDS, Photo, ReportModel, appendix_heading
from visitapp.report.charts import draw_chart, legend
from visitapp.report.sections import VERDICT_RAG
from visitapp.report.style import (
    BODY_W,
    BORDER,
    CHART_MAX_AREAS,
    FB,
    LIGHT_GREY,
    LONG_CELL,
    MIN_PT,
    NHS_DARK_BLUE,
    RAG_FILL,
    RAG_KEYS,
    SECONDARY,
    TEXT,
    WHITE,
    F,
    Heading,
    P,
    S,
    empty,
    needs_fallback,
    plain,
    rag_cmds,
    rag_word,
    table,
    text,
)


def appendix_ratings(m: ReportModel) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), Heading(appendix_heading("A"), 0, "h1"),
                           P(m.area_rule, "meta")]
    if not m.rag_grid:
        return out + [empty("No areas have been added to this visit.")]
    rows: list[list[Any]] = [["Area", "Rating", "Green", "Amber", "Red", "Not rated"]]
    extra: list[tuple[Any, ...]] = []
    for i, r in enumerate(m.rag_grid, 1):
        c = r.counts
        word = rag_word(r.overall) or "Not rated"
        rows.append([P(r.area, "cell"), word + ("\n(team's)" if r.set_by_team else ""),
                     *(f"{c.get(rag)} {rag}" if c.get(rag) else "none" for rag in RAG_KEYS),
                     str(c.not_rated) if c.not_rated else "none"])
        extra += rag_cmds(1, i, r.overall)
        for j, rag in enumerate(RAG_KEYS, 2):
            if c.get(rag):
                extra += rag_cmds(j, i, rag)
            else:
                extra.append(("TEXTCOLOR", (j, i), (j, i), SECONDARY))
    w = BODY_W - 3 * 24 * mm - 2 * 25 * mm
    out.append(table(rows, [w, 25 * mm, 24 * mm, 24 * mm, 24 * mm, 25 * mm],
                     extra=extra + [("ALIGN", (1, 0), (-1, -1), "CENTER")]))
    critical = [(r.area, sentence) for r in m.rag_grid for sentence in r.critical_reds]
    if critical:
        out.append(P("Safety-critical items rated Red", "h3"))
        out += [Paragraph(text(sentence), S["item"], bulletText="•")
                for _, sentence in critical]
    rated = [r for r in m.rag_grid if r.counts.rated]
    if rated and len(m.rag_grid) <= CHART_MAX_AREAS:
        reds = sum(1 for r in m.rag_grid if r.overall == "red")
        greens = sum(1 for r in m.rag_grid if r.overall == "green")
        summary = (f"Of {len(rated)} rated areas, {reds} {'is' if reds == 1 else 'are'} Red "
                   f"and {greens} {'is' if greens == 1 else 'are'} Green; each bar shows "
                   "how many items in the area were rated green, amber and red.")
        out.append(KeepTogether([Spacer(1, 10), P("Ratings per area", "h3"), P(summary, "meta"),
                                 _rag_areas_chart(m.rag_grid)]))
    return out


def appendix_data(m: ReportModel) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), Heading(appendix_heading("B"), 0, "h1")]
    if not m.extra_appendices:
        return out + [empty("No data was shared for this visit.")]
    for x in m.extra_appendices:
        if len(m.extra_appendices) > 1:
            out.append(Heading(x.title, 1, "h2"))
        out += [P(p) for p in x.paragraphs]
        for t in x.tables:
            n = max(1, len(t.header))
            rows: list[list[Any]] = [[P(h, "cell_head") for h in t.header]]
            extra: list[tuple[Any, ...]] = []
            for i, row in enumerate(t.rows, 1):
                cells: list[Any] = [P(c, "cell") for c in row]
                if t.rag_column is not None:
                    rag = next((k for k, v in RAG_WORDS.items() if v == row[t.rag_column]), None)
                    cells[t.rag_column] = row[t.rag_column]
                    extra += rag_cmds(t.rag_column, i, rag)
                if t.verdict_column is not None:
                    verdict = row[t.verdict_column]
                    cells[t.verdict_column] = verdict.capitalize()
                    extra += rag_cmds(t.verdict_column, i, VERDICT_RAG.get(verdict))
                rows.append(cells)
            if t.title:  # not keepWithNext: that would carry the whole table over
                out += [CondPageBreak(40 * mm), P(t.title, "h3t")]
            out += [table(rows, [BODY_W / n] * n, header=bool(t.header), extra=extra),
                    Spacer(1, 8)]
        for chart in x.charts:
            block: list[Flowable] = [P(chart.title, "h3")]
            if chart.summary:
                block.append(P(chart.summary, "meta"))
            out += [KeepTogether([*block, draw_chart(chart, BODY_W)]), Spacer(1, 10)]
        out += [P(n, "meta") for n in x.notes]
    return out


def appendix_answers(m: ReportModel) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), Heading(appendix_heading("C"), 0, "h1")]
    if not m.area_answers:
        return out + [empty("No items have been answered yet.")]
    out.append(P("Every item answered or noted in each area, with the rating that counts: "
                 "the team's where they set one (the suggestion from the standard is then "
                 "shown too), else the suggestion. Items not shown were not answered.", "meta"))
    for area in m.area_answers:
        out.append(CondPageBreak(60 * mm))
        out.append(Heading(area.area, 1, "h2"))
        out.append(P(f"{area.answered} of {area.visible} items answered.", "meta"))
        for j, section in enumerate(area.sections):
            if j:
                out.append(CondPageBreak(40 * mm))
            out += _answer_tables(f"{area.area}: {section.title}", section.rows)
    return out


def appendix_photos(m: ReportModel) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), Heading(appendix_heading("D"), 0, "h1")]
    if not m.photos:
        return out + [empty("No photos were taken on this visit.")]
    return out + _photo_grid(m.photos)


ANSWER_W = (BODY_W * 0.55, BODY_W * 0.29, BODY_W * 0.16)
CELL_PAD = 12  # left + right padding in _table
NOT_ANSWERED = "Not answered"


def _lines(value: str, width: float) -> Any:
    """Short text wrapped into lines of a plain string cell (cheaper than a Paragraph);
    anything long or multi-line stays a Paragraph, which can split across pages."""
    if len(value) > 400 or "\n" in value or needs_fallback(value):
        return P(value, "cell")
    lines = simpleSplit(plain(value), F, MIN_PT, width - CELL_PAD)
    if any(stringWidth(line, F, MIN_PT) > width - CELL_PAD for line in lines):
        return P(value, "cell")  # a word too long for the cell: let the Paragraph split it
    return "\n".join(lines)


def _short(value: str, width: float) -> Any:
    """A plain string when it fits on one line of the cell (far cheaper than a Paragraph,
    which a 600-answer report would build hundreds of), else a wrapping Paragraph."""
    if "\n" not in value and len(value) < 60 and not needs_fallback(value):
        short = plain(value)
        if stringWidth(short, F, MIN_PT) <= width - CELL_PAD:
            return short
    return P(value, "cell")


def _rating_cell(r: Any) -> str:
    word = rag_word(r.rag)
    if not word:
        return ""
    if r.rated_by_team and r.suggested_rag and r.suggested_rag != r.rag:
        word += f"\n(team's;\nsuggested\n{rag_word(r.suggested_rag)})"
    elif r.rated_by_team:
        word += "\n(team's)"
    return word + ("\n(critical item)" if r.critical else "")


def _answer_tables(caption: str, section_rows: Sequence[Any]) -> list[Flowable]:
    """One table per run of ordinary rows. A long note or answer does not go in its cell
    (a row taller than a page cannot be placed, and splitting rows repeats headers
    mid-page): the cell says "below" and the text follows the row at full width, where it
    wraps and splits across pages like any paragraph."""
    out: list[Flowable] = []
    rows: list[list[Any]] = _heads(caption)
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
        rows.append([item, answer, _rating_cell(r)])
        extra += rag_cmds(2, len(rows) - 1, r.rag)
        if long_note or long_answer:
            out.append(_answer_table(rows, extra))
            if long_answer:
                out.append(Paragraph("<b>Answer:</b> " + text(r.answer), S["long"]))
            if long_note:
                out.append(Paragraph("<b>Note:</b> " + text(r.note), S["long"]))
            rows, extra = _heads(caption), []
    if len(rows) > 1:
        out.append(_answer_table(rows, extra))
    return out


def _heads(caption: str) -> list[list[Any]]:
    """The subsection's name, then the column headings: both repeat on a new page, so a
    continued table still says what it is."""
    return [[P(caption, "cell_bold"), "", ""], ["Item", "Answer", "Rating"]]


def _answer_table(rows: list[list[Any]], extra: list[tuple[Any, ...]]) -> Table:
    t = table(rows, ANSWER_W, extra=[
        ("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, 0), LIGHT_GREY),
        ("TEXTCOLOR", (0, 0), (-1, 0), TEXT),
        ("BACKGROUND", (0, 1), (-1, 1), NHS_DARK_BLUE), ("TEXTCOLOR", (0, 1), (-1, 1), WHITE),
        ("FONT", (0, 1), (-1, 1), FB, MIN_PT, 15), *extra])
    t.repeatRows = 2
    return t


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


def _photo_grid(photos: Sequence[Photo]) -> list[Flowable]:
    out: list[Flowable] = []
    col_w = BODY_W / 2
    cells: list[list[Flowable]] = []
    for n, photo in enumerate(photos, 1):
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


# --- the ratings chart --------------------------------------------------------------

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
    s = plain(s)
    if stringWidth(s, F, MIN_PT) <= width:
        return s
    while s and stringWidth(s + "…", F, MIN_PT) > width:
        s = s[:-1]
    return s.rstrip() + "…"


