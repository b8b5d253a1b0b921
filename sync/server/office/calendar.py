"""The collaborative calendar: events and learning sessions, and the action periods.

Events (the launch and each collaborative event) divide time into system action periods
(`visitapp.domain.collaborative.action_periods`); learning sessions fall inside them.
Every visit falls in one period by its date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Engine, insert, select

from sync.server.db import write
from sync.server.office import between_tables as bt
from sync.server.office.users import utc_iso
from sync.server.store import OfficeError
from visitapp.domain.collaborative import Gathering, Period, action_periods

KINDS = {"event": "event", "learning": "learning session"}
MAX_ATTENDEES = 1_000_000


@dataclass(frozen=True)
class Entry:
    id: int
    kind: str
    name: str
    day: date
    attendees: int

    def gathering(self) -> Gathering:
        return Gathering(self.name, self.day, self.attendees)

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "name": self.name,
                "date": self.day.isoformat(), "attendees": self.attendees}


def parse_day(text: str | None, what: str = "date") -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise OfficeError(f"{what} {text!r} is not a date like 2027-01-12") from None


def parse_attendees(text: str | int | None, required: bool) -> int:
    if text is None or (isinstance(text, str) and not text.strip()):
        if required:
            raise OfficeError("attendees: say how many came (a whole number, 0 or more)")
        return 0
    try:
        n = int(str(text).strip())
    except ValueError:
        raise OfficeError(f"attendees {text!r} is not a whole number") from None
    if not 0 <= n <= MAX_ATTENDEES:
        raise OfficeError(f"attendees {n} must be between 0 and {MAX_ATTENDEES:,}")
    return n


def add(engine: Engine, *, kind: str, name: str, day: str, attendees: str | int | None,
        now_ms: int) -> Entry:
    """Record an event or a learning session; every check runs before anything is written."""
    if kind not in KINDS:
        raise OfficeError(f"kind {kind!r} must be one of {', '.join(KINDS)}")
    name = " ".join((name or "").split())
    if not name:
        raise OfficeError(f"name: give the {KINDS[kind]} a name")
    if len(name) > 200:
        raise OfficeError(f"name: at most 200 characters (this one has {len(name)})")
    when = parse_day(day)
    count = parse_attendees(attendees, required=kind == "learning")
    with write(engine) as conn:
        new_id = int(conn.execute(insert(bt.gatherings).values(
            kind=kind, name=name, day=when.isoformat(), attendees=count,
            created_at=utc_iso(now_ms))).inserted_primary_key[0])
    return Entry(new_id, kind, name, when, count)


def entries(conn: Connection, kind: str | None = None) -> list[Entry]:
    g = bt.gatherings
    query = select(g).order_by(g.c.day, g.c.name, g.c.id)
    if kind:
        query = query.where(g.c.kind == kind)
    return [Entry(r.id, r.kind, r.name, date.fromisoformat(r.day), r.attendees)
            for r in conn.execute(query)]


def periods(conn: Connection) -> list[Period]:
    return action_periods([e.gathering() for e in entries(conn, "event")])


def next_event_after(events: list[Entry], day: date) -> Entry | None:
    """The first event strictly after `day` (events in date order)."""
    return next((e for e in events if e.day > day), None)
