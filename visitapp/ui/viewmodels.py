"""What the screens show, worked out in plain Python (no flet here, so it is testable).

The screens turn these into controls; nothing here decides a business rule (progress,
RAG and visibility come from the domain), it only arranges them for a person to read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from visitapp.domain.forms import AREA_KINDS, AnswerType, Item
from visitapp.domain.values import format_value
from visitapp.domain.visit import (
    FINDING_KIND_LABELS,
    PATHWAY_LABELS,
    VISIT_TYPE_LABELS,
    AreaState,
    FindingKind,
    FindingState,
    Pathway,
    VisitState,
    VisitType,
)

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_TEXT = "#212B32"
NHS_GREY_BG = "#F0F4F5"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_WARM_YELLOW = "#FFB81C"
NHS_RED = "#D5281B"
NHS_GREEN = "#007F3B"
WHITE = "#FFFFFF"


@dataclass(frozen=True)
class Choice:
    """One tappable answer: the canonical value, its words, and colours when chosen."""

    value: str
    label: str
    colour: str = NHS_BLUE
    on_colour: str = WHITE


RAG_CHOICES = (
    Choice("red", "Red", NHS_RED, WHITE),
    Choice("amber", "Amber", NHS_WARM_YELLOW, NHS_TEXT),
    Choice("green", "Green", NHS_GREEN, WHITE),
)
RAG_BY_VALUE = {c.value: c for c in RAG_CHOICES}

_YES = Choice("yes", "Yes")
_NO = Choice("no", "No")
_PARTIAL = Choice("partial", "Partly")

ENTRY_TYPES = frozenset({AnswerType.COUNT, AnswerType.DURATION, AnswerType.PERCENT,
                         AnswerType.TIME_OF_DAY, AnswerType.TEXT})

ENTRY_HINTS = {
    AnswerType.COUNT: "A whole number",
    AnswerType.DURATION: "Minutes, or like 1h30m or 1:30",
    AnswerType.PERCENT: "0 to 100",
    AnswerType.TIME_OF_DAY: "24-hour time, like 08:30",
    AnswerType.TEXT: "Type what you saw or heard (no patient details)",
}

ANSWER_TYPE_WORDS = {
    AnswerType.RAG: "Rating",
    AnswerType.YES_NO: "Yes or no",
    AnswerType.YES_NO_PARTIAL: "Yes, partly or no",
    AnswerType.COUNT: "Number",
    AnswerType.DURATION: "Duration",
    AnswerType.PERCENT: "Percentage",
    AnswerType.TIME_OF_DAY: "Time of day",
    AnswerType.SINGLE_CHOICE: "Choose one",
    AnswerType.MULTI_CHOICE: "Choose any that apply",
    AnswerType.TEXT: "Text",
}


def choices_for(item: Item) -> tuple[Choice, ...]:
    """The tappable choices for an item; empty for items answered by typing."""
    if item.type is AnswerType.RAG:
        return RAG_CHOICES
    if item.type is AnswerType.YES_NO:
        return (_YES, _NO)
    if item.type is AnswerType.YES_NO_PARTIAL:
        return (_YES, _PARTIAL, _NO)
    if item.type in (AnswerType.SINGLE_CHOICE, AnswerType.MULTI_CHOICE):
        return tuple(Choice(o.id, o.label) for o in item.options or ())
    return ()


def is_multi(item: Item) -> bool:
    return item.type is AnswerType.MULTI_CHOICE


def entry_text(item: Item, value: Any) -> str:
    """What an entry field shows for a stored value (plain, so it can be edited)."""
    if value is None:
        return ""
    return str(value)


def entry_suffix(item: Item) -> str | None:
    if item.type is AnswerType.DURATION:
        return "min"
    if item.type is AnswerType.PERCENT:
        return "%"
    if item.type is AnswerType.COUNT:
        return item.unit
    return None


def toggle_multi(current: Any, option: str) -> list[str]:
    """A multiple-choice answer with `option` switched on or off."""
    chosen = list(current) if isinstance(current, list) else []
    if option in chosen:
        chosen.remove(option)
    else:
        chosen.append(option)
    return chosen


def shown_value(item: Item, value: Any) -> str:
    return format_value(item, value) if value is not None else ""


# --- visits and areas ------------------------------------------------------------------

def visit_type_label(value: str | None) -> str:
    try:
        return VISIT_TYPE_LABELS[VisitType(value)]
    except (ValueError, KeyError):
        return value or ""


VISIT_TYPE_CHOICES = tuple(Choice(t.value, VISIT_TYPE_LABELS[t]) for t in VisitType)


@dataclass(frozen=True)
class AreaCard:
    key: str
    label: str
    kind_label: str
    answered: int
    visible: int
    required_missing: int
    rag_worst: str | None
    rag_counts: dict[str, int]
    findings: int
    photos: int

    @property
    def rag_word(self) -> str:
        return RAG_BY_VALUE[self.rag_worst].label if self.rag_worst else "Not rated yet"

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
        return (f"{self.label}. {self.progress_text}. {self.missing_text}. "
                f"Worst rating: {self.rag_word}. {self.findings_text}.")


def area_card(state: VisitState, area: AreaState) -> AreaCard:
    progress = area.progress()
    rag = area.rag()
    return AreaCard(
        key=area.key, label=area.label, kind_label=AREA_KINDS.get(area.kind, area.kind),
        answered=progress.answered, visible=progress.visible,
        required_missing=progress.required_missing, rag_worst=rag.worst,
        rag_counts=rag.counts, findings=len(state.findings_for_area(area.key)),
        photos=sum(1 for a in state.attachments if a.area_key == area.key))


def area_cards(state: VisitState) -> list[AreaCard]:
    return [area_card(state, a) for a in state.areas]


def neighbours(state: VisitState, key: str) -> tuple[AreaState | None, AreaState | None]:
    """The areas before and after `key` in walk order."""
    keys = [a.key for a in state.areas]
    if key not in keys:
        return None, None
    i = keys.index(key)
    return (state.areas[i - 1] if i > 0 else None,
            state.areas[i + 1] if i + 1 < len(keys) else None)


def checklist_entries(area: AreaState) -> list[tuple[str, Any]]:
    """The checklist in order: ("section", title) headings, then ("item", Item) rows,
    only for items visible with the answers so far; a section with nothing visible is left out.
    """
    visible = {i.id for i in area.visible_items()}
    entries: list[tuple[str, Any]] = []
    for section in area.form.sections:
        items = [i for i in section.items if i.id in visible]
        if items:
            entries.append(("section", section.title))
            entries.extend(("item", i) for i in items)
    return entries


def area_choices(state: VisitState) -> list[Choice]:
    return [Choice(a.key, a.label) for a in state.areas]


def area_kind_choices() -> list[Choice]:
    return [Choice(k, v) for k, v in AREA_KINDS.items()]


# --- findings ------------------------------------------------------------------------

FINDING_KIND_CHOICES = tuple(Choice(k.value, FINDING_KIND_LABELS[k]) for k in FindingKind)
PATHWAY_CHOICES = tuple(Choice(p.value, PATHWAY_LABELS[p]) for p in Pathway)
HORIZON_CHOICES = (Choice("quick_win", "Quick win"), Choice("longer_term", "Longer term"))


def default_pathway(item: Item) -> str | None:
    """The first of an item's theme tags that is also a pathway, if any."""
    pathways = {p.value for p in Pathway}
    return next((t for t in item.tags if t in pathways), None)


