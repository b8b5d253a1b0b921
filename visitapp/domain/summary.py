"""One visit, or one area, in a line: what the visits screen shows without loading the
visit (kept by visitapp/store/summaries.py, equal to what the loaded visit computes)."""

from __future__ import annotations

from dataclasses import dataclass

from visitapp.domain.forms import Form, Item


@dataclass(frozen=True)
class AreaSummary:
    key: str
    label: str
    form: Form
    answered: int
    visible: int
    visible_ids: tuple[str, ...]  # the items show_if shows now, in form order

    def visible_items(self) -> list[Item]:
        return [item for i in self.visible_ids if (item := self.form.item(i)) is not None]


@dataclass(frozen=True)
class ContinuePoint:
    """Where a visit's "Continue" button goes, read without loading the visit: the item
    last touched in an area, and where it stands among the items shown now."""
    key: str
    label: str
    form: Form
    item_id: str
    position: int | None  # 0-based among the visible items; None: hidden now
    visible: int


@dataclass(frozen=True)
class VisitSummary:
    id: str
    system: str | None
    trust: str | None
    site: str | None
    date: str | None
    visit_type: str | None
    status: str | None
    areas: int
    answered: int
    visible: int
    required_missing: int
    rag_counts: dict[str, int]  # visible items by the rating that counts

    @property
    def title(self) -> str:
        return self.system or self.trust or self.site or "Untitled visit"


@dataclass(frozen=True)
class SummaryPage:
    """A page of the visits screen, read in one snapshot: the newest visits, how many
    there are in all, their unsent changes and where each one's "Continue" goes."""
    visits: list[VisitSummary]
    total: int
    unsent: dict[str, int]  # by visit id, refused changes left out; none: absent
    points: dict[str, ContinuePoint]  # by visit id, for the visits with a place to go
