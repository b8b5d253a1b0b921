"""The key messages the team presents: drafted from the visit until the team edits them.

The team's list (text and colour of each, in their order) is one op on the visit
(entity `key_messages`, field `messages`), so an edit or a reorder syncs like any other
change; clearing it (None) goes back to the draft. Text passes the privacy guard.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from visitapp.domain.key_messages import MAX_MESSAGES
from visitapp.domain.report import KeyMessage
from visitapp.errors import BadValue
from visitapp.services.visits import RAGS, VisitService, guard_text
from visitapp.store import oplog
from visitapp.store.entities import winning_values

ENTITY = "key_messages"
FIELD = "messages"
MAX_CHARS = 400  # one sentence on a slide


def team_key_messages(visits: VisitService,
                      visit_id: str) -> list[tuple[KeyMessage, bool]] | None:
    """The team's messages with whether each was confirmed as not patient data, or None
    when they have not set any (the draft is used)."""
    with visits.db.read() as conn:
        stored = winning_values(conn, visit_id, ENTITY).get(visit_id, {}).get(FIELD)
    if not isinstance(stored, list):
        return None
    out = []
    for entry in stored:
        if isinstance(entry, dict) and isinstance(entry.get("text"), str) and entry["text"]:
            rag = entry.get("rag") if entry.get("rag") in RAGS else None
            out.append((KeyMessage(entry["text"], rag, "team"), bool(entry.get("confirmed"))))
    return out


def set_key_messages(visits: VisitService, visit_id: str,
                     messages: Sequence[tuple[str, str | None]] | None,
                     author: str | None = None, confirmed: bool = False) -> None:
    """Store the team's messages (text, colour) in order; None goes back to the draft."""
    value: list[dict[str, Any]] | None = None
    if messages is not None:
        if len(messages) > MAX_MESSAGES:
            raise BadValue(f"at most {MAX_MESSAGES} key messages; there are {len(messages)}")
        value = []
        for n, (text, rag) in enumerate(messages, 1):
            text = " ".join((text or "").split())
            if not text:
                raise BadValue(f"key message {n} is empty")
            if len(text) > MAX_CHARS:
                raise BadValue(f"key message {n} is longer than {MAX_CHARS} characters: "
                               "keep it to one sentence")
            if rag is not None and rag not in RAGS:
                raise BadValue(f"key message {n}: rating {rag!r} is not one of: "
                               f"{', '.join(RAGS)}")
            guard_text(f"key message {n}", text, confirmed)
            value.append({"text": text, "rag": rag, "confirmed": confirmed})
    with visits.db.write() as conn:
        visits.require_visit(conn, visit_id)
        oplog.record(visits.db, conn, visit_id=visit_id, entity=ENTITY, entity_id=visit_id,
                     field=FIELD, value=value, author=author, confirmed=confirmed)
