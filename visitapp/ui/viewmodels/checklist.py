"""The area checklist screen: which control each answer type gets, what an entry shows, and the walk order of areas."""

from __future__ import annotations

from typing import Any

from visitapp.domain.forms import AnswerType, Item
from visitapp.domain.values import format_value
from visitapp.domain.visit import (
    AreaState,
    FindingState,
    Pathway,
    VisitState,
)
from visitapp.ui.viewmodels.common import (
    RAG_CHOICES,
    Choice,
)

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


def linked_findings(state: VisitState, area_key: str, item_id: str) -> list[FindingState]:
    return [f for f in state.findings if f.area_key == area_key and item_id in f.item_ids]
