"""The document: A4 page templates (cover, body), the header with system and date, the
footer with the no-patient-data marking and "Page N of M", and PDF bookmarks from the
headings.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from visitapp.domain.report import NO_PID_MARKING, REPORT_TITLE, ReportModel
from visitapp.report.style import (
    BODY_W,
    BORDER,
    COVER_BAND,
    FB,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MIN_PT,
    NHS_BLUE,
    NHS_DARK_BLUE,
    PAGE_H,
    PAGE_W,
    TEXT,
    WHITE,
    F,
    Heading,
    fit,
    plain,
)


def numbered_canvas(pages: list[int]) -> type[Canvas]:
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
            system = self._header_system = fit(
                canv, plain(self.model.meta.system), FB, MIN_PT, BODY_W - date_w - 10 * mm)
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
