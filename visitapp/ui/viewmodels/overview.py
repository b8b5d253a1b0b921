"""The visit overview screen: one card per area, in words."""

from __future__ import annotations

from dataclasses import dataclass

from visitapp.domain.forms import AREA_KINDS
from visitapp.domain.summary import ContinuePoint
from visitapp.domain.visit import (
    AreaState,
    VisitState,
)
from visitapp.ui.viewmodels.common import (
    RAG_BY_VALUE,
    RAG_CHOICES,
    Choice,
)


@dataclass(frozen=True)
class AreaCard:
    key: str
    label: str
    kind_label: str
    answered: int
    visible: int
    required_missing: int
    rag_overall: str | None
    rag_counts: dict[str, int]
    findings: int
    photos: int
    done: bool = False
    rag_set_by_team: bool = False

    @property
    def rag_word(self) -> str:
        if not self.rag_overall:
            return "Not rated yet"
        word = RAG_BY_VALUE[self.rag_overall].label
        return f"{word} (set by the team)" if self.rag_set_by_team else word

    @property
    def progress_text(self) -> str:
        return f"{self.answered} of {self.visible} answered"

    @property
    def missing_text(self) -> str:
        if self.required_missing == 0:
            return "All required answered"
        return f"{self.required_missing} required not answered"

    @property
    def findings_text(self) -> str:
        return f"{self.findings} finding" + ("" if self.findings == 1 else "s")

    @property
    def rag_counts_text(self) -> str:
        parts = [f"{self.rag_counts.get(c.value, 0)} {c.label.lower()}"
                 for c in reversed(RAG_CHOICES) if self.rag_counts.get(c.value)]
        return ", ".join(parts)

    @property
    def summary(self) -> str:
        """Everything on the card in words, for the screen reader (and the tests)."""
        done = "Done. " if self.done else ""
        spread = f" ({self.rag_counts_text})" if self.rag_counts_text else ""
        return (f"{self.label}. {done}{self.progress_text}. {self.missing_text}. "
                f"Area rating: {self.rag_word}{spread}. {self.findings_text}.")


def area_card(state: VisitState, area: AreaState) -> AreaCard:
    progress = area.progress()
    rag = area.rag()
    return AreaCard(
        key=area.key, label=area.label, kind_label=AREA_KINDS.get(area.kind, area.kind),
        answered=progress.answered, visible=progress.visible,
        required_missing=progress.required_missing, rag_overall=rag.overall,
        rag_counts=rag.counts, rag_set_by_team=rag.set_by_team,
        findings=len(state.findings_for_area(area.key)),
        photos=sum(1 for a in state.attachments if a.area_key == area.key), done=area.done)


def area_cards(state: VisitState) -> list[AreaCard]:
    return [area_card(state, a) for a in state.areas]


def area_choices(state: VisitState) -> list[Choice]:
    return [Choice(a.key, a.label) for a in state.areas]


def area_kind_choices() -> list[Choice]:
    return [Choice(k, v) for k, v in AREA_KINDS.items()]


@dataclass(frozen=True)
class ContinueAt:
    """Where to continue a visit on this tablet: the item last touched."""

    area_key: str
    item_id: str
    label: str

    def route(self, visit_id: str) -> str:
        return f"/visit/{visit_id}/area/{self.area_key}"


def continue_at(state: VisitState, position: tuple[str, str] | None) -> ContinueAt | None:
    """'Continue: Emergency Department, item 19' for the item last touched, if it and its
    area are still in the visit (an item hidden by show_if since counts from the top)."""
    if position is None:
        return None
    return continue_in(state.area(position[0]), position[1])


def continue_in(area: AreaState | None, item_id: str) -> ContinueAt | None:
    """`continue_at` for one loaded area (the visits screen, which loads none, has
    `continue_from`)."""
    if area is None or area.form.item(item_id) is None:
        return None
    visible = [i.id for i in area.visible_items()]
    where = (f", item {visible.index(item_id) + 1} of {len(visible)}"
             if item_id in visible else "")
    return ContinueAt(area.key, item_id, f"Continue: {area.label}{where}")


def continue_from(point: ContinuePoint | None) -> ContinueAt | None:
    """`continue_in` from where the store says the item stands (the visits screen, which
    loads no visit): the same words."""
    if point is None or point.form.item(point.item_id) is None:
        return None
    where = (f", item {point.position + 1} of {point.visible}"
             if point.position is not None else "")
    return ContinueAt(point.key, point.item_id, f"Continue: {point.label}{where}")
