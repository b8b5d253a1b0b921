"""The office's tables for the time between visits (created by migration 0004_between_visits).

- `office_gatherings`: the collaborative calendar, events (kind `event`: the launch and each
  collaborative event) and learning sessions (kind `learning`), with their attendees.
- `office_action_updates`: the dated updates of actions. An action is a synced
  recommendation (its id is the finding's id, see `actions.py`); its status and due date
  are those of its latest update, so the action itself needs no row of its own and a
  recommendation synced later needs no backfill.
- `office_exemplars`: the exemplar practice library, strengths promoted by office users.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from sync.server.office.tables import metadata

gatherings = Table(
    "office_gatherings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # event | learning
    Column("name", String(200), nullable=False),
    Column("day", String(10), nullable=False),  # ISO date
    Column("attendees", Integer, nullable=False, default=0),
    Column("created_at", String(32), nullable=False),
    Index("ix_office_gatherings_day", "kind", "day"),
)

action_updates = Table(
    "office_action_updates", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action_id", String(64), nullable=False),  # the recommendation's finding id
    Column("day", String(10), nullable=False),  # the London date it was made
    Column("status", String(20), nullable=False),
    Column("due", String(10)),  # a new due date set with this update, else NULL
    Column("note", Text),
    Column("by_name", String(200), nullable=False),
    Column("at", String(32), nullable=False),
    Index("ix_office_action_updates_action", "action_id", "id"),
)

exemplars = Table(
    "office_exemplars", metadata,
    Column("id", String(36), primary_key=True),  # a UUID: the entry's id on every tablet
    Column("visit_id", String(64), nullable=False),
    Column("finding_id", String(256), nullable=False),
    Column("title", String(200), nullable=False),
    Column("what_they_do", Text, nullable=False),
    Column("system", Text),
    Column("area_kind", String(64)),
    Column("evidence", Text),
    Column("contact_role", String(200)),
    Column("pathway", String(40)),
    Column("tags", Text, nullable=False),  # JSON list
    Column("created_by", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
)
