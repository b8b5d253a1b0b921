"""PDF rendering of the same-day feedback report (the only package that imports reportlab).

`render_pdf(model, path) -> pages` draws a `visitapp.domain.report.ReportModel`.
`python -m visitapp.report` makes docs/report-page1.png from the demo visit.
"""

from __future__ import annotations

from visitapp.report.pdf import render_pdf

__all__ = ["render_pdf"]
