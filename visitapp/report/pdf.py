"""Render a `ReportModel` (visitapp.domain.report) to an A4 PDF with reportlab platypus.

The story is the sections in the running order (`sections`), then the appendices with
their fixed letters (`appendices`); the page furniture is in `doc`, the look in `style`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reportlab.platypus import Flowable

from visitapp.domain.report import ReportModel
from visitapp.report import appendices, fonts, sections
from visitapp.report.doc import ReportDoc, numbered_canvas
from visitapp.report.style import text

# The running order of the domain brief (section C), then Appendices A to D.
STORY = (
    sections.cover,
    sections.key_messages,
    sections.scope,
    sections.strengths,
    sections.improvements,
    sections.recommendations,
    sections.support,
    sections.next_steps,
    sections.factual_accuracy,
    appendices.appendix_ratings,
    appendices.appendix_data,
    appendices.appendix_answers,
    appendices.appendix_photos,
)


def story(m: ReportModel) -> list[Flowable]:
    """Every flowable of the report, in the running order."""
    fonts.register_fonts()
    return [flowable for part in STORY for flowable in part(m)]


def render_pdf(model: ReportModel, output: Path | str,
               on_progress: Callable[[int], None] | None = None) -> int:
    """Write the report to `output` (a path); returns the number of pages."""
    fonts.register_fonts()
    pages: list[int] = []
    doc = ReportDoc(str(output), model)
    if on_progress is not None:
        doc.setProgressCallBack(lambda kind, n: on_progress(n) if kind == "PAGE" else None)
    doc.build(story(model), canvasmaker=numbered_canvas(pages))
    return pages[-1] if pages else 0


__all__ = ["render_pdf", "story", "text"]
