"""The key messages the team presents: drafted from the visit until the team edits them.

The team's list (text and colour of each, in their order) is one op on the visit
(entity `key_messages`, field `messages`), so an edit or a reorder syncs like any other
change; clearing it (None) goes back to the draft. Text passes the privacy guard, each
message confirmed as not patient data on its own (so confirming one never waves another
through).

`messages_to_edit` is what the feedback screen starts from: the team's list, or the draft
when they have not set one; the first change stores the whole list as the team's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from visitapp.domain.key_messages import MAX_MESSAGES, draft_key_messages
from visitapp.domain.report import KeyMessage
from visitapp.errors import BadValue
from visitapp.services.metrics import MetricsService
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


@dataclass(frozen=True)
class EditableMessage:
    text: str
    rag: str | None  # the colour it is shown in (None: neutral)
    confirmed: bool  # the team confirmed it is not patient data


def messages_to_edit(visits: VisitService, metrics: MetricsService,
                     visit_id: str) -> tuple[list[EditableMessage], bool]:
    """The messages the report leads with now, and whether the team set them (else they
    are the draft, worked out from the visit as the report does)."""
    team = team_key_messages(visits, visit_id)
    if team is not None:
        return [EditableMessage(m.text, m.rag, ok) for m, ok in team], True
    from visitapp.services.data_report import data_pack

    state = visits.load(visit_id)
    follow_up = data_pack(metrics, state).follow_up
    return [EditableMessage(m.text, m.rag, False)
            for m in draft_key_messages(state, follow_up)], False


def set_key_messages(visits: VisitService, visit_id: str,
                     messages: Sequence[tuple[str, str | None]] | None,
                     author: str | None = None,
                     confirmed: bool | Sequence[bool] = False) -> None:
    """Store the team's messages (text, colour) in order; None goes back to the draft.

    `confirmed`: the team confirmed the text is not patient data, for every message or,
    as a sequence, for each one in turn.
    """
    value: list[dict[str, Any]] | None = None
    if messages is not None:
        if len(messages) > MAX_MESSAGES:
            raise BadValue(f"at most {MAX_MESSAGES} key messages; there are {len(messages)}")
        flags = ([confirmed] * len(messages) if isinstance(confirmed, bool)
                 else [bool(c) for c in confirmed])
        if len(flags) != len(messages):
            raise ValueError("one confirmed flag for each message")
        value = []
        for n, ((text, rag), ok) in enumerate(zip(messages, flags, strict=True), 1):
            text = " ".join((text or "").split())
            if not text:
                raise BadValue(f"key message {n} is empty")
            if len(text) > MAX_CHARS:
                raise BadValue(f"key message {n} is longer than {MAX_CHARS} characters: "
                               "keep it to one sentence")
            if rag is not None and rag not in RAGS:
                raise BadValue(f"key message {n}: rating {rag!r} is not one of: "
                               f"{', '.join(RAGS)}")
            guard_text(f"key message {n}", text, ok)
            value.append({"text": text, "rag": rag, "confirmed": ok})
    with visits.db.write() as conn:
        visits.require_visit(conn, visit_id)
        oplog.record(visits.db, conn, visit_id=visit_id, entity=ENTITY, entity_id=visit_id,
                     field=FIELD, value=value, author=author,
                     confirmed=bool(value) and any(e["confirmed"] for e in value))