def flag_text(item: Item, value: Any) -> str:
    """A starting text for a finding flagged from an item; the user edits it.

    The item's note is left out on purpose: it may be long, and it was checked by the
    privacy guard for a different purpose (a working note, not a feedback statement).
    """
    text = item.prompt.rstrip("?").rstrip()
    if value is not None:
        text += f": {format_value(item, value)}"
    return text


def count_words(n: int, word: str) -> str:
    """'1 concern', '2 concerns'."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def findings_by_kind(findings: Iterable[FindingState]) -> list[tuple[str, str, list[FindingState]]]:
    """Findings grouped by kind in the order of a feedback session (every kind listed)."""
    groups: dict[str, list[FindingState]] = {k.value: [] for k in FindingKind}
    for f in findings:
        groups.setdefault(f.kind, []).append(f)
    return [(k, FINDING_KIND_LABELS.get(FindingKind(k), k) if k in groups else k, fs)
            for k, fs in groups.items()]


def finding_kind_label(kind: str) -> str:
    try:
        return FINDING_KIND_LABELS[FindingKind(kind)]
    except ValueError:
        return kind


def pathway_label(pathway: str | None) -> str:
    if not pathway:
        return "No pathway"
    try:
        return PATHWAY_LABELS[Pathway(pathway)]
    except ValueError:
        return pathway


def linked_findings(state: VisitState, area_key: str, item_id: str) -> list[FindingState]:
    return [f for f in state.findings if f.area_key == area_key and item_id in f.item_ids]


def finding_links(state: VisitState, finding: FindingState) -> str:
    """Where a finding comes from, in words: its area and the items it is linked to."""
    if finding.area_key is None:
        return "Whole visit"
    area = state.area(finding.area_key)
    if area is None:
        return "An area no longer in the visit"
    prompts = [area.form.item(i).prompt for i in finding.item_ids if area.form.item(i)]
    if not prompts:
        return area.label
    return f"{area.label}: " + "; ".join(prompts)


# --- status --------------------------------------------------------------------------

def is_online(connectivity: Iterable[Any]) -> bool:
    """Connectivity types (enum members or their values) to online/offline."""
    values = {getattr(c, "value", c) for c in connectivity}
    return bool(values - {"none", "bluetooth"})


def saved_text(at_hhmmss: str, what: str) -> str:
    return f"Saved {what} at {at_hhmmss}"


PRIVACY_REMINDER = (
    "No patients, whiteboards with names, or screens may appear in a photo. "
    "Photos stay on this tablet until sync.")


def privacy_warning_text(reasons: Iterable[str]) -> str:
    return ("This looks like patient data (" + "; ".join(reasons) + "). "
            "Edit it to remove the details, or confirm it is not patient data. "
            "It has not been saved yet.")
