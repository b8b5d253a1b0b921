"""PDF rendering of the same-day feedback report (the only package that imports reportlab).

`render_pdf(model, path) -> pages` draws a `visitapp.domain.report.ReportModel`.
`load()` does the one-off work of a process's first report (fonts) ahead of time.
`python -m visitapp.report` makes docs/report-page1.png from the demo visit.
"""

from __future__ import annotations

from visitapp.report import fonts
from visitapp.report.pdf import render_pdf

__all__ = ["load", "render_pdf"]


def load() -> None:
    """Parse the report fonts now (~60 ms, once a process) rather than in the first render."""
    fonts.register_fonts()
