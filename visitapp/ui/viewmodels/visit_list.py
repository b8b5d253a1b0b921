"""The visits screen in words: one row a visit, from the visit summaries, a page at a time.

Nothing here loads a visit: the rows come from `VisitService.summaries_page` (one row a
visit, the newest first, with the unsynced counts from the maintained totals and the
"Continue" button from where the store finds the item last touched, in one snapshot).
A page holds `PAGE` visits ("Show more" adds a page), so the screen costs about the same
with 100 visits as with one (bench/bench_store.py measures it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from visitapp.services.app import Services
from visitapp.ui.viewmodels.common import visit_type_label
from visitapp.ui.viewmodels.overview import ContinueAt, continue_from
from visitapp.ui.viewmodels.status import is_demo, visit_sync_text

PAGE = 10  # visits a page: more than a tablet's screen shows at once


@dataclass(frozen=True)
class VisitRow:
    id: str
    title: str
    date: str | None
    where: str  # trust · site, or empty
    detail: str  # date · type · areas · progress
    sync_text: str
    resume: ContinueAt | None


@dataclass(frozen=True)
class VisitPage:
    rows: list[VisitRow]
    total: int  # visits on the tablet

    def more_label(self) -> str | None:
        """The "Show more" button's words, or None when every visit is shown."""
        left = self.total - len(self.rows)
        if left <= 0:
            return None
        return f"Show {min(left, PAGE)} more of {left} older visit{'s' if left != 1 else ''}"


def visit_rows(services: Services, enrolled: bool,
               last_position: Callable[[str], tuple[str, str] | None],
               limit: int = PAGE) -> VisitPage:
    page = services.visits.summaries_page(limit, last_position)
    unsent, points = page.unsent, page.points
    return VisitPage([VisitRow(
        s.id, s.title, s.date, " · ".join(x for x in (s.trust, s.site) if x),
        f"{s.date} · {visit_type_label(s.visit_type)} · {s.areas} "
        f"area{'' if s.areas == 1 else 's'} · {s.answered} of {s.visible} answered",
        visit_sync_text(unsent.get(s.id, 0), enrolled, demo=is_demo(s)),
        continue_from(points.get(s.id))) for s in page.visits], page.total)
