"""The area checklist screen: the choices and entry words of each answer type, the walk
order of areas, and `ChecklistViewModel`: the screen's state and commands (answers, undo,
where the user is, and the way to what is left)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from visitapp.domain.forms import AnswerType, Item
from visitapp.domain.values import format_value
from visitapp.domain.visit import (
    AnswerState,
    AreaState,
    FindingState,
    Pathway,
    VisitState,
)
from visitapp.errors import UserError
from visitapp.ui.viewmodels.common import (
    RAG_CHOICES,
    Choice,
    count_words,
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


def item_markers(state: VisitState, area_key: str, item_id: str, has_note: bool) -> list[str]:
    """The small markers on an item row, in words: a note, flagged findings, photos."""
    linked = linked_findings(state, area_key, item_id)
    words = ["Note"] if has_note else []
    words += [count_words(sum(1 for f in linked if f.kind == k), k)
              for k in ("strength", "concern") if any(f.kind == k for f in linked)]
    others = sum(1 for f in linked if f.kind not in ("strength", "concern"))
    if others:
        words.append(f"{others} other")
    photos = sum(1 for a in state.attachments if a.area_key == area_key and a.item_id == item_id)
    if photos:
        words.append(count_words(photos, "photo"))
    return words


def linked_findings(state: VisitState, area_key: str, item_id: str) -> list[FindingState]:
    return [f for f in state.findings if f.area_key == area_key and item_id in f.item_ids]


# --- the screen's state and commands -----------------------------------------------------

@dataclass(frozen=True)
class UndoStep:
    """What one answer change replaced, so that it can be put back (by a new write)."""

    item_id: str
    previous: Any
    message: str


class ChecklistViewModel:
    """One area's checklist: answers, undo, where the user is, and the way to what is left.

    Holds no controls: the screen draws it. `visits` is the visit service; `positions` keeps
    the tablet's place in each area (`TabletPrefs`), never as an op.
    """

    def __init__(self, visits: Any, positions: Any, visit_id: str, key: str,
                 author: str | None) -> None:
        self.visits = visits
        self.positions = positions
        self.visit_id = visit_id
        self.key = key
        self.author = author
        self.state: VisitState = visits.load(visit_id)
        area = self.state.area(key)
        if area is None:
            raise UserError("That area is no longer in this visit.")
        self.area: AreaState = area
        self.current: str | None = positions.area_position(visit_id, key)
        self.only_unanswered = False
        self._kept: set[str] = set()  # answered while filtered: kept on screen till re-filtered

    # --- reading -----------------------------------------------------------------

    def value(self, item_id: str) -> Any:
        a = self.area.answers.get(item_id)
        return a.value if a else None

    def note(self, item_id: str) -> str | None:
        a = self.area.answers.get(item_id)
        return a.note if a else None

    def shown_ids(self) -> set[str]:
        """The items on screen: those visible (show_if), and with the filter on, only the
        unanswered ones (and those answered since it was switched on)."""
        visible = [i.id for i in self.area.visible_items()]
        if not self.only_unanswered:
            return set(visible)
        return {i for i in visible if self.value(i) is None or i in self._kept}

    def set_filter(self, only_unanswered: bool) -> None:
        self.only_unanswered = only_unanswered
        self._kept = set()

    def progress_text(self) -> str:
        p = self.area.progress()
        left = (f" · {p.required_missing} required left" if p.required_missing
                else " · all required answered")
        return f"{p.answered} of {p.visible} answered{left}"

    def position_words(self) -> str | None:
        """'item 19 of 33' for the item the user was last at, if it is still visible."""
        visible = [i.id for i in self.area.visible_items()]
        if self.current not in visible:
            return None
        return f"item {visible.index(self.current) + 1} of {len(visible)}"

    def next_to_answer(self, required_only: bool = False) -> str | None:
        """The first unanswered (or unanswered required) item after the current one,
        going round to the top; None when there is none."""
        items = [i for i in self.area.visible_items()
                 if self.value(i.id) is None and (i.required or not required_only)]
        if not items:
            return None
        order = [i.id for i in self.area.visible_items()]
        start = order.index(self.current) if self.current in order else -1
        after = [i for i in items if order.index(i.id) > start]
        return (after or items)[0].id

    def section_of(self, item_id: str) -> str | None:
        return next((s.id for s in self.area.form.sections
                     if any(i.id == item_id for i in s.items)), None)

    def section_index(self) -> list[tuple[str, str, str]]:
        """(section id, title, 'n of m answered') for each section with a visible item."""
        visible = {i.id for i in self.area.visible_items()}
        out = []
        for s in self.area.form.sections:
            ids = [i.id for i in s.items if i.id in visible]
            if ids:
                done = sum(1 for i in ids if self.value(i) is not None)
                out.append((s.id, s.title, f"{done} of {len(ids)} answered"))
        return out

    # --- commands --------------------------------------------------------------------

    def touch(self, item_id: str) -> None:
        """The user is at this item: remember it on this tablet (to continue there)."""
        self.current = item_id
        self.positions.set_position(self.visit_id, self.key, item_id)

    def set_answer(self, item_id: str, raw: Any) -> tuple[Any, UndoStep | None]:
        """Store (or with None, clear) an answer; returns the value stored and how to undo
        it. Raises UserError/StoreError with nothing changed."""
        previous = self.value(item_id)
        if raw is None:
            self.visits.clear_answer(self.visit_id, self.key, item_id, author=self.author)
            value = None
        else:
            value = self.visits.answer(self.visit_id, self.key, item_id, raw,
                                       author=self.author)
        self._remember(item_id, value)
        if self.only_unanswered:
            self._kept.add(item_id)
        self.touch(item_id)
        if previous == value:
            return value, None
        message = ("Answer cleared" if value is None else
                   "Answer changed" if previous is not None else "Answer saved")
        return value, UndoStep(item_id, previous, message)

    def rate_item(self, item_id: str, rag: str | None) -> None:
        """The team's own rating of a rated item (None: go back to the suggested one)."""
        self.visits.rate_item(self.visit_id, self.key, item_id, rag, author=self.author)
        self.area.answers.setdefault(item_id, AnswerState()).team_rag = rag
        self.touch(item_id)

    def undo(self, step: UndoStep) -> Any:
        """Put the earlier answer back: a new write (an op like any other, so it syncs)."""
        if step.previous is None:
            self.visits.clear_answer(self.visit_id, self.key, step.item_id, author=self.author)
        else:
            # the canonical value parses back to itself (a list for multiple choice)
            raw = step.previous if isinstance(step.previous, list) else str(step.previous)
            self.visits.answer(self.visit_id, self.key, step.item_id, raw, author=self.author,
                               confirmed=True)
        self._remember(step.item_id, step.previous)
        return step.previous

    def set_done(self, done: bool) -> None:
        """Mark the area as walked and done (an op), or not done again."""
        self.visits.set_area_done(self.visit_id, self.key, done=done, author=self.author)
        self.area.done = done

    def _remember(self, item_id: str, value: Any) -> None:
        a = self.area.answers.setdefault(item_id, AnswerState())
        a.value = value
        a.answered_by = self.author

    def reload(self) -> None:
        """Findings or photos changed elsewhere: read the visit again, keep our answers."""
        self.state = self.visits.load(self.visit_id)
        fresh = self.state.area(self.key)
        if fresh is not None:
            self.state.areas[self.state.areas.index(fresh)] = self.area
