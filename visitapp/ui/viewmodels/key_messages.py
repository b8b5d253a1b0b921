"""The key messages part of the feedback screen: what the report leads with, and the
team's edits to it (change a message's words or colour, add, remove, move up or down).

Every command stores the whole list, in its new order, as one op through
`services.key_messages.set_key_messages`, then reads it back from the store: what the
screen shows after a command is what was committed. The first change to a drafted list
stores the draft (with that change) as the team's; "Go back to the draft" clears it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from visitapp.domain.key_messages import MAX_MESSAGES
from visitapp.services.key_messages import EditableMessage, messages_to_edit, set_key_messages
from visitapp.ui.viewmodels.common import RAG_WORDS

NAME_CHARS = 60  # of a message's text in a control's name ("Move up: Handovers over ...")


def short_text(text: str, limit: int = NAME_CHARS) -> str:
    """The start of `text`, cut at a word, for naming the controls that act on it."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if text[limit] != " ":  # mid-word: drop the part-word
        cut = cut.rsplit(" ", 1)[0] or cut
    return cut.rstrip(",;:") + "…"


def colour_words(rag: str | None) -> str:
    return RAG_WORDS.get(rag or "", "No colour")


class KeyMessagesEditor:
    """The messages as stored (or drafted), and the commands that change them."""

    def __init__(self, services: Any, visit_id: str,
                 author: Callable[[], str | None] = lambda: None) -> None:
        self._services = services
        self.visit_id = visit_id
        self._author = author
        self.messages: list[EditableMessage] = []
        self.set_by_team = False
        self.reload()

    def reload(self) -> None:
        self.messages, self.set_by_team = messages_to_edit(
            self._services.visits, self._services.metrics, self.visit_id)

    # --- what the screen shows -----------------------------------------------------

    @property
    def can_add(self) -> bool:
        return len(self.messages) < MAX_MESSAGES

    def heading(self) -> str:
        return f"Key messages ({len(self.messages)} of {MAX_MESSAGES})"

    def source_text(self) -> str:
        if self.set_by_team:
            return "Set by the team: the report leads with these, in this order."
        if not self.messages:
            return "Nothing drafted yet: add the messages the team will lead with."
        return ("Drafted from the visit, most serious first. Change any of them and the "
                "team's list is what the report leads with.")

    def names(self, index: int) -> dict[str, str]:
        """What a screen reader calls each control of message `index`."""
        text = short_text(self.messages[index].text)
        return {"up": f"Move up: {text}", "down": f"Move down: {text}",
                "edit": f"Edit: {text}", "remove": f"Remove: {text}"}

    # --- commands (each one op; raise PatientDataWarning / UserError, nothing stored) -

    def save(self, index: int | None, text: str, rag: str | None,
             confirmed: bool = False) -> None:
        """Change message `index` (None: add one at the end)."""
        entries = list(self.messages)
        new = EditableMessage(text, rag, confirmed)
        if index is None:
            entries.append(new)
        else:
            entries[index] = new
        self._store(entries)

    def remove(self, index: int) -> EditableMessage:
        entries = list(self.messages)
        gone = entries.pop(index)
        self._store(entries)
        return gone

    def restore(self, index: int, message: EditableMessage) -> None:
        """Put a removed message back where it was (Undo)."""
        entries = list(self.messages)
        entries.insert(min(index, len(entries)), message)
        self._store(entries)

    def move(self, index: int, step: int) -> None:
        """One place up (-1) or down (+1); nothing stored at either end."""
        j = index + step
        if not 0 <= j < len(self.messages):
            return
        entries = list(self.messages)
        entries[index], entries[j] = entries[j], entries[index]
        self._store(entries)

    def use_draft(self) -> None:
        set_key_messages(self._services.visits, self.visit_id, None, author=self._author())
        self.reload()

    def _store(self, entries: list[EditableMessage]) -> None:
        set_key_messages(self._services.visits, self.visit_id,
                         [(m.text, m.rag) for m in entries], author=self._author(),
                         confirmed=[m.confirmed for m in entries])
        self.reload()
