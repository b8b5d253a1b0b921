"""The visits screen in words: one row a visit, from the visit summaries.

Nothing here loads a visit: the rows come from `VisitService.summaries` (one row a
visit), the unsynced counts from the maintained totals, and the "Continue" button from
the summary of the one area last touched. So the screen costs about the same with 100
visits as with one (bench/bench_store.py measures it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from visitapp.services.app import Services
from visitapp.services.walkthrough import pending_by_visit
from visitapp.ui.viewmodels.common import visit_type_label
from visitapp.ui.viewmodels.overview import ContinueAt, continue_in
from visitapp.ui.viewmodels.status import is_demo, visit_sync_text


@dataclass(frozen=True)
class VisitRow:
    id: str
    title: str
    date: str | None
    where: str  # trust · site, or empty
    detail: str  # date · type · areas · progress
    sync_text: str
    resume: ContinueAt | None


def visit_rows(services: Services, enrolled: bool,
               last_position: Callable[[str], tuple[str, str] | None]) -> list[VisitRow]:
    visits = services.visits
    summaries = visits.summaries()
    pending = pending_by_visit(services)
    positions = {s.id: p for s in summaries if (p := last_position(s.id)) is not None}
    areas = visits.area_summaries((vid, key) for vid, (key, _) in positions.items())
    rows = []
    for s in summaries:
        position = positions.get(s.id)
        resume = (continue_in(areas.get((s.id, position[0])), position[1])
                  if position is not None else None)
        rows.append(VisitRow(
            id=s.id, title=s.title, date=s.date,
            where=" · ".join(x for x in (s.trust, s.site) if x),
            detail=(f"{s.date} · {visit_type_label(s.visit_type)} · {s.areas} areas · "
                    f"{s.answered} of {s.visible} answered"),
            sync_text=visit_sync_text(pending.get(s.id, 0), enrolled, demo=is_demo(s)),
            resume=resume))
    return rows
