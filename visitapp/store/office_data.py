"""Reading what the programme office sent (migration 0010): the status of an earlier
visit's actions, the exemplar library, and the checklist published for each area kind.

These tables are written only from ops made by the office (`oplog._materialise`), so the
tablet shows them read-only.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from visitapp.domain.visit import PreviousAction


def previous_actions(conn: sqlite3.Connection, earlier_visit_id: str) -> list[PreviousAction]:
    """The earlier visit's recommendations as actions, in the order of its findings.

    A recommendation the office has not updated yet is `not_started` (the office's own
    default); an action whose recommendation this tablet does not hold (another team's
    tablet made it) is still listed, from the words the office sent with it."""
    recommendations = conn.execute(
        "SELECT id, text, owner FROM findings WHERE visit_id = ? AND kind = 'recommendation' "
        "AND COALESCE(deleted, 0) = 0 AND text IS NOT NULL ORDER BY position, created_at, id",
        (earlier_visit_id,)).fetchall()
    status = {r[0]: r[1:] for r in conn.execute(
        "SELECT id, text, owner, status, updated FROM actions WHERE visit_id = ?",
        (earlier_visit_id,))}
    out: list[PreviousAction] = []
    for finding_id, text, owner in recommendations:
        sent = status.pop(finding_id, None)
        out.append(PreviousAction(
            finding_id, text, owner,
            (sent[2] if sent else None) or "not_started", sent[3] if sent else None))
    for action_id, (text, owner, state, updated) in sorted(status.items()):
        if text:  # held by the office only; a deleted recommendation sends no text
            out.append(PreviousAction(action_id, text, owner, state or "not_started", updated))
    return out


def exemplars(conn: sqlite3.Connection, area_kind: str | None = None) -> list[dict[str, Any]]:
    """Library entries (all, or one area kind's), by title."""
    query = ("SELECT id, title, area_kind, pathway, tags, system, what_they_do, evidence, "
             "contact_role FROM exemplars WHERE COALESCE(deleted, 0) = 0 AND title IS NOT NULL")
    params: tuple[Any, ...] = ()
    if area_kind is not None:
        query += " AND area_kind = ?"
        params = (area_kind,)
    rows = conn.execute(query + " ORDER BY title COLLATE NOCASE, id", params).fetchall()
    return [{"id": r[0], "title": r[1], "area_kind": r[2], "pathway": r[3],
             "tags": json.loads(r[4] or "[]"), "system": r[5], "what_they_do": r[6],
             "evidence": r[7], "contact_role": r[8]} for r in rows]


def published_forms(conn: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    """Area kind -> (form hash, version) published by the office, where its content is held."""
    rows = conn.execute(
        "SELECT p.area_kind, p.form_hash, p.version FROM published_forms p "
        "JOIN form_versions f ON f.hash = p.form_hash").fetchall()
    return {kind: (form_hash, int(version or 0)) for kind, form_hash, version in rows}
