"""Action plans: every synced recommendation is an action of its system.

An action is read lazily from the office's read model of findings (`read_findings`, kind
`recommendation`, not deleted), so a recommendation is an action the moment its push is
answered and the push path needs no hook. Its id is the finding's id (a UUID made on the
tablet). What the office adds lives in `office_action_updates`: dated updates, each with a
status and a note; the status is the latest update's (`not_started` before any), the due
date the latest one an update set, else the first event after the visit (else none).

An action is overdue at an event when it was due on or before the event's day and was not
done by then (by the updates dated up to that day): the systems feed back at the events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from sync.server import office_ops
from sync.server import tables as st
from sync.server.db import read, write
from sync.server.office import between_tables as bt
from sync.server.office import calendar
from sync.server.office import tables as t
from sync.server.office.read_models import fold_name
from sync.server.office.systems import visit_system_column
from sync.server.office.users import utc_iso
from sync.server.store import NotFound, OfficeError

STATUSES = {"not_started": "Not started", "in_progress": "In progress", "done": "Done",
            "blocked": "Blocked"}
MAX_NOTE = 2000


@dataclass(frozen=True)
class Update:
    day: date
    status: str
    note: str | None
    by: str
    due: date | None

    def as_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "status": self.status, "note": self.note,
                "by": self.by}


@dataclass
class Action:
    id: str
    system: str
    system_id: int | None
    visit_id: str
    visit_date: date | None
    text: str
    owner: str | None
    horizon: str | None
    pathway: str | None
    default_due: date | None
    updates: list[Update] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.updates[-1].status if self.updates else "not_started"

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def due(self) -> date | None:
        set_by_hand = [u.due for u in self.updates if u.due is not None]
        return set_by_hand[-1] if set_by_hand else self.default_due

    def status_on(self, day: date) -> str:
        known = [u for u in self.updates if u.day <= day]
        return known[-1].status if known else "not_started"

    def overdue_on(self, day: date) -> bool:
        return self.due is not None and self.due <= day and self.status_on(day) != "done"

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "system": self.system, "visit_id": self.visit_id,
                "text": self.text, "owner": self.owner, "horizon": self.horizon,
                "status": self.status, "due": self.due.isoformat() if self.due else None,
                "updates": [u.as_json() for u in self.updates]}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def list_actions(conn: Connection, *, system: str | None = None,
                 action_id: str | None = None) -> list[Action]:
    """Every action (or one system's, by name, case and spacing aside), oldest visit first."""
    rf, rv, s = t.read_findings, t.read_visits, t.systems
    sid = visit_system_column().label("system_id")
    query = (select(rf.c.entity_id, rf.c.visit_id, rf.c.text, rf.c.owner, rf.c.horizon,
                    rf.c.pathway, rf.c.position, rv.c.date, rv.c.system, sid)
             .join(rv, rv.c.visit_id == rf.c.visit_id)
             .where(rf.c.kind == "recommendation", rf.c.deleted.is_(False),
                    rf.c.text.is_not(None)))
    if action_id is not None:
        query = query.where(rf.c.entity_id == action_id)
    rows = conn.execute(query).all()
    names = {r.id: r.name for r in conn.execute(select(s.c.id, s.c.name))}
    events = calendar.entries(conn, "event")
    wanted = fold_name(system) if system else None
    out = []
    for r in rows:
        name = names.get(r.system_id) or r.system or "No system name"
        if wanted and fold_name(name) != wanted:
            continue
        visit_day = _day(r.date)
        nxt = calendar.next_event_after(events, visit_day) if visit_day else None
        out.append(Action(r.entity_id, name, r.system_id, r.visit_id, visit_day, r.text,
                          r.owner, r.horizon, r.pathway, nxt.day if nxt else None))
    _attach_updates(conn, out)
    return sorted(out, key=lambda a: (a.system.casefold(), a.visit_date or date.min,
                                      a.visit_id, a.id))


def _attach_updates(conn: Connection, found: list[Action]) -> None:
    if not found:
        return
    u = bt.action_updates
    by_action: dict[str, list[Update]] = defaultdict(list)
    ids = [a.id for a in found]
    for chunk in (ids[i:i + 300] for i in range(0, len(ids), 300)):
        for r in conn.execute(select(u).where(u.c.action_id.in_(chunk))
                              .order_by(u.c.day, u.c.id)):
            by_action[r.action_id].append(Update(date.fromisoformat(r.day), r.status,
                                                 r.note, r.by_name, _day(r.due)))
    for a in found:
        a.updates = by_action.get(a.id, [])


def get_action(conn: Connection, action_id: str) -> Action:
    found = list_actions(conn, action_id=action_id)
    if not found:
        raise NotFound(f"no action {action_id!r}: `visitapp-office actions list` shows them")
    return found[0]


def update_action(engine: Engine, action_id: str, *, status: str, note: str | None,
                  today: date, by: str, now_ms: int, due: str | None = None) -> Action:
    """Record a dated update (status, note, and a new due date if given)."""
    action_id = (action_id or "").strip()
    if status not in STATUSES:
        raise OfficeError(f"status {status!r} must be one of {', '.join(STATUSES)}")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise OfficeError(f"note: at most {MAX_NOTE} characters (this one has {len(note)})")
    new_due = calendar.parse_day(due, "due date") if due and due.strip() else None
    with read(engine) as conn:
        before = get_action(conn, action_id)
        team = conn.execute(select(st.visits.c.team).where(
            st.visits.c.visit_id == before.visit_id)).scalar()

    def record(conn: Connection) -> None:
        conn.execute(insert(bt.action_updates).values(
            action_id=action_id, day=today.isoformat(), status=status,
            due=new_due.isoformat() if new_due else None, note=note, by_name=by,
            at=utc_iso(now_ms)))

    # The update and the signed op that takes its status to the team's tablets (for
    # the follow-up visit) commit together.
    due_then = new_due or before.due
    if team is None:  # no claim for the visit (cannot happen for a synced one): no op
        with write(engine) as conn:
            record(conn)
    else:
        office_ops.send(engine, action_changes(before, status=status, day=today,
                                               due=due_then),
                        team=team, now_ms=now_ms, now_iso=utc_iso(now_ms), inside=record)
    with read(engine) as conn:
        return get_action(conn, action_id)


def action_changes(action: Action, *, status: str, day: date | None,
                   due: date | None) -> list[office_ops.Change]:
    """What a tablet is told of an action: its words (so it shows even where the
    recommendation is not held), its status and the day of its latest update."""
    values = {"text": action.text, "owner": action.owner, "horizon": action.horizon,
              "status": status, "updated": day.isoformat() if day else None,
              "due": due.isoformat() if due else None}
    return [office_ops.Change(action.visit_id, "action", action.id, name, value)
            for name, value in values.items()]


def overdue_at_events(conn: Connection) -> dict[int, list[Action]]:
    """For each event (by id), the actions overdue at it."""
    everything = list_actions(conn)
    return {e.id: [a for a in everything if a.overdue_on(e.day)]
            for e in calendar.entries(conn, "event")}


def update_days(conn: Connection) -> list[date]:
    """The day of every update of an action that still exists (for momentum)."""
    live = {a.id for a in list_actions(conn)}
    u = bt.action_updates
    return [date.fromisoformat(r.day) for r in conn.execute(select(u.c.action_id, u.c.day))
            if r.action_id in live]
